"""Filing a document with a shipment: its row, its ledger entry and its line in the
shipment's timeline, in one transaction (`file_document`: a party attaching a file does it
through `services.papers`). A document an issuing body sent in answer to this node's request
is filed by this node in the transaction that stores the answer (`file_issued`); the
readiness report, the pre-arrival data and the paper copy then use it like any other."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import MEDIA_TYPE, Signer
from corridor.exchange.envelope import Opened
from corridor.exchange.node import LocalNode
from corridor.store.tables import DocumentRow, EventRow

__all__ = ["EVENT", "file_document", "file_issued"]

# The timeline's kind of line for a document received from its issuing body.
EVENT = "document_issued"


def file_document(
    c: Connection | Session,
    signer: Signer,
    actor_id: str,
    shipment: str,
    kind: str,
    filename: str,
    media_type: str,
    content: bytes,
    now: datetime,
    *,
    summary: str,
    event: str = "document_attached",
    about: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Store a document with a shipment, in the caller's transaction: its row, the ledger
    entry signed by `signer` for `actor_id` (with `about` added to its body) and the
    timeline's line (`event`, `summary`). Returns the document's id and SHA-256."""
    doc_id = str(uuid.uuid4())
    digest = hashlib.sha256(content).hexdigest()
    body = {"document": doc_id, "kind": kind, "sha256": digest, **(about or {})}
    ledger.append(c, signer, actor_id, shipment, "document_attached", body, now)
    c.execute(
        insert(DocumentRow).values(
            id=doc_id,
            shipment_id=shipment,
            kind=kind,
            filename=filename,
            media_type=media_type,
            size=len(content),
            sha256=digest,
            content=content,
            uploaded_by=actor_id,
            created_at=now,
        )
    )
    c.execute(
        insert(EventRow).values(
            shipment_id=shipment,
            at=now,
            kind=event,
            actor_id=actor_id,
            place=None,
            subject=kind,
            summary=summary,
        )
    )
    return doc_id, digest


def file_issued(
    c: Connection,
    node: LocalNode,
    env: Opened,
    shipment: str,
    kind: str,
    token: str,
    now: datetime,
) -> str:
    """Store `token`, a `kind` verified and admitted by the caller, with `shipment`, filed by
    this node; returns the document's id."""
    doc_id, _ = file_document(
        c,
        node.signer,
        node.organisation.id,
        shipment,
        kind,
        f"{kind}-{env.sender}.sd-jwt"[:255],
        MEDIA_TYPE,
        token.encode("ascii"),
        now,
        summary=f"{kind.replace('_', ' ')} issued by {env.sender} on node {env.from_node}",
        event=EVENT,
        about={"issued_by": env.sender},
    )
    return doc_id
