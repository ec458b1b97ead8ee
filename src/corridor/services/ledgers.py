"""A shipment's tamper-evident ledger, verified: the chain, the documents and custody events
it names, and the heads that receiving nodes witnessed."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger as ledger_mod
from corridor.documents.trust import utc
from corridor.exceptions import InvalidInput
from corridor.exchange import checkpoint, receipts
from corridor.model import Organisation
from corridor.services import keys
from corridor.services.access import visible
from corridor.services.context import Caller, Context
from corridor.store.tables import DocumentRow, EpcisEventRow
from corridor.tracking import epcis

__all__ = ["LedgerView", "shipment", "utc"]


class LedgerView(BaseModel):
    """A shipment's ledger, verified: how many entries checked out, the head hash, and how
    much of it another node has witnessed (the entries after the last witnessed head could
    still be cut unnoticed; checkpoints keep that tail within `witness_window_s`)."""

    verified: int
    head: str
    entries: list[ledger_mod.Entry]
    last_witnessed: int | None = None
    unwitnessed: int = 0
    witness_window_s: int = checkpoint.WINDOW_S


def shipment(ctx: Context, who: Caller, shipment_id: str, audit: bool = False) -> LedgerView:
    """A shipment's ledger, verified against this node's trust list now: a party over the
    API, or the node's administrator (the ledger shows digests, never goods or values).
    The chain, its documents' digests, its events and the receipts are read in one
    snapshot, so a receipt taken meanwhile never makes a sound chain look broken. Each
    attached file counts by the digest verified when it was stored; an `audit` hashes every
    file's bytes again, one at a time. Raises LedgerBroken naming the first bad entry."""
    trust = keys.trust_list(ctx)
    with ctx.db.snapshot() as s:
        if isinstance(who, Organisation):
            visible(s, who.id, shipment_id)
        chain = ledger_mod.entries(s, shipment_id)
        if not chain and not isinstance(who, Organisation):
            raise InvalidInput(f"no ledger for shipment {shipment_id!r} on this node")
        # The digest recorded when each file was stored (the ledger entry of its attachment
        # holds it too, so a file replaced with its digest column is found either way); an
        # audit hashes the bytes held now, one file at a time.
        documents = (
            _hashed(s, shipment_id)
            if audit
            else {
                str(doc_id): str(digest)
                for doc_id, digest in s.execute(
                    select(DocumentRow.id, DocumentRow.sha256).where(
                        DocumentRow.shipment_id == shipment_id
                    )
                )
            }
        )
        # Each captured event hashed again from what is stored now.
        events = {
            event_id: epcis.digest_of(row_event)
            for event_id, row_event in s.execute(
                select(EpcisEventRow.id, EpcisEventRow.event).where(
                    EpcisEventRow.shipment_id == shipment_id
                )
            )
        }
        witnesses = receipts.witnesses(s, shipment_id, trust)
    verified = ledger_mod.verify_chain(chain, trust, documents, witnesses, events)
    last = max((w.seq for w in witnesses), default=None)
    tail = [e for e in chain if (last is None or e.seq > last) and e.kind != checkpoint.WITNESSED]
    return LedgerView(
        verified=verified,
        head=chain[-1].hash if chain else ledger_mod.GENESIS,
        entries=chain,
        last_witnessed=last,
        unwitnessed=len(tail),
    )


def _hashed(s: Session, shipment_id: str) -> dict[str, str]:
    """Each of the shipment's files hashed from its bytes, read one at a time."""
    ids = s.scalars(select(DocumentRow.id).where(DocumentRow.shipment_id == shipment_id)).all()
    out = {}
    for doc_id in ids:
        content = s.scalar(select(DocumentRow.content).where(DocumentRow.id == doc_id))
        out[doc_id] = hashlib.sha256(content or b"").hexdigest()
    return out
