"""Taking a node's messages off the bus: its inbox subject (`pump`), once its store is back,
its dead letters (`replay`), and once the clocks agree, what it held for the clock
(`release`). Each message is handed to `delivery.receive` and
acknowledged only after it was stored or refused; a store outage leaves it on the bus, to be
delivered again for the retry budget, then set aside as a dead letter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from corridor.documents import TrustList
from corridor.exceptions import StoreUnavailable
from corridor.exchange import delivery, hold
from corridor.exchange.bus import DEAD_AFTER_S, Bus, Delivery
from corridor.exchange.envelope import envelope_id
from corridor.exchange.node import LocalNode
from corridor.exchange.receipts import Replier

log = logging.getLogger("corridor.exchange")
__all__ = ["pump", "release", "replay"]


async def pump(
    node: LocalNode,
    bus: Bus,
    trust: TrustList,
    now: Callable[[], datetime],
    batch: int = 50,
    timeout: float = 1.0,
    hosts: Callable[[str], str | None] | None = None,
    replier: Replier | None = None,
) -> dict[str, int]:
    """Take this node's messages off the bus until none is waiting; acknowledge each only
    after it is stored or refused. Returns a count per outcome."""
    outcomes: dict[str, int] = {}
    while True:
        deliveries = await bus.fetch(node.node, batch, timeout)
        if not deliveries:
            return outcomes
        await take_in(node, bus, deliveries, trust, now, outcomes, hosts, replier)


async def take_in(
    node: LocalNode,
    bus: Bus,
    deliveries: list[Delivery],
    trust: TrustList,
    now: Callable[[], datetime],
    outcomes: dict[str, int],
    hosts: Callable[[str], str | None] | None = None,
    replier: Replier | None = None,
) -> None:
    """Take in messages fetched from the bus, in order, each acknowledged only once it is
    stored or refused; `outcomes` counts them per outcome."""
    for d in deliveries:
        try:
            # Verifying and storing are blocking work: in a worker thread.
            outcome = await asyncio.to_thread(
                delivery.receive, node, d.data, trust, now(), hosts, replier
            )
        except StoreUnavailable:
            waited = now().timestamp() - d.since if d.since is not None else 0.0
            if waited < DEAD_AFTER_S:
                raise  # unacknowledged: delivered again once the store is back
            # This message has not stored for the whole retry budget: set it aside (the
            # node replays its dead letters once its store is back), so that it no longer
            # holds up the messages behind it.
            log.error("envelope %s dead-lettered on %s", envelope_id(d.data), node.node)
            await bus.dead_letter(node.node, d.data)
            outcome = "dead_lettered"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        await d.ack()


async def replay(
    node: LocalNode,
    bus: Bus,
    trust: TrustList,
    now: Callable[[], datetime],
    batch: int = 50,
    timeout: float = 0.05,
    hosts: Callable[[str], str | None] | None = None,
    replier: Replier | None = None,
) -> dict[str, int]:
    """Take this node's dead letters back in, as they would have been taken the first
    time (stored, refused with a reason, or a repeat); a store still down leaves them
    waiting. Returns a count per outcome."""
    outcomes: dict[str, int] = {}
    for d in await bus.take_dead(node.node, batch, timeout):
        outcome = await asyncio.to_thread(
            delivery.receive, node, d.data, trust, now(), hosts, replier
        )
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        await d.ack()
    return outcomes


def release(
    node: LocalNode,
    trust: TrustList,
    now: datetime,
    hosts: Callable[[str], str | None] | None = None,
    replier: Replier | None = None,
) -> dict[str, int]:
    """Take in the envelopes held for the clock whose time has come, as they would have been
    taken the first time; each is forgotten only once taken in (one still ahead stays held).
    Returns a count per outcome."""
    outcomes: dict[str, int] = {}
    for env_id, raw in hold.due(node.db, now):
        outcome = delivery.receive(node, raw, trust, now, hosts, replier)
        if outcome != "held":
            hold.taken(node.db, env_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
