"""What a national node's exchange has not yet taken in, for its operator: the dead letters
(envelopes its store could not take within the retry budget, set aside on the bus) and the
envelopes it holds until a sender's clock and its own agree. Both are taken in by the node
itself (dead letters each turn once the store is back, held envelopes once their time has
come); the operator lists them and can replay the dead letters at once.

Listing shows only what is readable outside an envelope (its id, the nodes, its times):
nothing sealed is opened to list it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pydantic import BaseModel

from corridor.exchange import hold
from corridor.exchange.envelope import outside
from corridor.exchange.intake import replay
from corridor.services.context import Caller, Context
from corridor.services.organisations import operator_only

__all__ = ["DeadLetter", "HeldEnvelope", "dead_letters", "held", "replay_dead_letters"]
# How many dead letters one listing shows.
LIST_AT_MOST = 500


class DeadLetter(BaseModel):
    """A message set aside on the bus after the retry budget: what its outside says."""

    envelope_id: str | None
    from_node: str | None
    created: datetime | None
    expires: datetime | None
    # When the bus first held it, and how often it was delivered.
    queued_at: datetime | None
    deliveries: int
    size: int


class HeldEnvelope(BaseModel):
    """An envelope held until it can be taken in: made ahead of this node's clock, or
    relying on a key the directory does not carry yet."""

    envelope_id: str
    from_node: str
    kind: str
    held_at: datetime
    until: datetime
    reason: str


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


async def dead_letters(ctx: Context, who: Caller) -> list[DeadLetter]:
    """This node's dead letters, left where they are (operator only)."""
    operator_only(who, "lists the exchange's dead letters")
    ex = ctx.running_exchange()
    out = []
    for d in await ex.bus.peek_dead(ex.node.node, LIST_AT_MOST):
        head = outside(d.data)
        out.append(
            DeadLetter(
                envelope_id=head["id"],
                from_node=head["from"],
                created=_when(head["created"]),
                expires=_when(head["expires"]),
                queued_at=_when(d.since),
                deliveries=d.attempts,
                size=len(d.data),
            )
        )
    return out


async def replay_dead_letters(ctx: Context, who: Caller) -> dict[str, int]:
    """Take this node's dead letters in now, as they would have been taken the first time
    (stored, refused with a reason its sender is told, or a repeat); a store still down
    leaves them waiting. Returns a count per outcome (operator only)."""
    operator_only(who, "replays the exchange's dead letters")
    ex = ctx.running_exchange()
    outcomes: dict[str, int] = {}
    trust, replier = ex.trust(), ex.replier()
    while await ex.bus.dead_count(ex.node.node):
        got = await replay(
            ex.node, ex.bus, trust, ex.clock, hosts=ex.directory.host_of, replier=replier
        )
        if not got:
            break
        for outcome, n in got.items():
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    ex.dead_waiting = await ex.bus.dead_count(ex.node.node)
    return outcomes


async def held(ctx: Context, who: Caller) -> list[HeldEnvelope]:
    """The envelopes this node holds for the clock, the soonest taken in first (operator
    only)."""
    operator_only(who, "lists the envelopes held for the clock")
    ex = ctx.running_exchange()
    rows = await asyncio.to_thread(hold.listing, ex.node.db)
    return [HeldEnvelope.model_validate(r, from_attributes=True) for r in rows]
