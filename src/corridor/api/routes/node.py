"""The node itself: liveness."""

from __future__ import annotations

from fastapi.responses import PlainTextResponse

from corridor import __version__
from corridor.api.deps import Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import Health
from corridor.services import authentication, node_health

public, private = routers()


@public.get("/health", tags=["node"])
def health(ctx: Ctx) -> Health:
    """Whether the node answers, its store reads and takes a write (a full disk is
    reported within seconds), and how its exchange is doing when it runs one."""
    report = node_health.check(ctx)
    return Health(
        status=report.status,
        version=__version__,
        nodes=len(ctx.network.nodes),
        store=report.store,
        exchange=report.exchange,
    )


@public.get(
    "/metrics",
    tags=["node"],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(ctx: Ctx) -> PlainTextResponse:
    """The node's counters in the Prometheus text format: failed authentications and those
    refused by throttling."""
    lines = [f"{name} {value}" for name, value in authentication.counters(ctx).items()]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
