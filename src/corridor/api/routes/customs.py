"""Customs on an authority's node: officers, targeting, the queue, decisions and the end of
its leg. Every route but adding an officer needs an officer's own API key. (NCTS movements
are the holder's, on the shipment's node: see the shipments' NCTS routes.)"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import Body

from corridor.api.deps import Caller, Ctx, OfficerCaller
from corridor.api.routes._base import routers
from corridor.api.schemas import (
    DecisionRequest,
    Endorsement,
    LegEndRequest,
    OfficerRequest,
)
from corridor.services import (
    credentials,
    customs,
    decisions,
    endorsements,
    handover,
    targeting,
)
from corridor.services.credentials import IssuedKey
from corridor.services.customs import DeclarationView, QueueItem
from corridor.services.decisions import Decision
from corridor.services.handover import LegEnded
from corridor.services.targeting import InstalledProfiles

public, private = routers()
TAGS: list[str | Enum] = ["customs"]


@private.post("/organisations/{org_id}/officers", tags=TAGS, status_code=201)
def add_officer(org_id: str, body: OfficerRequest, who: Caller, ctx: Ctx) -> IssuedKey:
    """Add a person to your customs authority and mint their own API key (shown once)."""
    return credentials.add_officer(ctx, who, org_id, body.id, body.name, body.role, ctx.clock())


@private.get("/customs/queue", tags=TAGS)
def queue(who: OfficerCaller, ctx: Ctx, limit: int = 200) -> list[QueueItem]:
    """Declarations awaiting a decision: soonest expected arrival first, riskiest first
    among those due together, with each one's lane and hit list."""
    return customs.queue(ctx, who, ctx.clock(), max(1, min(limit, 1000)))


@private.get("/customs/declarations/{ref}", tags=TAGS)
def declaration(ref: str, who: OfficerCaller, ctx: Ctx) -> DeclarationView:
    """One declaration (by id or MRN): the data received, its assessment and decisions."""
    return customs.show(ctx, who, ref, ctx.clock())


@private.post("/customs/declarations/{ref}/decisions", tags=TAGS, status_code=201)
def decide(ref: str, body: DecisionRequest, who: OfficerCaller, ctx: Ctx) -> Decision:
    """Take a decision; a release that overrides a red or yellow lane waits for a chief."""
    return decisions.decide(ctx, who, ref, body.action, ctx.clock(), body.reason, body.findings)


@private.post("/customs/declarations/{ref}/end", tags=TAGS, status_code=201)
def end_leg(ref: str, body: LegEndRequest, who: OfficerCaller, ctx: Ctx) -> LegEnded:
    """End this authority's leg of a released declaration's shipment: the signed proof of
    end goes to the next leg's authority and, as status, to the shipment's parties."""
    return handover.end_leg(ctx, who, ref, ctx.clock(), body.seals_intact, body.reservation)


@private.post("/customs/decisions/{decision_id}/endorsement", tags=TAGS)
def endorse(decision_id: str, body: Endorsement, who: OfficerCaller, ctx: Ctx) -> Decision:
    """A chief endorses or refuses an examiner's override (never their own)."""
    return endorsements.endorse(ctx, who, decision_id, ctx.clock(), body.reason, body.approve)


@private.get("/customs/profiles", tags=TAGS)
def profiles(who: OfficerCaller, ctx: Ctx) -> InstalledProfiles:
    """The targeting version in force and its calibration."""
    return targeting.current_profiles(ctx, who)


@private.put("/customs/profiles", tags=TAGS)
def install_profiles(
    who: OfficerCaller,
    ctx: Ctx,
    text: Annotated[str, Body(media_type="application/yaml")],
) -> InstalledProfiles:
    """Put a new targeting version in force (a chief only); it is validated, calibrated
    and written to the authority's ledger."""
    return customs.install_profiles(ctx, who, text, ctx.clock())
