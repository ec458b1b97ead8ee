"""A shipment's tracking page: its custody events, where it is and when it arrives at each
node still ahead (p50 and p90), what it emitted (ISO 14083 / GLEC), the form a carrier,
port or forwarder records a hand-over with, and signing the emissions statement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from corridor.exceptions import CorridorError, InvalidInput
from corridor.http_status import http_status
from corridor.model import DocumentKind, Organisation
from corridor.services import (
    access,
    arrival,
    emissions,
    event_query,
    network,
    shipments,
    tracking,
)
from corridor.services.tracking import Step
from corridor.web.view import View, view

router = APIRouter(prefix="/shipments")
V = Annotated[View, Depends(view)]
# Hand-overs a party records (customs steps are the authority's).
STEPS = [s for s in Step if s not in (Step.CUSTOMS_HOLD, Step.CUSTOMS_RELEASE)]
# The zones of the corridor's countries (offsets from UTC; Romania and Türkiye in winter).
ZONES = {
    "+00:00": "UTC",
    "+05:00": "Kazakhstan",
    "+04:00": "Azerbaijan, Georgia",
    "+03:00": "Türkiye",
    "+02:00": "Romania",
}


@router.get("/{shipment_id}/tracking")
def page(v: V, shipment_id: str) -> Response:
    return _page(v, shipment_id)


def _page(
    v: View,
    shipment_id: str,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The tracking page; after a refused hand-over, with what was wrong and the form as it
    was filled in."""
    who = v.need(*access.PARTY_ROLES)
    now = v.ctx.clock()
    shipment = shipments.get(v.ctx, who, shipment_id)
    nodes = {n.id: n for n in network.nodes(v.ctx.network)}
    return v.page(
        "tracking.html",
        status=status,
        error=error,
        values=values or {},
        shipment=shipment,
        events=event_query.custody(v.ctx, who, shipment_id),
        eta=arrival.for_shipment(v.ctx, who, shipment_id, now),
        statement=emissions.for_shipment(v.ctx, who, shipment_id),
        nodes=nodes,
        route_nodes=[nodes[n] for n in shipment.route.nodes if n in nodes],
        steps=STEPS,
        zones=ZONES,
        # The form starts in the node's own zone (its offset now), when it is one of them.
        here=now.astimezone(v.ctx.zone).isoformat()[-6:],
        may_record=who.role in access.RECORDERS,
        may_sign=access.may_sign(who, DocumentKind.EMISSIONS_STATEMENT),
        notice=v.request.query_params.get("done"),
    )


@router.post("/{shipment_id}/tracking/events")
async def record(v: V, shipment_id: str) -> Response:
    """Record a hand-over of the shipment's containers (those ticked) at a node; a refusal
    comes back on the page with the form as it was filled in."""
    who = v.need(*access.RECORDERS)
    form = await v.form()
    try:
        await _record(v, who, shipment_id, form)
    except CorridorError as e:
        said = v.refusal(e)
        kept: dict[str, Any] = {k: form.get(k) for k in form if k != "csrf"}
        kept["container"] = [str(c) for c in form.getlist("container")]
        return await run_in_threadpool(
            _page, v, shipment_id, error=said, values=kept, status=http_status(e)
        )
    return v.redirect(f"/shipments/{shipment_id}/tracking?done=recorded")


async def _record(v: View, who: Organisation, shipment_id: str, form: Any) -> None:
    try:
        step = Step(str(form.get("step") or ""))
    except ValueError:
        raise InvalidInput(v._("Choose what happened.")) from None
    zone = str(form.get("zone") or "")
    if zone not in ZONES:
        raise InvalidInput(v._("Choose the time zone of the time given."))
    text = str(form.get("at") or "")
    try:
        at = datetime.fromisoformat(f"{text}{zone}") if text else v.ctx.clock()
    except ValueError:
        raise InvalidInput(v._("Give the time as date and time, e.g. 2026-03-02T14:30.")) from None
    containers = [str(c) for c in form.getlist("container")]
    if not containers:
        raise InvalidInput(v._("Tick the containers the hand-over concerns."))
    temperature = str(form.get("temperature") or "").strip()
    try:
        sensors = {"Temperature": (float(temperature), "CEL")} if temperature else None
    except ValueError:
        raise InvalidInput(v._("Give the temperature in degrees Celsius, e.g. 21.5.")) from None
    await run_in_threadpool(
        tracking.record,
        v.ctx,
        who,
        shipment_id,
        step,
        at,
        str(form.get("node") or ""),
        containers=containers,
        vehicle=tracking.vehicle_epc(str(form.get("vehicle") or "").strip()),
        sensors=sensors,
        now=v.ctx.clock(),
    )


@router.post("/{shipment_id}/emissions/statement")
async def sign_statement(v: V, shipment_id: str) -> Response:
    """Sign the emissions statement as it stands and file it with the documents."""
    who = v.need(*emissions.SIGNERS)
    await v.form()
    await run_in_threadpool(emissions.issue, v.ctx, who, shipment_id, v.ctx.clock())
    return v.redirect(f"/shipments/{shipment_id}?done=issued")
