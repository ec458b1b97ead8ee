"""A shipment's tamper-evident ledger."""

from __future__ import annotations

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.services import ledgers
from corridor.services.ledgers import LedgerView

public, private = routers()


@private.get("/shipments/{shipment_id}/ledger", tags=["ledger"])
def shipment_ledger(shipment_id: str, who: Caller, ctx: Ctx) -> LedgerView:
    """The shipment's hash-chained, signed ledger, verified now; 409 names the first bad
    entry."""
    return ledgers.shipment(ctx, who, shipment_id)
