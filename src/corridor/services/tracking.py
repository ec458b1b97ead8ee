"""Custody events: capture of EPCIS 2.0 documents, recording one hand-over, and the events
query, each limited to what the caller is entitled to see.

Who may record: a party to the shipment records its movements; customs holds and releases
come only from the customs authority of the country where they happen. Who may read: the
parties to a shipment see all its events; a customs authority sees the events on its own
territory; nobody else sees any.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from corridor import ledger as ledger_mod
from corridor.exceptions import FieldError, InvalidInput, NotFound, PermissionDenied
from corridor.model import Organisation, Role
from corridor.services.context import Context
from corridor.services.shipments import status_after
from corridor.store.epcis import insert_events
from corridor.store.tables import CaptureJobRow, EpcisEventRow, ShipmentPartyRow, ShipmentRow
from corridor.tracking import epcis
from corridor.tracking.epcis import Captured, Step

__all__ = ["CaptureJob", "Step", "capture", "capture_job", "import_rows", "record", "vehicle_epc"]

# Timeline entries for the steps that move a shipment (and its status).
_TIMELINE = {
    Step.DEPARTING: "departed",
    Step.ARRIVING: "arrived",
    Step.BORDER_CROSSING: "border_crossed",
    Step.CUSTOMS_HOLD: "customs_hold",
    Step.CUSTOMS_RELEASE: "customs_released",
}
_PACKING = frozenset({Step.STUFFING, Step.UNSTUFFING})
_CUSTOMS_STEPS = frozenset({Step.CUSTOMS_HOLD, Step.CUSTOMS_RELEASE})


class CaptureJob(BaseModel):
    """A finished capture, as the EPCIS 2.0 REST binding's capture job describes it."""

    captureID: str
    createdAt: datetime
    finishedAt: datetime
    running: bool = False
    success: bool = True
    captureErrorBehaviour: str = "rollback"
    errors: list[dict[str, Any]] = Field(default_factory=list)
    stored: int
    duplicates: int
    declarations: int
    eventIDs: list[str] = Field(default_factory=list)


def capture(ctx: Context, who: Organisation, doc: Any, now: datetime | None = None) -> CaptureJob:
    """Store every event of an EPCIS document, or none: each checked against the GS1 schema,
    given its hash-based id, entitled, and entered in its shipment's ledger. An event
    already stored is counted once; an error declaration marks the event it declares."""
    now = now or ctx.clock()
    found = epcis.read(doc)
    places = _places(ctx, found)
    job = CaptureJob(
        captureID=str(uuid.uuid4()),
        createdAt=now,
        finishedAt=now,
        stored=0,
        duplicates=0,
        declarations=0,
    )
    by_shipment: dict[str, list[Captured]] = defaultdict(list)
    for c in found:
        by_shipment[c.shipment_id].append(c)
    with ctx.db.transaction() as s:
        signer = ctx.keys.ensure(s, who.id, now)
        for shipment_id, events in by_shipment.items():
            row = _entitled(s, who, shipment_id, events, places)
            records = _store(s, who, row, events, _Summaries(ctx, row), now, job)
            ledger_mod.append_many(s, signer, who.id, shipment_id, records, now)
        s.add(
            CaptureJobRow(
                id=job.captureID,
                created_by=who.id,
                created_at=now,
                finished_at=now,
                stored=job.stored,
                duplicates=job.duplicates,
                declarations=job.declarations,
            )
        )
    job.eventIDs = [c.id for c in found]
    return job


def _places(ctx: Context, found: Sequence[Captured]) -> dict[str, str]:
    """Each event's node and its country; every event must happen at a corridor node."""
    nodes = ctx.network.nodes
    errors = [
        FieldError(
            f"event {c.id}",
            f"bizLocation {c.location!r} is not a corridor node; name one as "
            f"'{epcis.NODE}<node id>', e.g. '{epcis.NODE}aktau'",
        )
        for c in found
        if c.location not in nodes
    ]
    if errors:
        raise InvalidInput(
            f"events happen at nodes of the corridor network: {errors[0].message}", errors
        )
    return {c.location: nodes[c.location].country for c in found if c.location}


def _entitled(
    s: Session, who: Organisation, shipment_id: str, events: list[Captured], places: dict[str, str]
) -> ShipmentRow:
    """The shipment, if the caller may record these events on it."""
    party = s.scalar(
        select(ShipmentPartyRow.role)
        .where(
            ShipmentPartyRow.shipment_id == shipment_id,
            ShipmentPartyRow.organisation_id == who.id,
        )
        .limit(1)
    )
    row = s.get(ShipmentRow, shipment_id)
    for c in events:
        if c.step in _CUSTOMS_STEPS:
            if who.role is not Role.CUSTOMS or places[c.location or ""] != who.country:
                raise PermissionDenied(
                    f"a {c.step.value} at {c.location} is recorded by the customs authority "
                    f"of {places[c.location or '']}, not by {who.id}"
                )
        elif party is None:
            row = None
    if row is None:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    return row


class _Summaries:
    """A timeline line for a movement, in the words the timeline has always used."""

    def __init__(self, ctx: Context, row: ShipmentRow) -> None:
        self.nodes = ctx.network.nodes
        self.route: list[str] = list((row.route or {}).get("nodes", []))

    def country(self, node: str | None) -> str | None:
        return self.nodes[node].country if node in self.nodes else None

    def __call__(self, kind: str, node: str) -> str:
        name = self.nodes[node].name
        if kind == "border_crossed":
            i = self.route.index(node) if node in self.route else 0
            before = self.country(self.route[i - 1]) if i else "?"
            return f"Crossed the border {before} -> {self.country(node)}"
        return {
            "departed": f"Departed {name}",
            "arrived": f"Arrived at {name}",
            "customs_hold": f"Held by customs at {name}",
        }.get(kind, f"Released by customs at {name}")


def _store(
    s: Session,
    who: Organisation,
    row: ShipmentRow,
    events: list[Captured],
    say: _Summaries,
    now: datetime,
    job: CaptureJob,
) -> list[tuple[str, dict[str, Any]]]:
    """Insert new events (and their identifiers and timeline steps); mark declared errors.
    Returns the ledger entries to append: one naming every event stored now, one naming
    every error declared."""
    records: list[tuple[str, dict[str, Any]]] = []
    ordered = sorted(events, key=lambda e: e.at)
    declared = [c.digest for c in ordered if c.declaration is not None and _declare(s, c, job)]
    unique: dict[str, Captured] = {}
    for c in ordered:
        if c.declaration is None:
            unique.setdefault(c.digest, c)
    job.duplicates += sum(c.declaration is None for c in ordered) - len(unique)
    fresh = list(unique.values())
    steps = [(c, _TIMELINE.get(c.step) if c.step else None) for c in fresh]
    inserted = insert_events(
        s,
        [
            {
                "id": c.digest,
                "shipment_id": row.id,
                "event_time": c.at,
                "biz_step": c.biz_step,
                "location": c.location,
                "country": say.country(c.location),
                "recorded_by": who.id,
                "recorded_at": now,
                "event": c.event,
            }
            for c in fresh
        ],
        [{"epc": e, "event_time": c.at, "event_id": c.digest} for c in fresh for e in c.epcs],
        [
            {
                "event_id": c.digest,
                "shipment_id": row.id,
                "at": c.at,
                "kind": kind,
                "actor_id": who.id,
                "place": c.location,
                "summary": say(kind, c.location or ""),
            }
            for c, kind in steps
            if kind
        ],
    )
    job.stored += len(inserted)
    job.duplicates += len(fresh) - len(inserted)
    for c, kind in steps:
        if kind and c.digest in inserted:
            row.status = status_after(row, kind, c.location)
    stored = [c.digest for c in fresh if c.digest in inserted]
    if stored:
        records.append(("epcis_events", {"events": stored}))
    if declared:
        records.append(("epcis_errors_declared", {"events": declared}))
    return records


def _declare(s: Session, c: Captured, job: CaptureJob) -> bool:
    """Mark the stored event an error declaration names; True if it was not marked yet."""
    stored = s.get(EpcisEventRow, c.digest)
    if stored is None:
        raise InvalidInput(
            f"the error declaration names event {c.id}, which is not stored here; "
            "declare errors only on captured events"
        )
    if stored.error_declaration is None:
        stored.error_declaration = c.declaration
        job.declarations += 1
        return True
    job.duplicates += 1
    return False


def capture_job(ctx: Context, who: Organisation, capture_id: str) -> CaptureJob:
    """A capture job the caller started."""
    with ctx.db.reading() as conn:
        row = conn.execute(
            select(CaptureJobRow).where(
                CaptureJobRow.id == capture_id, CaptureJobRow.created_by == who.id
            )
        ).first()
    if row is None:
        raise NotFound(f"no capture job {capture_id!r} of yours")
    return CaptureJob(
        captureID=row.id,
        createdAt=row.created_at,
        finishedAt=row.finished_at,
        stored=row.stored,
        duplicates=row.duplicates,
        declarations=row.declarations,
    )


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
