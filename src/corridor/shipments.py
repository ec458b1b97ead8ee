"""Shipments: submission, access by party, documents and the event timeline.

Access rule: an organisation sees a shipment only if it is a party to it. To anyone else
the shipment does not exist (NotFound), so its id leaks nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.config import Settings
from corridor.documents.sdjwt import Signer
from corridor.documents.trust import Keys
from corridor.exceptions import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnknownNode,
)
from corridor.model import DocumentKind, Organisation, Role, ShipmentDraft
from corridor.network import Network, Route
from corridor.registry import load_organisation
from corridor.rules.engine import Engine, ReadinessReport
from corridor.store.db import Database
from corridor.store.tables import DocumentRow, EventRow, ShipmentPartyRow, ShipmentRow


class PartyRole(StrEnum):
    """The capacity in which an organisation takes part in a shipment."""

    SUBMITTER = "submitter"
    CONSIGNOR = "consignor"
    CONSIGNEE = "consignee"
    FORWARDER = "forwarder"
    CARRIER = "carrier"


# Which organisation roles may fill which party slot.
_SLOT_ROLES: dict[str, set[Role]] = {
    "consignor": {Role.SHIPPER, Role.FORWARDER},
    "consignee": {Role.CONSIGNEE, Role.SHIPPER, Role.FORWARDER},
    "forwarder": {Role.FORWARDER},
    "carriers": {Role.CARRIER, Role.PORT},
}
_SUBMITTER_ROLES = {Role.SHIPPER, Role.FORWARDER}


class Party(BaseModel):
    """An organisation's part in a shipment."""

    organisation_id: str
    role: PartyRole


class Shipment(BaseModel):
    """A stored shipment as its parties see it."""

    id: str
    reference: str
    status: str
    submitted_by: str
    created_at: datetime
    parties: list[Party]
    draft: ShipmentDraft
    route: Route
    readiness: ReadinessReport | None = None


class DocumentInfo(BaseModel):
    """A document attached to a shipment, without its content."""

    id: str
    shipment_id: str
    kind: DocumentKind
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime


class Event(BaseModel):
    """One step in a shipment's timeline."""

    at: datetime
    kind: str
    actor_id: str
    place: str | None
    summary: str


def _check_parties(s: Session, draft: ShipmentDraft) -> None:
    errors: list[FieldError] = []
    slots: list[tuple[str, str, str]] = [
        ("consignor", "consignor", draft.consignor),
        ("consignee", "consignee", draft.consignee),
    ]
    if draft.forwarder:
        slots.append(("forwarder", "forwarder", draft.forwarder))
    slots += [(f"carriers.{i}", "carriers", c) for i, c in enumerate(draft.carriers)]
    for field, slot, org_id in slots:
        org = load_organisation(s, org_id)
        allowed = _SLOT_ROLES[slot]
        if org is None:
            errors.append(
                FieldError(
                    field,
                    f"no organisation {org_id!r} is registered on this "
                    "node; GET /organisations lists them",
                )
            )
        elif org.role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            errors.append(
                FieldError(field, f"{org_id!r} is a {org.role.value}; this slot needs a {names}")
            )
    if errors:
        raise InvalidInput("the shipment names parties that cannot take that part", errors)


def _parties(draft: ShipmentDraft, submitter: str) -> list[Party]:
    parties = {
        (submitter, PartyRole.SUBMITTER),
        (draft.consignor, PartyRole.CONSIGNOR),
        (draft.consignee, PartyRole.CONSIGNEE),
    }
    if draft.forwarder:
        parties.add((draft.forwarder, PartyRole.FORWARDER))
    parties |= {(c, PartyRole.CARRIER) for c in draft.carriers}
    return [Party(organisation_id=o, role=r) for o, r in sorted(parties)]


def plan_route(network: Network, draft: ShipmentDraft) -> Route:
    """The draft's route through the network, with field paths on unknown nodes."""
    named = [("route.origin", draft.route.origin), ("route.destination", draft.route.destination)]
    named += [(f"route.via.{i}", v) for i, v in enumerate(draft.route.via)]
    for field, node_id in named:
        try:
            network.node(node_id)
        except UnknownNode as exc:
            raise UnknownNode(exc.detail, [FieldError(field, exc.detail)]) from None
    r = draft.route
    return network.route(r.origin, r.destination, r.prefer, r.via)


def submit(
    db: Database,
    network: Network,
    draft: ShipmentDraft,
    submitter: Organisation,
    now: datetime,
    engine: Engine | None = None,
    keys: Keys | None = None,
) -> Shipment:
    """Validate parties and route, run the readiness check when an engine is given, then
    store the shipment, its report and its first event atomically."""
    if submitter.role not in _SUBMITTER_ROLES:
        raise InvalidInput(
            f"a {submitter.role.value} cannot submit shipments; the shipper or "
            "its forwarder submits"
        )
    if submitter.id not in draft.party_ids():
        raise InvalidInput(
            f"you ({submitter.id!r}) must be the consignor or forwarder of a shipment you submit",
            [FieldError("consignor", "name yourself as consignor or forwarder")],
        )
    route = plan_route(network, draft)
    shipment_id = str(uuid.uuid4())
    parties = _parties(draft, submitter.id)
    report = engine.check(draft, route, (), draft.departure or now) if engine else None
    signer = _signer(keys, submitter.id, now)
    with db.transaction() as s:
        _check_parties(s, draft)
        clash = s.scalar(
            select(ShipmentRow.id).where(
                ShipmentRow.submitted_by == submitter.id, ShipmentRow.reference == draft.reference
            )
        )
        if clash:
            raise Conflict(
                f"you already submitted a shipment with reference "
                f"{draft.reference!r} ({clash}); use a new reference",
                [FieldError("reference", "already used")],
            )
        s.add(
            ShipmentRow(
                id=shipment_id,
                reference=draft.reference,
                submitted_by=submitter.id,
                origin=route.origin,
                destination=route.destination,
                status="submitted",
                payload=draft.model_dump(mode="json"),
                route=route.model_dump(mode="json", by_alias=True),
                readiness=report.model_dump(mode="json") if report else None,
                created_at=now,
            )
        )
        s.flush()
        if signer:
            ledger.append(
                s,
                signer,
                submitter.id,
                shipment_id,
                "submitted",
                {
                    "reference": draft.reference,
                    "draft": ledger.digest_of(draft.model_dump(mode="json")),
                },
                now,
            )
        s.add_all(
            ShipmentPartyRow(
                shipment_id=shipment_id, organisation_id=p.organisation_id, role=p.role.value
            )
            for p in parties
        )
        s.add(
            EventRow(
                shipment_id=shipment_id,
                at=now,
                kind="submitted",
                actor_id=submitter.id,
                place=route.origin,
                summary=f"Submitted by {submitter.name}: {draft.reference}, "
                f"{len(draft.goods)} goods item(s), route "
                f"{route.origin} -> {route.destination}",
            )
        )
    return Shipment(
        id=shipment_id,
        reference=draft.reference,
        status="submitted",
        submitted_by=submitter.id,
        created_at=now,
        parties=parties,
        draft=draft,
        route=route,
        readiness=report,
    )


def _signer(keys: Keys | None, org_id: str, now: datetime) -> Signer | None:
    """The actor's ledger signing key, made before any transaction opens (SQLite has one
    writer at a time)."""
    if keys is None:
        return None
    keys.ensure(org_id, now)
    return keys.signer(org_id)


def _visible(s: Session, org_id: str, shipment_id: str) -> ShipmentRow:
    row = s.get(ShipmentRow, shipment_id)
    is_party = row is not None and s.scalar(
        select(ShipmentPartyRow.shipment_id)
        .where(
            ShipmentPartyRow.shipment_id == shipment_id, ShipmentPartyRow.organisation_id == org_id
        )
        .limit(1)
    )
    if row is None or not is_party:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    return row


def _shipment(s: Session, row: ShipmentRow) -> Shipment:
    parties = s.scalars(
        select(ShipmentPartyRow)
        .where(ShipmentPartyRow.shipment_id == row.id)
        .order_by(ShipmentPartyRow.organisation_id, ShipmentPartyRow.role)
    )
    route: dict[str, Any] = row.route
    return Shipment(
        id=row.id,
        reference=row.reference,
        status=row.status,
        submitted_by=row.submitted_by,
        created_at=row.created_at,
        parties=[Party(organisation_id=p.organisation_id, role=PartyRole(p.role)) for p in parties],
        draft=ShipmentDraft.model_validate(row.payload),
        route=Route.model_validate(route),
        readiness=ReadinessReport.model_validate(row.readiness) if row.readiness else None,
    )


def get(db: Database, viewer: Organisation, shipment_id: str) -> Shipment:
    """A shipment the viewer is party to, or NotFound."""
    with db.transaction() as s:
        return _shipment(s, _visible(s, viewer.id, shipment_id))


def list_for(
    db: Database, viewer: Organisation, limit: int = 100, offset: int = 0
) -> list[Shipment]:
    """Shipments the viewer is party to, newest first."""
    with db.transaction() as s:
        ids = select(ShipmentPartyRow.shipment_id).where(
            ShipmentPartyRow.organisation_id == viewer.id
        )
        rows = s.scalars(
            select(ShipmentRow)
            .where(ShipmentRow.id.in_(ids))
            .order_by(ShipmentRow.created_at.desc(), ShipmentRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [_shipment(s, r) for r in rows]


def attach_document(
    db: Database,
    viewer: Organisation,
    shipment_id: str,
    kind: DocumentKind,
    filename: str,
    media_type: str,
    content: bytes,
    now: datetime,
    max_bytes: int = Settings.max_document_bytes,
    keys: Keys | None = None,
) -> DocumentInfo:
    """Store a raw document file with a shipment and note it in the timeline."""
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"document is {len(content)} bytes; the limit is {max_bytes} bytes")
    if not content:
        raise InvalidInput(
            "document file is empty; attach the file's content", [FieldError("file", "empty")]
        )
    doc = DocumentInfo(
        id=str(uuid.uuid4()),
        shipment_id=shipment_id,
        kind=kind,
        filename=filename[:255] or "document",
        media_type=media_type[:127],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=viewer.id,
        created_at=now,
    )
    signer = _signer(keys, viewer.id, now)
    with db.transaction() as s:
        row = _visible(s, viewer.id, shipment_id)
        if signer:
            ledger.append(
                s,
                signer,
                viewer.id,
                shipment_id,
                "document_attached",
                {"document": doc.id, "kind": kind.value, "sha256": doc.sha256},
                now,
            )
        s.add(DocumentRow(content=content, **doc.model_dump(mode="python")))
        s.add(
            EventRow(
                shipment_id=row.id,
                at=now,
                kind="document_attached",
                actor_id=viewer.id,
                place=None,
                summary=f"{kind.value.replace('_', ' ')} attached by "
                f"{viewer.name} ({doc.filename}, {doc.size} bytes)",
            )
        )
    return doc


def documents(db: Database, viewer: Organisation, shipment_id: str) -> list[DocumentInfo]:
    """Documents of a shipment the viewer is party to."""
    with db.transaction() as s:
        _visible(s, viewer.id, shipment_id)
        rows = s.scalars(
            select(DocumentRow)
            .where(DocumentRow.shipment_id == shipment_id)
            .order_by(DocumentRow.created_at, DocumentRow.id)
        )
        return [DocumentInfo.model_validate(r, from_attributes=True) for r in rows]


def document_content(
    db: Database, viewer: Organisation, shipment_id: str, document_id: str
) -> tuple[DocumentInfo, bytes]:
    """A document and its bytes."""
    with db.transaction() as s:
        _visible(s, viewer.id, shipment_id)
        row = s.get(DocumentRow, document_id)
        if row is None or row.shipment_id != shipment_id:
            raise NotFound(f"shipment {shipment_id!r} has no document {document_id!r}")
        return DocumentInfo.model_validate(row, from_attributes=True), row.content


def record_event(
    db: Database,
    actor: Organisation,
    shipment_id: str,
    kind: str,
    at: datetime,
    summary: str,
    place: str | None = None,
    keys: Keys | None = None,
) -> Event:
    """Add a step to the timeline of a shipment the actor is party to."""
    signer = _signer(keys, actor.id, at)
    with db.transaction() as s:
        _visible(s, actor.id, shipment_id)
        if signer:
            ledger.append(s, signer, actor.id, shipment_id, kind, {"place": place}, at)
        s.add(
            EventRow(
                shipment_id=shipment_id,
                at=at,
                kind=kind,
                actor_id=actor.id,
                place=place,
                summary=summary,
            )
        )
    return Event(at=at, kind=kind, actor_id=actor.id, place=place, summary=summary)


def timeline(db: Database, viewer: Organisation, shipment_id: str) -> list[Event]:
    """The shipment's events in time order."""
    with db.transaction() as s:
        _visible(s, viewer.id, shipment_id)
        rows = s.scalars(
            select(EventRow)
            .where(EventRow.shipment_id == shipment_id)
            .order_by(EventRow.at, EventRow.id)
        )
        return [Event.model_validate(r, from_attributes=True) for r in rows]


def recheck(
    db: Database, engine: Engine, viewer: Organisation, shipment_id: str, now: datetime
) -> ReadinessReport:
    """Re-run the readiness check with the documents attached now, and store the report."""
    with db.transaction() as s:
        row = _visible(s, viewer.id, shipment_id)
        draft = ShipmentDraft.model_validate(row.payload)
        kinds = set(
            s.scalars(select(DocumentRow.kind).where(DocumentRow.shipment_id == shipment_id))
        )
        report = engine.check(
            draft,
            Route.model_validate(row.route),
            {DocumentKind(k) for k in kinds},
            draft.departure or now,
        )
        row.readiness = report.model_dump(mode="json")
        verdict = (
            "ready" if report.ready else (f"{report.missing} missing, {report.blocking} blocking")
        )
        s.add(
            EventRow(
                shipment_id=shipment_id,
                at=now,
                kind="readiness_checked",
                actor_id=viewer.id,
                place=None,
                summary=f"Readiness checked by {viewer.name}: {verdict}",
            )
        )
    return report


def ledger_entries(db: Database, viewer: Organisation, shipment_id: str) -> list[ledger.Entry]:
    """The ledger of a shipment the viewer is party to."""
    with db.transaction() as s:
        _visible(s, viewer.id, shipment_id)
        return ledger.entries(s, shipment_id)
