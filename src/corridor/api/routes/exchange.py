"""Pre-arrival data between national nodes: disclose, inbox, directory."""

from __future__ import annotations

from corridor.api.deps import Caller, Ctx, IdempotencyKey
from corridor.api.routes._base import routers
from corridor.api.schemas import PROBLEM, Disclosed
from corridor.services import backlog, disclosure
from corridor.services.backlog import DeadLetter, HeldEnvelope
from corridor.services.disclosure import CustomsNotice, DirectoryEntry, InboxItem

public, private = routers()


@private.post("/shipments/{shipment_id}/disclose", tags=["exchange"])
def disclose_shipment(
    shipment_id: str, who: Caller, ctx: Ctx, key: IdempotencyKey = None
) -> Disclosed:
    """Queue each route authority's entitled pre-arrival data, sealed to its node; the
    node's exchange loop sends it. Retried with the same Idempotency-Key, the first
    envelopes come back and nothing is sent twice."""
    envelopes = disclosure.disclose(ctx, who, shipment_id, ctx.clock(), key)
    return Disclosed(envelopes=envelopes, clock_warning=disclosure.clock_warning(ctx))


@private.get("/exchange/inbox", tags=["exchange"])
def inbox(who: Caller, ctx: Ctx) -> list[InboxItem]:
    """Pre-arrival data received by this node (only its own authority may read it)."""
    return disclosure.inbox(ctx, who)


@public.get(
    "/exchange/directory",
    tags=["exchange"],
    responses={409: {"description": "This node runs without an exchange", **PROBLEM}},
)
def directory(ctx: Ctx) -> list[DirectoryEntry]:
    """The corridor's nodes and their public encryption keys."""
    return disclosure.directory(ctx)


@private.get("/shipments/{shipment_id}/customs-decisions", tags=["exchange"])
def customs_decisions(shipment_id: str, who: Caller, ctx: Ctx) -> list[CustomsNotice]:
    """What each authority on the route decided, as the shipment's parties receive it: the
    status, what to do next, and the signed release or inspection act (verified)."""
    return disclosure.customs_decisions(ctx, who, shipment_id)


@private.get("/exchange/dead-letters", tags=["exchange"])
async def dead_letters(who: Caller, ctx: Ctx) -> list[DeadLetter]:
    """Envelopes this node's store could not take within the retry budget, set aside on the
    bus (the node operator only). The node replays them itself once its store is back."""
    return await backlog.dead_letters(ctx, who)


@private.post("/exchange/dead-letters/replay", tags=["exchange"])
async def replay_dead_letters(who: Caller, ctx: Ctx) -> dict[str, int]:
    """Take the dead letters in now (the node operator only): how many were stored, refused
    (their senders are told why) or were repeats."""
    return await backlog.replay_dead_letters(ctx, who)


@private.get("/exchange/held", tags=["exchange"])
async def held(who: Caller, ctx: Ctx) -> list[HeldEnvelope]:
    """Envelopes made ahead of this node's clock, held until the clocks agree and then taken
    in (the node operator only); each sender was told why."""
    return await backlog.held(ctx, who)
