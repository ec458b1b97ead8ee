"""Documents only a country's designated body issues (a certificate of origin): the shipper
asks the node that signs for it and follows the request on its own node; that node's
authority lists the requests and answers each, issuing or refusing."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel

from corridor.api.deps import Caller, Ctx, OfficerCaller
from corridor.api.routes._base import routers
from corridor.api.schemas import CertificateRequest, IssueRequested, RefuseRequested
from corridor.services import issuance
from corridor.services.issuance import Asked, RequestState

public, private = routers()
TAGS: list[str | Enum] = ["issuing"]


@private.post("/shipments/{shipment_id}/requests", tags=TAGS, status_code=202)
def ask(shipment_id: str, body: CertificateRequest, who: Caller, ctx: Ctx) -> RequestState:
    """Ask the issuing body of the goods' country of origin, on the node that signs for it,
    for a document (sealed to that node and sent by the exchange); returns its state."""
    env = issuance.ask(ctx, who, shipment_id, body.kind, ctx.clock())
    return next(r for r in issuance.requests(ctx, who, shipment_id) if r.envelope_id == env)


@private.get("/shipments/{shipment_id}/requests", tags=TAGS)
def requests(shipment_id: str, who: Caller, ctx: Ctx) -> list[RequestState]:
    """The shipment's requests for documents and where each stands."""
    return issuance.requests(ctx, who, shipment_id)


@private.get("/issuing/requests", tags=TAGS)
def waiting(who: OfficerCaller, ctx: Ctx) -> list[Asked]:
    """Requests this node's authority has not answered, oldest first."""
    return issuance.waiting(ctx, who)


class Answered(BaseModel):
    """The answer sent back to the node that asked."""

    envelope: str
    outcome: Literal["issued", "refused"]


@private.post("/issuing/requests/{envelope_id}/issue", tags=TAGS, status_code=201)
def issue(envelope_id: str, body: IssueRequested, who: OfficerCaller, ctx: Ctx) -> Answered:
    """Issue the document asked for with the fields given, signed with the authority's key;
    it goes back to the node that asked, which files it with the shipment."""
    sent = issuance.answer(ctx, who, envelope_id, ctx.clock(), fields=body.fields)
    return Answered(envelope=sent, outcome="issued")


@private.post("/issuing/requests/{envelope_id}/refusal", tags=TAGS, status_code=201)
def refuse(envelope_id: str, body: RefuseRequested, who: OfficerCaller, ctx: Ctx) -> Answered:
    """Refuse the request; the reason goes back to the node that asked."""
    sent = issuance.answer(ctx, who, envelope_id, ctx.clock(), reason=body.reason)
    return Answered(envelope=sent, outcome="refused")
