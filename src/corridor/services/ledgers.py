"""A shipment's tamper-evident ledger, verified: the chain, the documents and custody events
it names, and the heads that receiving nodes witnessed."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel
from sqlalchemy import select

from corridor import ledger as ledger_mod
from corridor.documents.trust import utc
from corridor.exceptions import InvalidInput
from corridor.exchange import receipts
from corridor.model import Organisation
from corridor.services import keys
from corridor.services.context import Caller, Context
from corridor.services.shipments import visible
from corridor.store.tables import DocumentRow, EpcisEventRow
from corridor.tracking import epcis

__all__ = ["LedgerView", "shipment", "utc"]


class LedgerView(BaseModel):
    """A shipment's ledger, verified: how many entries checked out, and the head hash."""

    verified: int
    head: str
    entries: list[ledger_mod.Entry]


def shipment(ctx: Context, who: Caller, shipment_id: str) -> LedgerView:
    """A shipment's ledger, verified against this node's trust list now: a party over the
    API, or the node's administrator (the ledger shows digests, never goods or values).
    Raises LedgerBroken naming the first bad entry."""
    trust = keys.trust_list(ctx)
    with ctx.db.transaction() as s:
        if isinstance(who, Organisation):
            visible(s, who.id, shipment_id)
        chain = ledger_mod.entries(s, shipment_id)
        if not chain and not isinstance(who, Organisation):
            raise InvalidInput(f"no ledger for shipment {shipment_id!r} on this node")
        # Digests of the bytes held now, not of the stored digest column: a replaced file
        # must not pass because someone updated its digest too.
        documents = {
            doc_id: hashlib.sha256(content).hexdigest()
            for doc_id, content in s.execute(
                select(DocumentRow.id, DocumentRow.content).where(
                    DocumentRow.shipment_id == shipment_id
                )
            )
        }
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
    return LedgerView(
        verified=verified, head=chain[-1].hash if chain else ledger_mod.GENESIS, entries=chain
    )
