"""Domain types of the corridor (pydantic v2, no I/O)."""

from corridor.model.documents import DocumentKind
from corridor.model.parties import Organisation, Role
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
    "Organisation",
    "Role",
    "RoutePreference",
    "RouteRequest",
    "ShipmentDraft",
    "Wagon",
]
