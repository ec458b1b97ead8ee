"""The node's HTTP API (FastAPI). OpenAPI at /openapi.json, interactive docs at /docs.

A door over `corridor.services`: routes (one module per resource under `routes/`) parse the
request, call one service function with the caller and the time, and return its result.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from corridor import __version__, web
from corridor.api import docs
from corridor.api.limits import BodyLimit, SecurityHeaders
from corridor.api.problems import install
from corridor.api.routes import ROUTERS
from corridor.services import Context, inbound


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
        yield
        for node in running:
            await inbound.stop(node)

    app = FastAPI(
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        title="corridor node",
        version=__version__,
        description="Electronic, harmonised and sovereign document flow of the Middle "
        "Corridor. Errors are RFC 9457 problem documents. Authenticate with "
        "'Authorization: Bearer <API key>'.",
    )
    app.state.context = ctx
    install(app)
    docs.install(app, list(ctx.network.nodes))
    for router in ROUTERS:
        app.include_router(router)
    # The web UI is the node's other door, served by the same app under /ui.
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
