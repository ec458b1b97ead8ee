"""The holder's side of a shipment's NCTS leg: lodge its declaration with the national NCTS,
notify the arrival, read the national system's answers as the movement's status. corridor
is trader software here: the national NCTS allocates the MRN, releases and writes off."""

from __future__ import annotations

from enum import Enum

from fastapi import Response
from fastapi.responses import PlainTextResponse

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.services import lodging
from corridor.services.lodging import LodgedView

public, private = routers()
TAGS: list[str | Enum] = ["ncts"]


@private.post("/shipments/{shipment_id}/ncts", tags=TAGS, status_code=201)
def lodge(shipment_id: str, who: Caller, ctx: Ctx) -> LodgedView:
    """Lodge the shipment's signed transit declaration (IE015) with the national NCTS where
    its chain's NCTS leg starts, as the holder of the procedure (the caller)."""
    return lodging.lodge(ctx, who, shipment_id, ctx.clock())


@private.post("/shipments/{shipment_id}/ncts/arrival", tags=TAGS)
def arrival(shipment_id: str, who: Caller, ctx: Ctx) -> LodgedView:
    """Notify the arrival (IE007) as the trader at destination, with the time a custody
    event recorded the goods arriving at the office's place."""
    return lodging.arrival(ctx, who, shipment_id, ctx.clock())


@private.get("/shipments/{shipment_id}/ncts", tags=TAGS)
def status(shipment_id: str, who: Caller, ctx: Ctx) -> list[LodgedView]:
    """The shipment's NCTS declarations: each one's status as its national NCTS answered."""
    lodging.take_answers(ctx, ctx.clock())
    return lodging.status(ctx, who, shipment_id)


@private.get(
    "/shipments/{shipment_id}/ncts/messages/{filename}",
    tags=TAGS,
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/xml": {}}}},
)
def message_xml(shipment_id: str, filename: str, who: Caller, ctx: Ctx) -> Response:
    """One NCTS message sent or received for the shipment, as XML."""
    files = lodging.export(ctx, who, shipment_id)
    if filename not in files:
        listed = ", ".join(files)
        return PlainTextResponse(f"no message {filename!r}; there are {listed}", status_code=404)
    return Response(files[filename], media_type="application/xml")
