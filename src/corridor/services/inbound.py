"""A national node's exchange at work: each turn publishes and reads the signed directory,
sends the outbox, takes in what is waiting (storing envelopes and taking receipts), and hands
the pre-arrival data an authority received to its customs assessment. The background loop
runs these turns while the node serves.

The exchange package moves and checks messages; what the node does with what arrived is
decided here, so no lower layer calls back into a service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from corridor.services import assessment
from corridor.services.context import Context

log = logging.getLogger("corridor.exchange")

__all__ = ["RETRY_AT_MOST_S", "start", "stop", "turn"]
# The longest wait between two turns while the broker or the store fails (seconds).
RETRY_AT_MOST_S = 3.0


async def turn(ctx: Context) -> dict[str, int]:
    """One turn of the node's exchange; an authority then assesses what it stored."""
    got = await ctx.running_exchange().step()
    if got.get("stored"):
        await asyncio.to_thread(assessment.assess_received, ctx, ctx.clock())
    return got


async def _loop(ctx: Context) -> None:
    ex = ctx.running_exchange()
    failures = 0
    while True:
        try:
            await turn(ctx)
            failures, ex.last_error = 0, None
        except Exception as exc:  # a broker or store outage: log, wait, try again
            failures += 1
            ex.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if failures == 1:
                log.exception("exchange step failed on node %s", ex.node.node)
            elif failures % 20 == 0:  # about once a minute while it lasts
                log.warning("exchange still failing on node %s: %s", ex.node.node, exc)
        # Back off while the broker or store is down, but try at least every few seconds:
        # a turn is cheap, and the node must say it is well again soon after it is.
        await asyncio.sleep(min(ex.interval_s * 2 ** min(failures, 8), RETRY_AT_MOST_S))


async def start(ctx: Context, within_s: float = 5.0) -> None:
    """Load the pinned copy of the directory, take one turn at it (publish, then read what
    the others published) so the node serves knowing the corridor, and run the loop in the
    background. A broker that is down or slow delays the start by at most `within_s`; the
    loop keeps trying."""
    ex = ctx.running_exchange()
    await asyncio.to_thread(ex.load_cache)
    try:
        await asyncio.wait_for(ex.directory_turn(), within_s)
    except Exception as exc:  # a broker or store outage must not stop the node serving
        log.warning("node %s starts without a directory turn: %r", ex.node.node, exc)
    ex.task = asyncio.get_running_loop().create_task(_loop(ctx))


async def stop(ctx: Context) -> None:
    """Stop the background loop."""
    ex = ctx.running_exchange()
    if ex.task is not None:
        ex.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ex.task
        ex.task = None
