"""Shipments: who sends what, in which equipment, along which route."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from corridor.messages import refusal
from corridor.model.codes import (
    NODE_ID,
    ORG_ID,
    ContainerNumber,
    CountryCode,
    CurrencyCode,
    HSCode,
    PlanningDate,
    WagonNumber,
)
from corridor.model.equipment import overload

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


_KG = (
    r"^(100000000(\.0{1,3})?|[1-9][0-9]{0,7}(\.[0-9]{1,3})?"
    r"|0\.([1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
)

# A container's own masses (tare, maximum gross): kilograms up to 99,999.999.
_BOX_KG = r"^[1-9][0-9]{0,4}(\.[0-9]{1,3})?$"
_BOX_KG_MAX = Decimal("99999.999")


def _decimal_text(pattern: str, example: str, what: str) -> WithJsonSchema:
    """A decimal as the API writes it: a string of digits (exact, unlike a JSON number),
    read and written alike, so one schema serves both directions."""
    return WithJsonSchema(
        {"type": "string", "pattern": pattern, "examples": [example], "description": what}
    )


# A container's own mass (its tare, its maximum gross), as marked on it.
BoxKg = Annotated[
    Decimal,
    Field(gt=0, le=_BOX_KG_MAX, decimal_places=3),
    _decimal_text(_BOX_KG, "30480", "kilograms as marked on the box, up to 99,999.999"),
]


class Money(BaseModel):
    """An amount in an ISO 4217 currency."""

    model_config = _STRICT

    amount: Annotated[
        Decimal,
        Field(gt=0, max_digits=18, decimal_places=2),
        _decimal_text(
            r"^([1-9][0-9]{0,15}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$",
            "184000.00",
            "more than 0, two decimals",
        ),
    ]
    currency: CurrencyCode


class GoodsItem(BaseModel):
    """One line of goods (WCO: GoodsShipment/GovernmentAgencyGoodsItem)."""

    model_config = _STRICT

    hs_code: HSCode = Field(description="6-digit HS subheading", examples=["720241"])
    description: str = Field(min_length=3, max_length=512)
    packages: int = Field(ge=1, le=1_000_000, description="Number of packages")
    package_type: str = Field(
        default="PK", min_length=2, max_length=2, description="UN/ECE Rec. 21 code, e.g. 'BG'"
    )
    gross_kg: Annotated[
        Decimal,
        Field(gt=0, le=Decimal("100000000"), decimal_places=3),
        _decimal_text(_KG, "60600.000", "kilograms, more than 0, up to 100,000,000"),
    ]
    net_kg: Annotated[
        Decimal,
        Field(gt=0, le=Decimal("100000000"), decimal_places=3),
        _decimal_text(_KG, "60000.000", "kilograms, more than 0, up to 100,000,000"),
    ]
    value: Money
    origin_country: CountryCode

    @model_validator(mode="after")
    def _net_not_above_gross(self) -> GoodsItem:
        if self.net_kg > self.gross_kg:
            raise refusal("net_above_gross", net=str(self.net_kg), gross=str(self.gross_kg))
        return self


class Container(BaseModel):
    """A container identified by its ISO 6346 number."""

    model_config = _STRICT

    number: ContainerNumber
    size_type: str = Field(
        default="42G1", pattern=r"^[0-9A-Z]{4}$", description="ISO 6346 size-type code"
    )
    seal: str | None = Field(default=None, max_length=32)
    tare_kg: BoxKg | None = Field(
        default=None,
        description="The box's tare as marked on it; a typical tare for its size if not given",
    )
    max_gross_kg: BoxKg | None = Field(
        default=None,
        description="The maximum gross mass on the box's CSC safety-approval plate; the ISO 668 "
        "rating for its size if not given",
    )


class Wagon(BaseModel):
    """A railway wagon carrying goods without a container."""

    model_config = _STRICT

    number: WagonNumber
    seal: str | None = Field(default=None, max_length=32)


class RoutePreference(StrEnum):
    """How to choose among routes between two nodes."""

    FASTEST = "fastest"
    SHORTEST = "shortest"


class RouteRequest(BaseModel):
    """Where a shipment goes: network node ids and an optimisation preference."""

    model_config = _STRICT

    origin: str = Field(min_length=1, max_length=64, examples=["dostyk"], json_schema_extra=NODE_ID)
    destination: str = Field(
        min_length=1, max_length=64, examples=["constanta"], json_schema_extra=NODE_ID
    )
    prefer: RoutePreference = RoutePreference.FASTEST
    via: list[Annotated[str, Field(json_schema_extra=NODE_ID)]] = Field(
        default_factory=list, max_length=10, description="Nodes to pass through, in order"
    )


class ShipmentDraft(BaseModel):
    """What a shipper submits. Parties are organisation ids registered on the node."""

    model_config = _STRICT

    reference: str = Field(min_length=1, max_length=64, description="Shipper's own reference")
    consignor: str = Field(min_length=1, max_length=64, json_schema_extra=ORG_ID)
    consignee: str = Field(min_length=1, max_length=64, json_schema_extra=ORG_ID)
    forwarder: str | None = Field(default=None, max_length=64, json_schema_extra=ORG_ID)
    carriers: list[Annotated[str, Field(json_schema_extra=ORG_ID)]] = Field(
        default_factory=list, max_length=20
    )
    goods: list[GoodsItem] = Field(min_length=1, max_length=999)
    containers: list[Container] = Field(default_factory=list, max_length=500)
    wagons: list[Wagon] = Field(default_factory=list, max_length=500)
    route: RouteRequest
    departure: PlanningDate | None = Field(default=None, description="Planned departure date")
    destination_country: CountryCode | None = None

    @model_validator(mode="after")
    def _check_equipment(self) -> ShipmentDraft:
        if not self.containers and not self.wagons:
            raise refusal("no_equipment")
        numbers = [c.number for c in self.containers] + [w.number for w in self.wagons]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            raise refusal("equipment_twice", numbers=", ".join(duplicates))
        if self.consignor == self.consignee:
            raise refusal("same_parties")
        if not self.wagons:
            # Goods that travel in containers alone must fit in them.
            why = overload(sum((g.gross_kg for g in self.goods), Decimal(0)), self.containers)
            if why:
                raise refusal("goods_overweight", **why)
        return self

    def party_ids(self) -> set[str]:
        """Every organisation named on the shipment."""
        ids = {self.consignor, self.consignee, *self.carriers}
        if self.forwarder:
            ids.add(self.forwarder)
        return ids
