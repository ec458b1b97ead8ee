"""Who may see and do what on a shipment, in one place: every door and service asks here.

- **Parties.** A shipment's parties are the organisations named on it (consignor,
  consignee, forwarder, carriers) and the one that submitted it; only they see it, and a
  shipment they are not party to is worded as missing (`visible`). Which organisation roles
  may fill which slot, and who may submit, is stated here too.
- **Roles that act on shipments.** Those that may be parties (`PARTY_ROLES`: an auditor is
  shown what it is party to and records nothing), those that record custody events
  (`RECORDERS`), and who may sign each kind of document (`may_sign`, from the registry).
- **Authorities.** A customs authority sees the custody events on its own territory
  (`territory_of`); its officers act on their authority's node only. The node operator is
  party to no shipment and sees no commercial data.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.documents.kinds import ISSUER_ROLES
from corridor.exceptions import NotFound
from corridor.model import DocumentKind, Organisation, Role
from corridor.store.tables import ShipmentPartyRow, ShipmentRow

__all__ = [
    "PARTY_ROLES",
    "RECORDERS",
    "SLOT_ROLES",
    "SUBMITTERS",
    "may_sign",
    "territory_of",
    "visible",
]

# The roles an organisation may have to be party to a shipment and read its pages.
PARTY_ROLES = (Role.SHIPPER, Role.CONSIGNEE, Role.FORWARDER, Role.CARRIER, Role.PORT, Role.AUDITOR)
# Who records custody events on a shipment it is party to (customs record holds and releases
# on their own node; an auditor only reads).
RECORDERS = tuple(r for r in PARTY_ROLES if r is not Role.AUDITOR)
# Which organisation roles may fill which party slot of a shipment, and who may submit one.
SLOT_ROLES: dict[str, set[Role]] = {
    "consignor": {Role.SHIPPER, Role.FORWARDER},
    "consignee": {Role.CONSIGNEE, Role.SHIPPER, Role.FORWARDER},
    "forwarder": {Role.FORWARDER},
    "carriers": {Role.CARRIER, Role.PORT},
}
SUBMITTERS = {Role.SHIPPER, Role.FORWARDER}


def may_sign(who: Organisation, kind: DocumentKind) -> bool:
    """Whether the organisation's role may sign this kind (a kind attached as evidence is
    signed by nobody here)."""
    return who.role in ISSUER_ROLES.get(kind, frozenset())


def territory_of(who: Organisation) -> str | None:
    """The country whose custody events the organisation sees as an authority, or None."""
    return who.country if who.role is Role.CUSTOMS else None


def visible(s: Session, org_id: str, shipment_id: str) -> ShipmentRow:
    """The shipment, if `org_id` is party to it; NotFound otherwise, worded as for an id
    that does not exist."""
    # One query either way, so a missing id and someone else's shipment cost the same time.
    row = s.scalars(
        select(ShipmentRow)
        .join(ShipmentPartyRow, ShipmentPartyRow.shipment_id == ShipmentRow.id)
        .where(ShipmentRow.id == shipment_id, ShipmentPartyRow.organisation_id == org_id)
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    return row
