"""Filing a document an issuing body sent in answer to this node's request with the
shipment it was asked for: stored as the shipment's document (the readiness report, the
pre-arrival data and the paper copy then use it like any other), with a ledger entry signed
by this node and a line in the shipment's timeline, in the transaction that stores the answer."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import Connection, insert

from corridor import ledger
from corridor.documents import MEDIA_TYPE
from corridor.exchange.envelope import Opened
from corridor.exchange.node import LocalNode
from corridor.store.tables import DocumentRow, EventRow

__all__ = ["EVENT", "file_issued"]

# The timeline's kind of line for a document received from its issuing body.
EVENT = "document_issued"


def file_issued(
    c: Connection,
    node: LocalNode,
    env: Opened,
    shipment: str,
    kind: str,
    token: str,
    now: datetime,
) -> str:
    """Store `token`, a `kind` verified and admitted by the caller, with `shipment`; returns
    the document's id."""
    content = token.encode("ascii")
    doc_id = str(uuid.uuid4())
    digest = hashlib.sha256(content).hexdigest()
    c.execute(
        insert(DocumentRow).values(
            id=doc_id,
            shipment_id=shipment,
            kind=kind,
            filename=f"{kind}-{env.sender}.sd-jwt"[:255],
            media_type=MEDIA_TYPE,
            size=len(content),
            sha256=digest,
            content=content,
            uploaded_by=node.organisation.id,
            created_at=now,
        )
    )
    ledger.append(
        c,
        node.signer,
        node.organisation.id,
        shipment,
        "document_attached",
        {"document": doc_id, "kind": kind, "sha256": digest, "issued_by": env.sender},
        now,
    )
    c.execute(
        insert(EventRow).values(
            shipment_id=shipment,
            at=now,
            kind=EVENT,
            actor_id=node.organisation.id,
            place=None,
            subject=kind,
            summary=f"{kind.replace('_', ' ')} issued by {env.sender} on node {env.from_node}",
        )
    )
    return doc_id
