"""SQLAlchemy 2 tables. These are storage shapes; the API has its own schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from corridor.store.types import JSONType, UTCDateTime

__all__ = ["MOVES_WHERE", "Base", "JSONType", "UTCDateTime"]

# The stored events that move the goods along their route (not declared wrong), written out
# as SQL so that a query saying the same uses the partial index on them.
MOVES_WHERE = (
    "kind IN ('departed', 'arrived', 'border_crossed') "
    "AND location IS NOT NULL AND error_declaration IS NULL"
)


class Base(DeclarativeBase):
    """Declarative base of the corridor's tables."""

    type_annotation_map: dict[Any, Any] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSONType,
    }


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(32))
    # The nodes a port or carrier works at, comma-separated (none: anywhere).
    works_at: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime]
    # A suspended organisation's API keys stop working until it is reinstated.
    suspended_at: Mapped[datetime | None]


class EnrolmentRow(Base):
    __tablename__ = "enrolments"

    # One open enrolment code per organisation, stored as a SHA-256 digest, used once.
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    code_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # A recovery the operator opened on the member's authority's approval: usable only from
    # this time on, so the member can refuse it first.
    usable_from: Mapped[datetime | None]


class RecoveryCodeRow(Base):
    __tablename__ = "recovery_codes"

    # The member's own second channel, given once at enrolment and kept offline: a new API
    # key without the operator. Stored as a SHA-256 digest; replaced on each use.
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    code_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    # The public prefix of the key; the secret part is stored only as a SHA-256 digest.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    secret_sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Set when the key belongs to one officer of a customs authority.
    officer_id: Mapped[str | None] = mapped_column(String(64))


class ShipmentRow(Base):
    __tablename__ = "shipments"
    __table_args__ = (UniqueConstraint("submitted_by", "reference", name="uq_shipment_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    origin: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    route: Mapped[dict[str, Any]]
    readiness: Mapped[dict[str, Any] | None]
    # The stored report's verdict, for lists (the report itself is large).
    ready: Mapped[bool | None]
    created_at: Mapped[datetime]


class ShipmentPartyRow(Base):
    __tablename__ = "shipment_parties"

    shipment_id: Mapped[str] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The shipment's creation time, so that a party's listing reads one index in order.
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_shipment_parties_listing", "organisation_id", "created_at", "shipment_id"),
    )


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime]


class EventRow(Base):
    __tablename__ = "shipment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shipment_id: Mapped[str] = mapped_column(
        ForeignKey("shipments.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    place: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    # What the step is about where a page words it itself (a document's kind).
    subject: Mapped[str | None] = mapped_column(String(40), default=None)


class TrustedKeyRow(Base):
    __tablename__ = "trusted_keys"

    # Key id: the first 16 hex digits of the SHA-256 of the raw public key.
    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    # Raised on every change, so the newest statement about a key wins in the directory.
    version: Mapped[int] = mapped_column(Integer, default=1)


class LedgerEntryRow(Base):
    __tablename__ = "ledger_entries"

    # (shipment, seq) as the key: two writers racing for the same position cannot both
    # succeed, so the chain never forks.
    shipment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(32))
    at: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]]
    hash: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))


class OfficerRow(Base):
    __tablename__ = "customs_officers"

    # A person inside a customs authority; an API key bound to an officer acts as them.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class ProfileSetRow(Base):
    __tablename__ = "customs_profile_sets"

    # Every version of the authority's targeting, kept whole; the newest is in force.
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    authority: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    officer_id: Mapped[str] = mapped_column(String(64))
    installed_at: Mapped[datetime]
    # The calibrated random rates (cumulative red, yellow, blue) for this version.
    calibration: Mapped[dict[str, Any]]


class DeclarationRow(Base):
    __tablename__ = "customs_declarations"
    __table_args__ = (UniqueConstraint("shipment_id", "procedure", name="uq_declaration"),)

    # One per shipment and procedure this authority applies, from the pre-arrival data it
    # received; re-assessed when amended data arrives.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String(64), index=True)
    procedure: Mapped[str] = mapped_column(String(16))
    crossing: Mapped[str | None] = mapped_column(String(64))
    eta: Mapped[datetime | None] = mapped_column(index=True)
    lodge_by: Mapped[datetime | None]
    declarant: Mapped[str | None] = mapped_column(String(200), index=True)
    envelopes: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))
    assessment: Mapped[dict[str, Any]]
    profile_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    mrn: Mapped[str | None] = mapped_column(String(18), unique=True)
    assessed_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DecisionRow(Base):
    __tablename__ = "customs_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(ForeignKey("customs_declarations.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    officer_id: Mapped[str] = mapped_column(ForeignKey("customs_officers.id"))
    endorsed_by: Mapped[str | None] = mapped_column(ForeignKey("customs_officers.id"))
    # The chief's own reason for endorsing or refusing an override.
    endorsement_reason: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class WebSessionRow(Base):
    __tablename__ = "web_sessions"

    # A browser's signed-in session: the cookie's secret is stored only as its digest; the
    # session lives no longer than the API key it was opened with.
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class EpcisEventRow(Base):
    """EPCIS 2.0 events, keyed by the digest of their CBV 2.0 hash-based id (captured twice,
    stored once); `country` is the location's, for an authority's view of its territory;
    an error declaration marks an event, never edits it."""

    __tablename__ = "epcis_events"
    __table_args__ = (
        Index("ix_epcis_events_shipment", "shipment_id", "event_time", "id"),
        Index("ix_epcis_events_country", "country", "event_time", "id"),
        # A shipment's moves by place and time: where its goods were first and last seen.
        Index(
            "ix_epcis_events_moves",
            "shipment_id",
            "location",
            "event_time",
            postgresql_where=text(MOVES_WHERE),
            sqlite_where=text(MOVES_WHERE),
        ),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    event_time: Mapped[datetime]
    biz_step: Mapped[str] = mapped_column(String(120))
    location: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]
    event: Mapped[dict[str, Any]]
    error_declaration: Mapped[dict[str, Any] | None]
    # The shipment timeline's kind of a movement (departed, arrived, ...), else None.
    kind: Mapped[str | None] = mapped_column(String(32))


class EpcisEpcRow(Base):
    """Each identifier an event names, in time order: a query by container reads a range.
    Written only with its event, in the statement that inserts the event."""

    __tablename__ = "epcis_event_epcs"
    epc: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_time: Mapped[datetime] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class CaptureJobRow(Base):
    __tablename__ = "epcis_captures"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    stored: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    declarations: Mapped[int] = mapped_column(Integer)
    # GS1-Capture-Error-Behaviour: rollback (all or none) or proceed (the events that pass);
    # with proceed, each event refused and why.
    behaviour: Mapped[str] = mapped_column(String(10), server_default="rollback")
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)


class NamedQueryRow(Base):
    """An organisation's saved EPCIS simple event query (the binding's named queries):
    its parameters as the binding names them."""

    __tablename__ = "epcis_queries"
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    parameters: Mapped[list[list[str]]] = mapped_column(JSONType)
    created_at: Mapped[datetime]


class IdempotentRow(Base):
    __tablename__ = "idempotent_requests"

    # A request that sends or signs, made with an Idempotency-Key: claimed in the request's
    # own transaction, with its result, so a retry gets the first answer.
    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    operation: Mapped[str] = mapped_column(String(120))
    request_digest: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime]


class ProbeRow(Base):
    __tablename__ = "node_probe"

    # One row a health check writes, so that a store that reads but cannot write (a full
    # disk, a read-only replica) is reported as such.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
