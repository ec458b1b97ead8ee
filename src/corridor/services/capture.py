"""Capture of EPCIS 2.0 documents: every event checked, given its hash-based id, entitled,
stored once and entered in its shipment's ledger, or none of the document's events.

Who may record: a party to the shipment records its movements; customs holds and releases
come only from the customs authority of the country where they happen.

A large document is read and stored part by part in one transaction: while the store
writes one part, the next is checked and hashed. A part that fails refuses the whole
document, and nothing of it is kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import bindparam, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from corridor import ledger as ledger_mod
from corridor.exceptions import InvalidInput, NotFound, PermissionDenied
from corridor.model import Organisation
from corridor.services import capture_checks as checks
from corridor.services.context import Context
from corridor.services.keystore import CURRENT_KEY
from corridor.services.timeline import KIND_OF, Summaries, status_after
from corridor.store.db import batched
from corridor.store.event_writer import EventWriter
from corridor.store.tables import (
    MOVES_WHERE,
    CaptureJobRow,
    EpcisEventRow,
    ShipmentPartyRow,
    ShipmentRow,
)
from corridor.tracking import captured, epcis
from corridor.tracking.captured import Captured
from corridor.tracking.validation import MAX_EVENTS

__all__ = ["PART", "CaptureJob", "capture", "capture_job"]

# Events checked and sent to the store at a time: small enough that the store starts early,
# large enough that each part is one efficient statement.
PART = 25
_INSERT_JOB = insert(CaptureJobRow)


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


@dataclass
class _Shipment:
    """A shipment the capture records on: what capture reads of it, and the events sent."""

    id: str
    status: str
    destination: str
    party: bool
    say: Summaries
    created_at: datetime
    # The route's nodes, and where the goods were first and last seen moving, by place (what
    # was stored before, then each part of this capture as it is taken).
    nodes: list[str] = field(default_factory=list)
    reach: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    sent: list[Captured] = field(default_factory=list)
    declarations: list[Captured] = field(default_factory=list)


BEHAVIOURS = ("rollback", "proceed")


def capture(
    ctx: Context,
    who: Organisation,
    doc: Any,
    now: datetime | None = None,
    behaviour: str = "rollback",
) -> CaptureJob:
    """Store the events of an EPCIS document, each checked against the GS1 schema, given its
    hash-based id, entitled, and entered in its shipment's ledger. An event already stored
    is counted once; an error declaration marks the event it declares.

    `behaviour` is the binding's GS1-Capture-Error-Behaviour: `rollback` stores every event
    or none (an error refuses the document); `proceed` stores each event that passes, on
    its own, and the job lists every event refused and why."""
    now = now or ctx.clock()
    if behaviour not in BEHAVIOURS:
        raise InvalidInput(f"GS1-Capture-Error-Behaviour is rollback or proceed, not {behaviour!r}")
    if behaviour == "proceed":
        return _proceed(ctx, who, doc, now)
    return _capture(ctx, who, doc, now)


def _proceed(ctx: Context, who: Organisation, doc: Any, now: datetime) -> CaptureJob:
    """Each event captured on its own; what fails is listed, what passes is stored."""
    body = doc.get("epcisBody") if isinstance(doc, dict) else None
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not isinstance(events, list) or not events:
        raise InvalidInput(
            "not an EPCIS 2.0 document: epcisBody.eventList holds the events to capture"
        )
    if len(events) > MAX_EVENTS:
        raise InvalidInput(f"a capture carries 1 to {MAX_EVENTS} events, not {len(events)}")
    job = CaptureJob(
        captureID=str(uuid.uuid4()), createdAt=now, finishedAt=now, stored=0, duplicates=0,
        declarations=0, captureErrorBehaviour="proceed",
    )  # fmt: skip
    for n, event in enumerate(events):
        one = {**doc, "epcisBody": {**body, "eventList": [event]}}
        try:
            done = _capture(ctx, who, one, now, record=False)
        except (InvalidInput, PermissionDenied, NotFound) as exc:
            job.errors.append(
                {
                    "event": n,
                    "eventID": event.get("eventID") if isinstance(event, dict) else None,
                    "type": exc.code,
                    "detail": exc.detail,
                }
            )
            continue
        job.stored += done.stored
        job.duplicates += done.duplicates
        job.declarations += done.declarations
        job.eventIDs += done.eventIDs
    job.success = not job.errors
    with ctx.db.transaction() as s:
        s.execute(_INSERT_JOB, _job_row(job, who))
    return job


def _job_row(job: CaptureJob, who: Organisation) -> dict[str, Any]:
    return {
        "id": job.captureID,
        "created_by": who.id,
        "created_at": job.createdAt,
        "finished_at": job.finishedAt,
        "stored": job.stored,
        "duplicates": job.duplicates,
        "declarations": job.declarations,
        "behaviour": job.captureErrorBehaviour,
        "errors": job.errors or None,
    }


def _capture(
    ctx: Context, who: Organisation, doc: Any, now: datetime, record: bool = True
) -> CaptureJob:
    """Every event of the document, or none; `record` keeps the job (a part of a
    `proceed` capture is not a job of its own)."""
    job = CaptureJob(
        captureID=str(uuid.uuid4()),
        createdAt=now,
        finishedAt=now,
        stored=0,
        duplicates=0,
        declarations=0,
    )
    shipments: dict[str, _Shipment] = {}
    seen: set[str] = set()
    ids: list[str] = []
    with ctx.db.transaction() as s, EventWriter(s) as writer:
        for part in captured.read_parts(doc, PART):
            places = checks.places(ctx, part)
            ids += [c.id for c in part]
            for c in part:
                if c.shipment_id not in shipments:
                    shipments[c.shipment_id] = _party_to(writer, who, c.shipment_id, ctx)
            checks.entitled(who, part, shipments, places)
            checks.in_time(part, shipments, now)
            checks.plausible(part, ctx.network)
            checks.in_order(part, shipments, ctx.network)
            fresh = []
            for c in part:
                on = shipments[c.shipment_id]
                if c.declaration is not None:
                    on.declarations.append(c)
                elif c.digest in seen:
                    job.duplicates += 1
                else:
                    seen.add(c.digest)
                    fresh.append(c)
                    on.sent.append(c)
                    checks.reached(on, c)
            writer.send(*_rows(who, shipments, fresh, now))
        # The signing key, and the chains' heads (taken in one order, so that two captures
        # never wait on each other's), are read with the last part's result.
        key = writer.ask(CURRENT_KEY, {"org": who.id})
        heads = [ledger_mod.head(s, shipment_id) for shipment_id in sorted(shipments)]
        inserted = writer.finish()
        signer = ctx.keys.ensure_from(s, who.id, next(iter(key()), None), now)
        entries = []
        for at_head in heads:
            records = _settle(s, shipments[at_head.shipment_id], inserted, job, who)
            entries += ledger_mod.extend(at_head, signer, who.id, records, now)
        s.flush()  # declared errors: an ORM update checks its row count, which a batch hides
        with batched(s.connection()):
            ledger_mod.store(s, entries)
            if record:
                s.execute(_INSERT_JOB, _job_row(job, who))
    job.eventIDs = ids
    return job


def _party_to(writer: EventWriter, who: Organisation, shipment_id: str, ctx: Context) -> _Shipment:
    """The shipment the caller records on (only the little capture needs of it, in one
    query, sent with what was sent before), and whether the caller is a party to it."""
    found = writer.ask(_SHIPMENT, {"shipment": shipment_id, "org": who.id})
    on_pg = ctx.db.engine.dialect.name == "postgresql"
    moved = writer.ask(_REACH_PG if on_pg else _MOVES, {"shipment": shipment_id})
    writer.pause()
    rows = found()
    if not rows:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    status, destination, nodes, is_party, created = rows[0]
    say = Summaries(ctx.network, nodes)
    # Each place's first and last move bound the route order as every move there would.
    reach = {
        place: (checks.aware(lo), checks.aware(hi)) for place, lo, hi in moved() if lo is not None
    }
    return _Shipment(
        shipment_id,
        status,
        destination,
        bool(is_party),
        say,
        checks.aware(created),
        nodes=list(nodes or []),
        reach=reach,
    )


# Where and when a shipment's goods were first and last seen moving, by place (events not
# declared wrong): a row a place, however many events.
_MOVES = (
    select(
        EpcisEventRow.location,
        func.min(EpcisEventRow.event_time),
        func.max(EpcisEventRow.event_time),
    )
    # The partial index's own words (literal SQL, not parameters) so that the planner uses it.
    .where(EpcisEventRow.shipment_id == bindparam("shipment"), text(MOVES_WHERE))
    .group_by(EpcisEventRow.location)
)
# The same on PostgreSQL, two index probes a node of the route (the first and the last move
# there), however many events the shipment has: the grouped read above walks them all.
# (The condition is a constant of the store's, not input.)
_REACH_PG = text(
    f"""
    SELECT n.node,
      (SELECT min(event_time) FROM epcis_events
        WHERE shipment_id = s.id AND location = n.node AND {MOVES_WHERE}),
      (SELECT max(event_time) FROM epcis_events
        WHERE shipment_id = s.id AND location = n.node AND {MOVES_WHERE})
    FROM shipments AS s CROSS JOIN LATERAL jsonb_array_elements_text(s.route -> 'nodes') AS n(node)
    WHERE s.id = :shipment
    """  # noqa: S608
)


_SHIPMENT = select(
    ShipmentRow.status,
    ShipmentRow.destination,
    ShipmentRow.route["nodes"],
    exists()
    .where(
        ShipmentPartyRow.shipment_id == bindparam("shipment"),
        ShipmentPartyRow.organisation_id == bindparam("org"),
    )
    .label("party"),
    ShipmentRow.created_at,
).where(ShipmentRow.id == bindparam("shipment"))


def _rows(
    who: Organisation, shipments: dict[str, _Shipment], fresh: list[Captured], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The event and identifier rows of events not sent before."""
    events, identifiers = [], []
    for c in fresh:
        events.append(
            {
                "id": c.digest,
                "shipment_id": c.shipment_id,
                "event_time": c.at,
                "biz_step": c.biz_step,
                "location": c.location,
                "country": shipments[c.shipment_id].say.country(c.location),
                "recorded_by": who.id,
                "recorded_at": now,
                "event": c.event,
                "kind": KIND_OF.get(c.step) if c.step else None,
            }
        )
        # Each identifier as written and as GS1 Digital Link, so either form finds it.
        forms = dict.fromkeys(f for e in c.epcs for f in (e, epcis.normalise(e)))
        identifiers += [{"epc": e, "event_time": c.at, "event_id": c.digest} for e in forms]
    return events, identifiers


def _settle(
    s: Session, on: _Shipment, inserted: set[str], job: CaptureJob, who: Organisation
) -> list[tuple[str, dict[str, Any]]]:
    """Count what was stored, move the shipment's status in event time order, mark declared
    errors, and return the ledger entries: one naming every event stored now, one naming
    every error declared."""
    stored = sorted((c for c in on.sent if c.digest in inserted), key=lambda c: c.at)
    job.stored += len(stored)
    job.duplicates += len(on.sent) - len(stored)
    status = on.status
    for c in stored:
        kind = KIND_OF.get(c.step) if c.step else None
        if kind:
            status = status_after(status, on.destination, kind, c.location)
    if status != on.status:
        s.execute(update(ShipmentRow).where(ShipmentRow.id == on.id).values(status=status))
    declared = [c.digest for c in on.declarations if _declare(s, c, job, who)]
    records: list[tuple[str, dict[str, Any]]] = []
    if stored:
        records.append(("epcis_events", {"events": [c.digest for c in stored]}))
    if declared:
        records.append(("epcis_errors_declared", {"events": declared}))
    return records


def _declare(s: Session, c: Captured, job: CaptureJob, who: Organisation) -> bool:
    """Mark the stored event an error declaration names, if the caller recorded it; True
    if it was not marked yet."""
    stored = s.get(EpcisEventRow, c.digest)
    if stored is None:
        raise InvalidInput(
            f"the error declaration names event {c.id}, which is not stored here; "
            "declare errors only on captured events"
        )
    if stored.recorded_by != who.id:
        raise PermissionDenied(
            f"event {c.id} was recorded by {stored.recorded_by}; only the organisation that "
            "recorded an event may declare it wrong"
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
        captureErrorBehaviour=row.behaviour,
        errors=row.errors or [],
        success=not row.errors,
    )
