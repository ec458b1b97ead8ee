"""The composition root: the node served over HTTP. It puts the node's two HTTP doors side by
side in one ASGI app — the API (`corridor.api`) at the root and the web UI (`corridor.web`)
under `/ui` — with what serving needs around them: the exchange loop of each national node
for the app's lifetime, the body size limits and the security headers. The doors are peers:
neither imports the other; `corridor serve` and the tests build the app here."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from corridor import api, web
from corridor.api.limits import BodyLimit, SecurityHeaders
from corridor.services import Context, inbound

__all__ = ["create_app"]


def create_app(ctx: Context, nodes: Mapping[str, Context] | None = None) -> FastAPI:
    """The API and web UI of one node (with its exchange loop, when the context has one).

    `nodes` are further nodes served by the same process under `/nodes/<name>` (the demo
    corridor's national nodes, each its own store, keys and exchange): one process then
    runs the whole corridor."""
    others = dict(nodes or {})
    running = [c for c in (ctx, *others.values()) if c.exchange is not None]

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Requests run in worker threads: as many as the store has connections for.
        to_thread.current_default_thread_limiter().total_tokens = ctx.settings.threads
        for node in running:
            await inbound.start(node)
        if ctx.settings.freeze_heap:
            # What start-up built lives as long as the server: kept out of the collector's
            # reach, so a full collection inside a request walks only what requests make.
            gc.collect()
            gc.freeze()
        yield
        for node in running:
            await inbound.stop(node)

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # One schema per model in the OpenAPI document (no -Input/-Output twins sharing a
        # title, which client generators merge), and operation ids a person would call.
        separate_input_output_schemas=False,
        generate_unique_id_function=lambda route: route.name,
    )
    api.install(app, ctx)
    web.install(app, ctx)
    for name, node in others.items():
        app.mount(f"/nodes/{name}", create_app(node), name=f"node-{name}")
    settings = ctx.settings

    def limit_for(path: str) -> int:
        if path.endswith(("/documents", "/attach")) or path in ("/verify", "/ui/verify"):
            return settings.max_document_bytes + 64 * 1024
        return settings.max_json_bytes

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(SecurityHeaders)
    return app
