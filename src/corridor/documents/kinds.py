"""Typed schemas of the corridor's documents and who may issue each.

Field names follow the WCO Data Model and UN/CEFACT vocabularies where they have a name
(seller, buyer, consignor, consignee, declarant, office of departure, delivery terms,
transport equipment, seal). Every top-level field is a selective disclosure; list fields
(goods, equipment) disclose per element.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from corridor.model import DocumentKind, Role
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


SCHEMAS: dict[DocumentKind, type[_Doc]] = {
    DocumentKind.COMMERCIAL_INVOICE: CommercialInvoice,
    DocumentKind.PACKING_LIST: PackingList,
    DocumentKind.RAIL_CONSIGNMENT_NOTE: RailConsignmentNote,
    DocumentKind.FERRY_WAYBILL: Waybill,
    DocumentKind.SEA_WAYBILL: Waybill,
    DocumentKind.CERTIFICATE_OF_ORIGIN: CertificateOfOrigin,
    DocumentKind.TRANSIT_DECLARATION: TransitDeclaration,
    DocumentKind.LICENCE: Licence,
    DocumentKind.NUCLEAR_LICENCE: Licence,
    DocumentKind.DUAL_USE_PERMIT: Licence,
    DocumentKind.INSPECTION_ACT: InspectionAct,
    DocumentKind.CUSTOMS_RELEASE: CustomsRelease,
    DocumentKind.EMISSIONS_STATEMENT: EmissionsStatement,
}

# Who may sign each kind. Certificates of origin and licences are issued by state
# authorities; the customs role stands for them on the trust list.
ISSUER_ROLES: dict[DocumentKind, frozenset[Role]] = {
    DocumentKind.COMMERCIAL_INVOICE: frozenset({Role.SHIPPER, Role.FORWARDER}),
    DocumentKind.PACKING_LIST: frozenset({Role.SHIPPER, Role.FORWARDER}),
    DocumentKind.RAIL_CONSIGNMENT_NOTE: frozenset({Role.CARRIER}),
    DocumentKind.FERRY_WAYBILL: frozenset({Role.CARRIER}),
    DocumentKind.SEA_WAYBILL: frozenset({Role.CARRIER}),
    DocumentKind.CERTIFICATE_OF_ORIGIN: frozenset({Role.CUSTOMS}),
    DocumentKind.TRANSIT_DECLARATION: frozenset({Role.SHIPPER, Role.FORWARDER}),
    DocumentKind.LICENCE: frozenset({Role.CUSTOMS}),
    DocumentKind.NUCLEAR_LICENCE: frozenset({Role.CUSTOMS}),
    DocumentKind.DUAL_USE_PERMIT: frozenset({Role.CUSTOMS}),
    DocumentKind.INSPECTION_ACT: frozenset({Role.CUSTOMS}),
    DocumentKind.CUSTOMS_RELEASE: frozenset({Role.CUSTOMS}),
    # Reported by whoever organises or performs the transport (ISO 14083 §13), or by the
    # shipper for its own cargo.
    DocumentKind.EMISSIONS_STATEMENT: frozenset({Role.SHIPPER, Role.FORWARDER, Role.CARRIER}),
}

# Kinds the corridor computes from a shipment's route and events rather than a form.
COMPUTED = frozenset({DocumentKind.EMISSIONS_STATEMENT})

# Decisions of a state: they count only when signed by that country's own authority.
SOVEREIGN = frozenset(
    {
        DocumentKind.CUSTOMS_RELEASE,
        DocumentKind.INSPECTION_ACT,
        DocumentKind.LICENCE,
        DocumentKind.NUCLEAR_LICENCE,
        DocumentKind.DUAL_USE_PERMIT,
        DocumentKind.CERTIFICATE_OF_ORIGIN,
    }
)
