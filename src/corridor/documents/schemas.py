"""The building blocks of the corridor's document schemas (each kind's own schema is in
`kinds`, beside its registry entry): parties, goods lines, equipment and seals, the fields
every document has.

Field names follow the WCO Data Model and UN/CEFACT vocabularies where they have a name
(seller, buyer, consignor, consignee, declarant, office of departure, delivery terms,
transport equipment, seal). Every top-level field is a selective disclosure; list fields
(goods, equipment) disclose per element.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from corridor.model.codes import ContainerNumber, CountryCode, CurrencyCode, HSCode

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Party(BaseModel):
    """A trader or authority named on a document."""

    model_config = _STRICT

    name: str = Field(min_length=1, max_length=200)
    country: CountryCode
    tax_id: str | None = Field(default=None, max_length=32)


class GoodsLine(BaseModel):
    """One goods line (WCO GovernmentAgencyGoodsItem)."""

    model_config = _STRICT

    sequence: int = Field(ge=1)
    hs_code: HSCode
    description: str = Field(min_length=3, max_length=512)
    packages: int | None = Field(default=None, ge=1)
    gross_kg: Decimal | None = Field(default=None, gt=0)
    net_kg: Decimal | None = Field(default=None, gt=0)
    value: Decimal | None = Field(default=None, gt=0)
    currency: CurrencyCode | None = None
    origin_country: CountryCode | None = None


class Equipment(BaseModel):
    """Transport equipment (container) with its seal."""

    model_config = _STRICT

    number: ContainerNumber
    seal: str | None = Field(default=None, max_length=32)


class _Doc(BaseModel):
    """The fields every signed document has."""

    model_config = _STRICT

    document_number: str = Field(min_length=1, max_length=64)
    issue_date: date


class SealedEquipment(BaseModel):
    """A container as it left a leg: its seal and who affixed the seal."""

    model_config = _STRICT

    number: ContainerNumber
    seal: str | None = Field(default=None, max_length=32)
    sealed_by: str | None = Field(default=None, max_length=64)


class EmissionsElement(BaseModel):
    """One transport chain element (ISO 14083): a leg by one mode, or a hub."""

    model_config = _STRICT

    kind: Literal["leg", "hub"]
    place: str = Field(min_length=1, max_length=80)
    mode: str = Field(min_length=1, max_length=40)
    activity: Decimal = Field(ge=0)
    activity_unit: str = Field(min_length=1, max_length=16)
    wtw_kg: Decimal = Field(ge=0)
    ttw_kg: Decimal | None = Field(default=None, ge=0)
    # The factor's key in the factor file (its GLEC version, table and page are there).
    factor: str = Field(min_length=1, max_length=60)
