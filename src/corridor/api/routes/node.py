"""The node itself: liveness."""

from __future__ import annotations

from corridor import __version__
from corridor.api.deps import Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import Health

public, private = routers()


@public.get("/health", tags=["node"])
def health(ctx: Ctx) -> Health:
    """Whether the node and its store answer."""
    with ctx.db.transaction() as s:
        s.connection()
    exchange = ctx.exchange.health() if ctx.exchange is not None else None
    return Health(
        status="ok"
        if exchange is None or (exchange["bus"] == "up" and exchange["clock_ok"])
        else "degraded",
        version=__version__,
        nodes=len(ctx.network.nodes),
        exchange=exchange,
    )
