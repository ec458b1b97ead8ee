"""Customs on an authority's node: officers, targeting, the queue, decisions, guarantees and
transit movements. Every route but adding an officer needs an officer's own API key."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import Body, Response
from fastapi.responses import PlainTextResponse

from corridor.api.deps import Caller, Ctx, OfficerCaller
from corridor.api.routes._base import routers
from corridor.api.schemas import (
    DecisionRequest,
    Endorsement,
    GuaranteeRequest,
    LegEndRequest,
    OfficerRequest,
    StepRequest,
)
from corridor.services import (
    credentials,
    customs,
    decisions,
    endorsements,
    handover,
    targeting,
    transit,
)
from corridor.services.credentials import IssuedKey
from corridor.services.customs import DeclarationView, QueueItem
from corridor.services.decisions import Decision
from corridor.services.handover import LegEnded
from corridor.services.targeting import InstalledProfiles
from corridor.services.transit import GuaranteeView, MovementView

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
    return endorsements.endorse(ctx, who, decision_id, ctx.clock(), body.approve)


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


@private.post("/customs/guarantees", tags=TAGS, status_code=201)
def register_guarantee(body: GuaranteeRequest, who: OfficerCaller, ctx: Ctx) -> GuaranteeView:
    """Register a guarantee with this office."""
    return transit.register_guarantee(
        ctx, who, body.grn, body.holder, body.amount, body.currency, body.valid_until, ctx.clock()
    )


@private.post("/customs/declarations/{ref}/movement", tags=TAGS, status_code=201)
def open_movement(ref: str, who: OfficerCaller, ctx: Ctx) -> MovementView:
    """Accept a declaration for transit: IE015, MRN allocated (IE028), guarantee checked."""
    return transit.open_movement(ctx, who, ref, ctx.clock())


@private.get("/customs/movements/{mrn}", tags=TAGS)
def movement(mrn: str, who: OfficerCaller, ctx: Ctx) -> MovementView:
    """A movement: its state, the trader's status, its messages and the possible next steps."""
    return transit.movement(ctx, who, mrn)


@private.post("/customs/movements/{mrn}/steps", tags=TAGS)
def step(mrn: str, body: StepRequest, who: OfficerCaller, ctx: Ctx) -> MovementView:
    """Take one NCTS step; a step the state does not allow is refused, naming the state."""
    return transit.step(ctx, who, mrn, body.message, body.note, ctx.clock())


@private.get(
    "/customs/movements/{mrn}/messages/{filename}",
    tags=TAGS,
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/xml": {}}}},
)
def message_xml(mrn: str, filename: str, who: OfficerCaller, ctx: Ctx) -> Response:
    """One NCTS message of the movement as XML (valid against the official schema)."""
    files = transit.export(ctx, who, mrn)
    if filename not in files:
        listed = ", ".join(files) or "none"
        return PlainTextResponse(
            f"no message {filename!r}; this movement has {listed}", status_code=404
        )
    return Response(files[filename], media_type="application/xml")
