"""Domain types of the corridor (pydantic v2, no I/O)."""

from corridor.model.codes import PlanningDate
from corridor.model.documents import DocumentKind
from corridor.model.parties import Officer, OfficerRole, Organisation, Role
from corridor.model.shipment import (
    Container,
    GoodsItem,
    Money,
    RoutePreference,
    RouteRequest,
    ShipmentDraft,
    Wagon,
)

__all__ = [
    "Container",
    "DocumentKind",
    "GoodsItem",
    "Money",
    "Officer",
    "OfficerRole",
    "Organisation",
    "PlanningDate",
    "Role",
    "RoutePreference",
    "RouteRequest",
    "ShipmentDraft",
    "Wagon",
]
