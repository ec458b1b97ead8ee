"""A shipment's tamper-evident ledger, and its emissions statement."""

from __future__ import annotations

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.services import emissions, ledgers
from corridor.services.ledgers import LedgerView
from corridor.services.papers import SignedDocument

public, private = routers()


@private.get("/shipments/{shipment_id}/ledger", tags=["ledger"])
def shipment_ledger(shipment_id: str, who: Caller, ctx: Ctx) -> LedgerView:
    """The shipment's hash-chained, signed ledger, verified now; 409 names the first bad
    entry."""
    return ledgers.shipment(ctx, who, shipment_id)


@private.get("/shipments/{shipment_id}/emissions", tags=["ledger"])
def shipment_emissions(shipment_id: str, who: Caller, ctx: Ctx) -> dict[str, object]:
    """The shipment's ISO 14083 / GLEC emissions statement: well-to-wheel and tank-to-wheel
    CO2e per transport chain element, from the legs travelled and then those planned."""
    return emissions.as_dict(emissions.for_shipment(ctx, who, shipment_id))


@private.post("/shipments/{shipment_id}/emissions/statement", status_code=201, tags=["ledger"])
def sign_emissions(shipment_id: str, who: Caller, ctx: Ctx) -> SignedDocument:
    """Sign the emissions statement as it stands now and store it with the shipment's
    documents (kind `emissions_statement`; its PDF at `…/documents/{id}/pdf`)."""
    return emissions.issue(ctx, who, shipment_id, ctx.clock())
