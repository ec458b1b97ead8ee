"""The node's health as an operator (and a load balancer) reads it: the store reads and takes
a write, the exchange's bus is connected and its loop turns without failing, the clocks agree,
and what waits (outbox, held for the clock, dead letters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corridor.services.context import Context

__all__ = ["Report", "check"]


@dataclass(frozen=True)
class Report:
    """'ok' or 'degraded', with the store's and the exchange's parts."""

    status: str
    store: dict[str, Any]
    exchange: dict[str, Any] | None


def check(ctx: Context) -> Report:
    """Read the store (an unreachable store raises StoreUnavailable: a 503), probe a write,
    and ask the exchange how it is doing."""
    with ctx.db.transaction() as s:
        s.connection()
    unwritable = ctx.db.unwritable()
    store = {"writable": unwritable is None, "error": unwritable}
    exchange = ctx.exchange.health() if ctx.exchange is not None else None
    healthy = unwritable is None and (
        exchange is None
        or (exchange["bus"] == "up" and exchange["loop_error"] is None and exchange["clock_ok"])
    )
    return Report("ok" if healthy else "degraded", store, exchange)
