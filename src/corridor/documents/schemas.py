"""Typed schemas of the corridor's documents: the fields each kind carries.

Field names follow the WCO Data Model and UN/CEFACT vocabularies where they have a name
(seller, buyer, consignor, consignee, declarant, office of departure, delivery terms,
transport equipment, seal). Every top-level field is a selective disclosure; list fields
(goods, equipment) disclose per element.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    model_config = _STRICT

    document_number: str = Field(min_length=1, max_length=64)
    issue_date: date


class CommercialInvoice(_Doc):
    """Commercial invoice."""

    seller: Party
    buyer: Party
    delivery_terms: str = Field(pattern=r"^(EXW|FCA|CPT|CIP|DAP|DPU|DDP|FAS|FOB|CFR|CIF)( .+)?$")
    invoice_currency: CurrencyCode
    total_amount: Decimal = Field(gt=0)
    goods: list[GoodsLine] = Field(min_length=1)


class PackingList(_Doc):
    """Packing list."""

    consignor: Party
    consignee: Party
    goods: list[GoodsLine] = Field(min_length=1)
    equipment: list[Equipment] = Field(default_factory=list)


class RailConsignmentNote(_Doc):
    """CIM/SMGS rail consignment note."""

    consignor: Party
    consignee: Party
    carrier: Party
    departure_station: str
    destination_station: str
    goods: list[GoodsLine] = Field(min_length=1)
    equipment: list[Equipment] = Field(default_factory=list)


class Waybill(_Doc):
    """Ferry or sea waybill."""

    carrier: Party
    shipper: Party
    consignee: Party
    vessel_name: str
    port_of_loading: str
    port_of_discharge: str
    equipment: list[Equipment] = Field(min_length=1)
    goods: list[GoodsLine] = Field(min_length=1)


class CertificateOfOrigin(_Doc):
    """Certificate of origin."""

    exporter: Party
    consignee: Party
    country_of_origin: CountryCode
    goods: list[GoodsLine] = Field(min_length=1)


class TransitDeclaration(_Doc):
    """Transit declaration (the document number is the MRN)."""

    declarant: Party
    office_of_departure: str
    office_of_destination: str
    countries_of_routing: list[CountryCode] = Field(min_length=1)
    guarantee_reference: str | None = None
    # The amount the guarantee must cover, as the holder declares it (NCTS
    # GuaranteeReference/amountToBeCovered): a transit authority sees no goods values.
    amount_to_be_covered: Decimal | None = Field(default=None, gt=0)
    guarantee_currency: CurrencyCode | None = None
    goods: list[GoodsLine] = Field(min_length=1)
    equipment: list[Equipment] = Field(default_factory=list)


class Licence(_Doc):
    """Licence or permit for controlled goods."""

    holder: Party
    licence_type: Literal["nuclear", "dual_use", "other"]
    valid_until: date
    procedures: list[Literal["export", "transit", "import"]] = Field(min_length=1)
    goods: list[GoodsLine] = Field(min_length=1)


class InspectionAct(_Doc):
    """Record of a customs inspection."""

    office: str
    equipment: list[Equipment] = Field(min_length=1)
    result: Literal["no_findings", "findings"]
    findings: str | None = None


class CustomsRelease(_Doc):
    """A customs decision releasing the goods."""

    office: str
    decision: Literal["release", "release_with_conditions"]
    procedure: Literal["export", "transit", "import"]


class CustomsDecision(_Doc):
    """A customs decision other than a release or an inspection, as the trader reads it."""

    office: str
    procedure: Literal["export", "transit", "import"]
    action: Literal[
        "documentary_passed", "documentary_failed", "hold", "request_information", "not_released"
    ]
    instructions: str = Field(min_length=1, max_length=1000)


class SealedEquipment(BaseModel):
    """A container as it left a leg: its seal and who affixed the seal."""

    model_config = _STRICT

    number: ContainerNumber
    seal: str | None = Field(default=None, max_length=32)
    sealed_by: str | None = Field(default=None, max_length=64)


class LegEnd(_Doc):
    """An authority's proof that its leg ended: where and when, under which seals, with
    which goods, the declaration it ended, and any incident or reservation."""

    office: str = Field(min_length=1, max_length=64)
    # The leg's country is the signing authority's (the document's own `country` claim).
    regime: str = Field(pattern=r"^[a-z0-9-]{2,32}$")
    next_country: CountryCode | None = None
    leg: int = Field(ge=0, le=20)
    declaration_reference: str = Field(min_length=1, max_length=64)
    ended_at: datetime
    seals_intact: bool
    equipment: list[SealedEquipment] = Field(min_length=1)
    goods: list[GoodsLine] = Field(default_factory=list)
    reservation: str | None = Field(default=None, max_length=500)


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


class EmissionsStatement(_Doc):
    """A shipment's transport chain GHG emissions in kg CO2e, well-to-wheel and
    tank-to-wheel; the totals are the sums of the elements."""

    standard: str = Field(min_length=1, max_length=80)
    framework: str = Field(min_length=1, max_length=80)
    basis: Literal["planned", "travelled", "travelled and planned"]
    cargo_t: Decimal = Field(gt=0)
    teu: Decimal = Field(ge=0)
    wtw_kg: Decimal = Field(ge=0)
    ttw_kg: Decimal = Field(ge=0)
    elements: list[EmissionsElement] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _totals_add_up(self) -> EmissionsStatement:
        wtw = sum((e.wtw_kg for e in self.elements), Decimal(0))
        ttw = sum((e.ttw_kg for e in self.elements if e.ttw_kg is not None), Decimal(0))
        if (wtw, ttw) != (self.wtw_kg, self.ttw_kg):
            raise ValueError(
                f"the totals ({self.wtw_kg} kg well-to-wheel, {self.ttw_kg} kg tank-to-wheel) "
                f"are not the sums of the elements ({wtw} kg, {ttw} kg)"
            )
        return self
