"""Papers: documents attached to a shipment (signed SD-JWTs or raw files), signing,
printable copies and verification."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.documents import (
    MEDIA_TYPE,
    TrustList,
    Verdict,
    issue,
    jws_digest,
    verify,
    verify_input,
)
from corridor.documents.paper import render
from corridor.exceptions import FieldError, InvalidInput, NotFound, PayloadTooLarge
from corridor.exchange import filing, witness
from corridor.model import DocumentKind, Organisation
from corridor.services import idempotency, keys
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.store.tables import DocumentRow, ShipmentRow

__all__ = [
    "MEDIA_TYPE",
    "Check",
    "DocumentInfo",
    "SignedDocument",
    "TrustList",
    "Verdict",
    "attach",
    "check",
    "content",
    "documents",
    "issue_signed",
    "paper_copy",
    "print_copy",
    "sign",
    "three_checks",
]


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


class SignedDocument(BaseModel):
    """An issued document: its stored record and the SD-JWT itself."""

    document: DocumentInfo
    token: str


def _check_size(ctx: Context, content: bytes) -> None:
    max_bytes = ctx.settings.max_document_bytes
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"document is {len(content)} bytes; the limit is {max_bytes} bytes")
    if not content:
        raise InvalidInput(
            "document file is empty; attach the file's content", [FieldError("file", "empty")]
        )


# The witness name of a node that runs without an exchange (it has no node id).
LOCAL_WITNESS = "local"


def _attach(
    ctx: Context,
    s: Session,
    who: Organisation,
    shipment_id: str,
    kind: DocumentKind,
    filename: str,
    media_type: str,
    content: bytes,
    now: datetime,
) -> DocumentInfo:
    """Store a document with a shipment the caller was checked to be party to."""
    filename, media_type = filename[:255] or "document", media_type[:127]
    doc_id, digest = filing.file_document(
        s,
        ctx.keys.ensure(s, who.id, now),
        who.id,
        shipment_id,
        kind.value,
        filename,
        media_type,
        content,
        now,
        summary=f"{kind.value.replace('_', ' ')} attached by {who.name} ({filename}, "
        f"{len(content)} bytes)",
    )
    if media_type == MEDIA_TYPE:
        # This node saw the signed document now: a witness of when it existed.
        seen_by = ctx.exchange.node.node if ctx.exchange is not None else LOCAL_WITNESS
        token = content.decode("ascii", "replace")
        witness.record(s.connection(), [jws_digest(token)], seen_by, now)
    return DocumentInfo(
        id=doc_id,
        shipment_id=shipment_id,
        kind=kind,
        filename=filename,
        media_type=media_type,
        size=len(content),
        sha256=digest,
        uploaded_by=who.id,
        created_at=now,
    )


def attach(
    ctx: Context,
    who: Organisation,
    shipment_id: str,
    kind: DocumentKind,
    filename: str,
    media_type: str,
    content: bytes,
    now: datetime,
) -> DocumentInfo:
    """Store a document file with a shipment the caller is party to, with its ledger entry
    and a timeline event."""
    _check_size(ctx, content)
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        return _attach(ctx, s, who, shipment_id, kind, filename, media_type, content, now)


def sign(
    ctx: Context,
    who: Organisation,
    kind: DocumentKind,
    fields: dict[str, Any],
    now: datetime,
    shipment_id: str | None = None,
) -> str:
    """Issue a typed document signed with the caller's key and hand it back, without
    storing it (an authority signing a certificate for the exporter to attach)."""
    with ctx.db.transaction() as s:
        return issue(ctx.keys.ensure(s, who.id, now), who, kind, fields, now, shipment_id)


def issue_signed(
    ctx: Context,
    who: Organisation,
    shipment_id: str,
    kind: DocumentKind,
    fields: dict[str, Any],
    now: datetime,
    idempotency_key: str | None = None,
) -> SignedDocument:
    """Issue a typed document for a shipment the caller is party to, signed with its key,
    and store it with the shipment (once per Idempotency-Key)."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        request = {"shipment": shipment_id, "kind": kind.value, "fields": fields}
        first = idempotency.claim(s, who.id, idempotency_key, "issue", request, now)
        if first is not None:
            return SignedDocument.model_validate(first)
        token = issue(ctx.keys.ensure(s, who.id, now), who, kind, fields, now, shipment_id)
        _check_size(ctx, token.encode("ascii"))
        info = _attach(
            ctx,
            s,
            who,
            shipment_id,
            kind,
            f"{_file_stem(fields.get('document_number')) or kind.value}.sd-jwt",
            MEDIA_TYPE,
            token.encode("ascii"),
            now,
        )
        signed = SignedDocument(document=info, token=token)
        idempotency.record(s, who.id, idempotency_key, signed.model_dump(mode="json"))
    return signed


def documents(ctx: Context, who: Organisation, shipment_id: str) -> list[DocumentInfo]:
    """Documents of a shipment the caller is party to."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        rows = s.scalars(
            select(DocumentRow)
            .where(DocumentRow.shipment_id == shipment_id)
            .order_by(DocumentRow.created_at, DocumentRow.id)
        )
        return [DocumentInfo.model_validate(r, from_attributes=True) for r in rows]


def content(
    ctx: Context, who: Organisation, shipment_id: str, document_id: str
) -> tuple[DocumentInfo, bytes]:
    """A document and its bytes."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        row = s.get(DocumentRow, document_id)
        if row is None or row.shipment_id != shipment_id:
            raise NotFound(f"shipment {shipment_id!r} has no document {document_id!r}")
        return DocumentInfo.model_validate(row, from_attributes=True), row.content


def _file_stem(text: Any) -> str:
    """A document number as part of a file name: letters, digits, dots, dashes, no more."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(text or "")).strip(".-")[:80]


def pdf_filename(info: DocumentInfo) -> str:
    """The paper copy's file name: the document's number (as its file is named), else its
    kind, with `.pdf`."""
    stem = _file_stem(info.filename.removesuffix(".sd-jwt").removesuffix(".pdf"))
    return f"{stem or info.kind.value}.pdf"


def print_copy(token: str, trust: TrustList, now: datetime, reference: str | None = None) -> bytes:
    """The paper copy of a signed document (verified first: an invalid document is not
    printed): a readable PDF with its verification QR code and the token embedded, naming
    its shipment by `reference` when given."""
    return render(token, verify(token, trust, now), reference)


def paper_copy(
    ctx: Context, who: Organisation, shipment_id: str, document_id: str, now: datetime
) -> tuple[DocumentInfo, bytes]:
    """The PDF of a signed document of a shipment the caller is party to."""
    info, data = content(ctx, who, shipment_id, document_id)
    if info.media_type != MEDIA_TYPE:
        raise InvalidInput(
            f"only signed documents have a paper copy; this one is a raw {info.media_type} file"
        )
    with ctx.db.reading() as conn:
        reference = conn.execute(
            select(ShipmentRow.reference).where(ShipmentRow.id == shipment_id)
        ).scalar_one_or_none()
    return info, print_copy(data.decode("ascii"), ctx.keys.trust_list(), now, reference)


def check(
    data: bytes,
    trust: TrustList,
    now: datetime,
    witnessed: Callable[[str], datetime | None] | None = None,
) -> Verdict:
    """VALID or INVALID for anything a person hands over: an SD-JWT, a QR code's text or a
    corridor PDF. Anyone may ask; it never raises for bad input. With `witnessed` (a node's
    `witnesses`), a document of a superseded key counts only if seen before it was."""
    return verify_input(data, trust, now, witnessed)


def verdict(ctx: Context, data: bytes, trust: TrustList | None = None) -> Verdict:
    """Verify what a person hands over, as every door does: against this node's trust list
    and what this node and its peers witnessed (a superseded key's document counts only if
    seen before the key was), or, offline, against a given trust list alone."""
    if trust is not None:
        return check(data, trust, ctx.clock())
    return check(data, keys.trust_list(ctx), ctx.clock(), witnesses(ctx))


def witnesses(ctx: Context) -> Callable[[str], datetime | None]:
    """When this node, or a node whose receipt it holds, first saw a document."""
    return witness.first_seen(ctx.db)


class Check(BaseModel):
    """One of the three checks a person reads off a verdict: passed, failed (with the reason
    code), or not established because an earlier problem stopped verification."""

    name: str
    passed: bool | None
    reason: str | None = None


# Which of the three checks each reason code fails.
_CHECK_OF = {
    "malformed": "intact",
    "bad_signature": "intact",
    "tampered_disclosure": "intact",
    "unknown_issuer": "issuer",
    "wrong_role": "issuer",
    "revoked_key": "key",
    "expired": "key",
}
CHECKS = ("intact", "issuer", "key")


def three_checks(verdict: Verdict) -> list[Check]:
    """Not tampered · issuer identified and authorised for this kind · key valid (not
    revoked or expired), as TradeTrust-style verifiers show them."""
    if verdict.status == "VALID":
        return [Check(name=n, passed=True) for n in CHECKS]
    failed = _CHECK_OF.get(verdict.reason or "", "intact")
    return [
        Check(name=n, passed=False, reason=verdict.reason)
        if n == failed
        else Check(name=n, passed=None)
        for n in CHECKS
    ]
