"""The node's HTTP API (FastAPI). OpenAPI at /openapi.json, interactive docs at /docs.

A door over `corridor.services`: routes (one module per resource under `routes/`) parse the
request, call one service function with the caller and the time, and return its result.
`install` puts the API on an app; the composition root (`corridor.asgi`) serves it beside
the web UI.
"""

from __future__ import annotations

from fastapi import FastAPI

from corridor import __version__
from corridor.api import docs
from corridor.api.problems import install as install_problems
from corridor.api.routes import ROUTERS
from corridor.services import Context


def install(app: FastAPI, ctx: Context) -> None:
    """The API of one node on `app`: its routes, its problem documents for every error, its
    OpenAPI description and docs."""
    app.title = "corridor node"
    app.version = __version__
    app.description = (
        "Electronic, harmonised and sovereign document flow of the Middle Corridor. Errors "
        "are RFC 9457 problem documents. Authenticate with 'Authorization: Bearer <API key>'."
    )
    app.state.context = ctx
    install_problems(app)
    docs.install(app, list(ctx.network.nodes))
    for router in ROUTERS:
        app.include_router(router)
