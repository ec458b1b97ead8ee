"""Readiness: a shipment re-checked against the rules of every border on its route with
the documents that count now, and the report stored when what it says changed.

A re-check reads, in one statement, the stored report, the shipment's documents (kind,
media type, digest: no content) and the key store's fingerprint. A signed document's
content is read and verified once per trust list (a new key, a rotation or a revocation
makes a new list), and its verdict reused while the document is within its validity; the
draft and route are validated once per shipment (neither changes after submission).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, bindparam, case, func, select, update

from corridor.documents import MEDIA_TYPE, TrustList, verify
from corridor.documents.kinds import SCHEMAS
from corridor.exceptions import NotFound, VerificationFailed
from corridor.exchange import witness
from corridor.memo import Memo
from corridor.model import DocumentKind, Organisation, ShipmentDraft
from corridor.network import Route
from corridor.rules import ReadinessReport
from corridor.services import evidence, keys
from corridor.services.context import Context
from corridor.services.keystore import FINGERPRINT
from corridor.services.shipments import AS_PARTY
from corridor.store.tables import DocumentRow, ShipmentRow


def check(ctx: Context, who: Organisation, shipment_id: str, now: datetime) -> ReadinessReport:
    """Re-run the readiness check with the documents that count now, and store the report.

    A kind that has a signed form counts only as a signed document that verifies now, for
    this shipment, from an issuer whose role may sign it (a state's paper only from that
    state's authority); a raw upload of such a kind does not count. Kinds with no signed
    form (a bank guarantee, a phytosanitary certificate) are evidence, assessed by
    `services.evidence`: a guarantee checked against the transit declaration, the rest
    unverified, counted only by rules that accept unverified evidence."""
    # Each statement stands alone: the report is replaced whole, by one UPDATE.
    with ctx.db.reading() as conn:
        row = conn.execute(_CHECKED, {"shipment": shipment_id, "org": who.id}).first()
        if row is None:
            raise NotFound(f"no shipment {shipment_id!r} that you are party to")
        trust = keys.trust_list(ctx, (row.keys_count, row.keys_versions))
        draft, route = _planned(conn, shipment_id)
        have: set[DocumentKind] = set()
        attached: list[evidence.Attached] = []
        declared: dict[str, Any] | None = None
        for kind_name, digest, signed, by in _documents(row.documents):
            kind = DocumentKind(kind_name)
            if kind not in SCHEMAS:
                attached.append(evidence.Attached(kind, digest, by))
                continue
            # A kind with a signed form counts only as a signed document for this shipment.
            if signed:
                found, shipment, fields = _signed(conn, shipment_id, digest, trust, now)
                if (found, shipment) == (kind, shipment_id):
                    have.add(kind)
                    declared = fields if fields is not None else declared
        departure = draft.departure or now
        arrives = (_as_datetime(departure) + timedelta(hours=route.total_hours)).date()
        counted, notes, said = evidence.assess(conn, shipment_id, attached, declared, arrives)
        report = ctx.engine.check(draft, route, have | counted, departure, notes, said)
        stored_report = report.model_dump(mode="json")
        # Written when the verdict changed: re-reading an unchanged shipment writes nothing
        # (a shipment with no planned departure is checked as leaving now, so only its
        # times moved).
        if row.readiness is None or _verdict(stored_report) != _verdict(row.readiness):
            conn.execute(
                update(ShipmentRow)
                .where(ShipmentRow.id == shipment_id)
                .values(readiness=stored_report, ready=report.ready)
            )
    return report


# What a readiness check reads in one statement: the stored report, the documents (kind,
# digest, whether it is a signed document; no content) and the key store's fingerprint.
# Only values of known shape go into the folded string: the media type is the client's.
_SIGNED = case((DocumentRow.media_type == MEDIA_TYPE, "1"), else_="0")
_DOCUMENT_LIST = (
    select(
        func.aggregate_strings(
            DocumentRow.kind
            + " "
            + DocumentRow.sha256
            + " "
            + _SIGNED
            + " "
            + DocumentRow.uploaded_by,
            ",",
        )
    )
    .where(DocumentRow.shipment_id == ShipmentRow.id)
    .correlate(ShipmentRow)
    .scalar_subquery()
)
_CHECKED = select(ShipmentRow.readiness, _DOCUMENT_LIST.label("documents"), *FINGERPRINT).where(
    ShipmentRow.id == bindparam("shipment"), AS_PARTY
)
_CONTENT = select(DocumentRow.content).where(
    DocumentRow.shipment_id == bindparam("shipment"),
    DocumentRow.sha256 == bindparam("digest"),
)


def _documents(packed: str | None) -> list[tuple[str, str, bool, str]]:
    """(kind, SHA-256, signed, who attached it) of each document, from `_DOCUMENT_LIST`
    (organisation ids are letters, digits and dashes)."""
    if not packed:
        return []
    return [
        (kind, digest, signed == "1", by)
        for kind, digest, signed, by in (item.split(" ") for item in packed.split(","))
    ]


_PLAN = select(ShipmentRow.payload, ShipmentRow.route).where(
    ShipmentRow.id == bindparam("shipment")
)

# Stored drafts and routes once validated, by shipment id: neither changes after submission.
_PLANNED: Memo[str, tuple[ShipmentDraft, Route]] = Memo(4096)


def _planned(conn: Connection, shipment_id: str) -> tuple[ShipmentDraft, Route]:
    """A (visible) shipment's draft and route, read and validated once."""

    def validated() -> tuple[ShipmentDraft, Route]:
        payload, route = conn.execute(_PLAN, {"shipment": shipment_id}).one()
        return ShipmentDraft.model_validate(payload), Route.model_validate(route)

    return _PLANNED.get_or(shipment_id, validated)


def _verdict(report: dict[str, Any]) -> tuple[Any, ...]:
    """What a stored report says, without its times (nor the sentences that quote them):
    each rule's outcome per border, with what is lacking and what to provide."""
    return (
        report["ready"],
        [
            (
                c["country"],
                c["procedure"],
                [(r["rule_id"], r["outcome"], r["lacking"], r["provide"]) for r in c["results"]],
            )
            for c in report["crossings"]
        ],
    )


# Signed documents already verified against a trust list: token digest -> kind, shipment,
# validity, and the guarantee terms a transit declaration claims. A new trust list (a key
# made, rotated or revoked) starts afresh.
_Verified = tuple[DocumentKind, str | None, float, float, dict[str, Any] | None]
_VERIFIED: WeakKeyDictionary[TrustList, Memo[str, _Verified]] = WeakKeyDictionary()
_NOTHING: tuple[None, None, None] = (None, None, None)
# What a transit declaration says of its guarantee (what a guarantee is checked against).
_GUARANTEE_TERMS = ("guarantee_reference", "guarantee_currency", "amount_to_be_covered")


def _signed(
    conn: Connection, shipment_id: str, digest: str, trust: TrustList, now: datetime
) -> tuple[DocumentKind | None, str | None, dict[str, Any] | None]:
    """The kind and shipment of the shipment's signed document with SHA-256 `digest`, if it
    verifies now against `trust`, with a transit declaration's guarantee terms; Nones
    otherwise. Its content is read and verified once per trust list."""
    memo = _VERIFIED.setdefault(trust, Memo(10_000))
    at = now.timestamp()
    hit = memo.get(digest)
    if hit is not None and hit[2] <= at < hit[3]:
        return hit[0], hit[1], hit[4]
    content = conn.scalar(_CONTENT, {"shipment": shipment_id, "digest": digest})
    # Stored bytes that do not match their recorded digest count for nothing.
    if content is None or hashlib.sha256(content).hexdigest() != digest:
        return _NOTHING
    try:
        checked = verify(content.decode("ascii"), trust, now, partial(witness.first, conn))
    except (VerificationFailed, UnicodeDecodeError):
        return _NOTHING
    expires = checked.expires_at.timestamp() if checked.expires_at else float("inf")
    terms = (
        {k: checked.disclosed.get(k) for k in _GUARANTEE_TERMS}
        if checked.kind is DocumentKind.TRANSIT_DECLARATION
        else None
    )
    memo.put(
        digest, (checked.kind, checked.shipment, checked.issued_at.timestamp(), expires, terms)
    )
    return checked.kind, checked.shipment, terms


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
