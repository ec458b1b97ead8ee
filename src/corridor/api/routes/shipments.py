"""Shipments: submission, listing, route, timeline, readiness."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Query, Response

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import as_json, routers
from corridor.model import ShipmentDraft
from corridor.services import handover, listing, readiness, shipments, timeline
from corridor.services.handover import ChainView
from corridor.services.listing import ShipmentPage
from corridor.services.network import Route
from corridor.services.rules import ReadinessReport
from corridor.services.shipments import Event, Shipment

public, private = routers()


def _links_from_id(*paths: tuple[str, str, str]) -> dict[str, Any]:
    """OpenAPI links from a created shipment to operations on it (`shipment_id` taken
    from the body's `id`), so clients and fuzzers can follow them."""
    return {
        name: {
            "operationRef": "#/paths/" + path.replace("/", "~1") + "/" + method,
            "parameters": {"shipment_id": "$response.body#/id"},
        }
        for name, method, path in paths
    }


_SHIPMENT = "/shipments/{shipment_id}"


@private.post(
    "/shipments",
    status_code=201,
    tags=["shipments"],
    response_model=Shipment,
    responses={
        201: {
            "description": "The stored shipment",
            "links": _links_from_id(
                ("GetShipment", "get", _SHIPMENT),
                ("Readiness", "get", _SHIPMENT + "/readiness"),
                ("Chain", "get", _SHIPMENT + "/chain"),
                ("Events", "get", _SHIPMENT + "/events"),
                ("Ledger", "get", _SHIPMENT + "/ledger"),
                ("Documents", "get", _SHIPMENT + "/documents"),
                ("IssueDocument", "post", _SHIPMENT + "/documents/signed"),
                ("Disclose", "post", _SHIPMENT + "/disclose"),
            ),
        }
    },
)
def submit_shipment(draft: ShipmentDraft, who: Caller, ctx: Ctx) -> Response:
    """Submit a shipment; its route is planned and its parties checked."""
    created = shipments.submit(ctx, who, draft, ctx.clock())
    response = as_json(created, status_code=201)
    response.headers["Location"] = f"/shipments/{created.id}"
    return response


@private.get("/shipments", tags=["shipments"], response_model=ShipmentPage)
def list_shipments(
    who: Caller,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[
        str | None,
        Query(max_length=200, description="The previous page's `next`: continue after it"),
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=listing.MAX_OFFSET, description="Skip this many (small pages only)")
    ] = 0,
) -> Response:
    """Shipments you are party to, newest first, as summaries; follow `next` (also sent as
    a `Link: <…>; rel="next"` header) for the page after."""
    found = listing.page_json(ctx, who, limit, after, offset)
    response = as_json(found)
    if found["next"]:
        query = urlencode({"limit": limit, "after": found["next"]})
        response.headers["Link"] = f'</shipments?{query}>; rel="next"'
    return response


@private.get("/shipments/{shipment_id}", tags=["shipments"], response_model=Shipment)
def get_shipment(shipment_id: str, who: Caller, ctx: Ctx) -> Response:
    """A shipment you are party to."""
    return as_json(shipments.stored(ctx, who, shipment_id))


@private.get("/shipments/{shipment_id}/route", tags=["shipments"], response_model=Route)
def shipment_route(shipment_id: str, who: Caller, ctx: Ctx) -> Response:
    """The shipment's planned route with the border crossings on the way."""
    return as_json(shipments.stored(ctx, who, shipment_id)["route"])


@private.get("/shipments/{shipment_id}/events", tags=["shipments"])
def shipment_events(shipment_id: str, who: Caller, ctx: Ctx) -> list[Event]:
    """The shipment's timeline."""
    return timeline.read(ctx, who, shipment_id)


@private.get("/shipments/{shipment_id}/chain", tags=["rules"])
def shipment_chain(
    shipment_id: str,
    who: Caller,
    ctx: Ctx,
    option: Annotated[
        Literal["A", "B"],
        Query(description="A: a new T1 from the last CTC port; B: one T1 from its border"),
    ] = "A",
) -> ChainView:
    """The shipment's customs journey, leg by leg: each leg's regime, the authority that
    holds it, the declaration to lodge and by when, the guarantee, and what proves its end;
    with what is UNCONFIRMED."""
    return handover.chain(ctx, who, shipment_id, option)


@private.get("/shipments/{shipment_id}/readiness", tags=["rules"], response_model=ReadinessReport)
def shipment_readiness(shipment_id: str, who: Caller, ctx: Ctx) -> Response:
    """Re-check the shipment against every jurisdiction on its route, with the
    documents attached now; the report is stored with the shipment."""
    return as_json(readiness.check(ctx, who, shipment_id, ctx.clock()))
