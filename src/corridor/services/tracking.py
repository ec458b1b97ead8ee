"""Custody events: recording one hand-over, importing rows of them, and (from
`corridor.services.capture`) capture of EPCIS 2.0 documents, each limited to what the
caller is entitled to record.

Who may record: a party to the shipment records its movements; customs holds and releases
come only from the customs authority of the country where they happen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select

from corridor.exceptions import FieldError, InvalidInput, NotFound
from corridor.model import Organisation, Role
from corridor.services import event_query
from corridor.services.capture import CaptureJob, capture, capture_job
from corridor.services.context import Context
from corridor.store.tables import ShipmentPartyRow, ShipmentRow
from corridor.tracking import epcis
from corridor.tracking.epcis import Step

__all__ = [
    "CaptureJob",
    "Step",
    "capture",
    "capture_event",
    "capture_job",
    "import_rows",
    "record",
    "vehicle_epc",
]

_PACKING = frozenset({Step.STUFFING, Step.UNSTUFFING})


def record(
    ctx: Context,
    who: Organisation,
    shipment_id: str,
    step: Step,
    at: datetime,
    node: str,
    *,
    containers: Sequence[str] = (),
    vehicle: str | None = None,
    disposition: str | None = None,
    sensors: dict[str, tuple[float, str]] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Record one hand-over of a shipment's containers (all of them unless named) at a node:
    the events are built, captured and returned."""
    now = now or ctx.clock()
    stmt = select(ShipmentRow.payload).where(ShipmentRow.id == shipment_id)
    if who.role is not Role.CUSTOMS:
        stmt = stmt.where(
            exists().where(
                ShipmentPartyRow.shipment_id == shipment_id,
                ShipmentPartyRow.organisation_id == who.id,
            )
        )
    with ctx.db.reading() as conn:
        payload = conn.scalar(stmt)
    if payload is None:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    numbers = list(containers) or [c["number"] for c in payload.get("containers", [])]
    if not numbers:
        raise InvalidInput("this shipment travels in wagons without containers; name them")
    lines = range(1, len(payload.get("goods", [])) + 1)
    built = []
    # A stuffing is one aggregation per container, its children the part of each goods
    # line packed in it; every other step names all the containers at once.
    groups = [[n] for n in numbers] if step in _PACKING else [numbers]
    for group in groups:
        items = [f"{epcis.ITEM}{shipment_id}.{n}.{group[0]}" for n in lines]
        built.append(
            epcis.build(
                step,
                at,
                shipment_id,
                node,
                [epcis.container_epc(n) for n in group],
                vehicle=vehicle,
                items=items,
                disposition=disposition,
                sensors=sensors,
            )
        )
    capture(ctx, who, epcis.document(built, now), now)
    return [epcis.single(e) for e in built]


def vehicle_epc(text: str | None) -> str | None:
    """A wagon GIAI or vessel EPC as given, or an IMO number made an EPC."""
    if not text:
        return None
    return epcis.vessel_epc(text) if text.removeprefix("IMO").strip().isdigit() else text


def import_rows(
    ctx: Context,
    who: Organisation,
    rows: Sequence[Mapping[str, str]],
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Capture hand-overs given as rows (shipment, step, node, at with its zone, containers
    separated by ';', vehicle, temperature): all, or none when a row is wrong, each wrong row
    named by its line (the header is line 1). Returns how many were new."""
    built, errors = [], []
    for n, row in enumerate(rows, start=2):
        try:
            at = datetime.fromisoformat(row["at"])
            if at.tzinfo is None:
                raise InvalidInput(f"time {row['at']!r} has no zone; add one, e.g. Z for UTC")
            boxes = [epcis.container_epc(c) for c in (row.get("containers") or "").split(";") if c]
            temp = row.get("temperature")
            built.append(
                epcis.build(
                    Step(row["step"]),
                    at,
                    row["shipment"],
                    row["node"],
                    boxes,
                    vehicle=vehicle_epc(row.get("vehicle")),
                    sensors={"Temperature": (float(temp), "CEL")} if temp else None,
                    items=[f"{epcis.ITEM}{row['shipment']}.1.{c}" for c in boxes[:1]],
                )
            )
        except (InvalidInput, ValueError, KeyError) as exc:
            errors.append(FieldError(f"line {n}", getattr(exc, "detail", str(exc))))
    if errors:
        raise InvalidInput(f"{len(errors)} rows are wrong; nothing was captured", errors)
    stored = 0
    for start in range(0, len(built), epcis.MAX_EVENTS):
        chunk = built[start : start + epcis.MAX_EVENTS]
        stored += capture(ctx, who, epcis.document(chunk, now), now).stored
        if progress:
            progress(len(chunk))
    return stored


def capture_event(
    ctx: Context, who: Organisation, event: Any, now: datetime
) -> tuple[str, dict[str, Any]]:
    """One event captured as a document of that event would be (the binding's single-event
    capture): its id, and the event as stored, read back as the caller sees it."""
    if not isinstance(event, dict):
        raise InvalidInput("send one EPCIS event as a JSON object (its type, eventTime, …)")
    event = dict(event)
    context = event.pop("@context", [epcis.CONTEXT])
    doc = {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis.stamp(now),
        "epcisBody": {"eventList": [event]},
    }
    job = capture(ctx, who, doc, now)
    [event_id] = job.eventIDs
    return event_id, event_query.one(ctx, who, event_id)
