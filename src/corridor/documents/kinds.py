"""The document kinds: each kind's schema (the fields it carries) beside its registry entry
(`registry.signed`: its name, who may sign it, whether only a state may, what each customs
authority receives of it, the code of its document numbers), and the kinds attached as
evidence. Adding a kind is its member in `DocumentKind`, its entry here, its rules in a
pack and its name in the catalogues; the registry refuses, at import, a kind left out or
half defined.

Field names follow the WCO Data Model and UN/CEFACT vocabularies where they have a name
(seller, buyer, consignor, consignee, declarant, office of departure, delivery terms,
transport equipment, seal). Every top-level field is a selective disclosure; list fields
(goods, equipment) disclose per element.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from corridor.documents.registry import (
    KINDS,
    N_,
    PROCEDURES,
    Disclosure,
    Kind,
    complete,
    evidence,
    signed,
)
from corridor.documents.schemas import (
    EmissionsElement,
    Equipment,
    GoodsLine,
    Party,
    SealedEquipment,
    _Doc,
)
from corridor.model import DocumentKind, Role
from corridor.model.codes import CountryCode, CurrencyCode

__all__ = [
    "COMPUTED",
    "ISSUER_ROLES",
    "KINDS",
    "N_",
    "PROCEDURES",
    "SCHEMAS",
    "SOVEREIGN",
    "Disclosure",
    "Kind",
]

_K = DocumentKind
_TRADERS = {Role.SHIPPER, Role.FORWARDER}
# Certificates of origin and licences are issued by state authorities; the customs role
# stands for them on the trust list.
_STATE = {Role.CUSTOMS}
_GOODS_AND_SEALS = ("document_number", "departure_station", "destination_station", "equipment")


@signed(
    _K.COMMERCIAL_INVOICE,
    N_("commercial invoice"),
    _TRADERS,
    export="all",
    import_="all",
    abbreviation="INV",
)
class CommercialInvoice(_Doc):
    """Commercial invoice."""

    seller: Party
    buyer: Party
    delivery_terms: str = Field(pattern=r"^(EXW|FCA|CPT|CIP|DAP|DPU|DDP|FAS|FOB|CFR|CIF)( .+)?$")
    invoice_currency: CurrencyCode
    total_amount: Decimal = Field(gt=0)
    goods: list[GoodsLine] = Field(min_length=1)


@signed(
    _K.PACKING_LIST, N_("packing list"), _TRADERS, export="all", import_="all", abbreviation="PL"
)
class PackingList(_Doc):
    """Packing list."""

    consignor: Party
    consignee: Party
    goods: list[GoodsLine] = Field(min_length=1)
    equipment: list[Equipment] = Field(default_factory=list)


@signed(
    _K.RAIL_CONSIGNMENT_NOTE,
    N_("rail consignment note (CIM/SMGS)"),
    {Role.CARRIER},
    transit=_GOODS_AND_SEALS,
    abbreviation="CIM",
)
class RailConsignmentNote(_Doc):
    """CIM/SMGS rail consignment note."""

    consignor: Party
    consignee: Party
    carrier: Party
    departure_station: str
    destination_station: str
    goods: list[GoodsLine] = Field(min_length=1)
    equipment: list[Equipment] = Field(default_factory=list)


# Decorators register bottom-up: the ferry waybill first.
@signed(_K.SEA_WAYBILL, N_("sea waybill"), {Role.CARRIER}, abbreviation="SWB")
@signed(_K.FERRY_WAYBILL, N_("ferry waybill"), {Role.CARRIER}, abbreviation="FWB")
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


@signed(
    _K.CERTIFICATE_OF_ORIGIN,
    N_("certificate of origin"),
    _STATE,
    export="all",
    import_="all",
    sovereign=True,
    abbreviation="COO",
)
class CertificateOfOrigin(_Doc):
    """Certificate of origin."""

    exporter: Party
    consignee: Party
    country_of_origin: CountryCode
    goods: list[GoodsLine] = Field(min_length=1)


@signed(
    _K.TRANSIT_DECLARATION,
    N_("transit declaration"),
    _TRADERS,
    export="all",
    transit=(
        "document_number",
        "office_of_departure",
        "office_of_destination",
        "countries_of_routing",
        "guarantee_reference",
        "amount_to_be_covered",
        "guarantee_currency",
        "goods",
        "equipment",
    ),
    import_="all",
    abbreviation="TD",
)
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


@signed(_K.DUAL_USE_PERMIT, N_("dual-use permit"), _STATE, sovereign=True, abbreviation="DUP")
@signed(_K.NUCLEAR_LICENCE, N_("nuclear licence"), _STATE, sovereign=True, abbreviation="NLIC")
@signed(_K.LICENCE, N_("licence"), _STATE, sovereign=True, abbreviation="LIC")
class Licence(_Doc):
    """Licence or permit for controlled goods."""

    holder: Party
    licence_type: Literal["nuclear", "dual_use", "other"]
    valid_until: date
    procedures: list[Literal["export", "transit", "import"]] = Field(min_length=1)
    goods: list[GoodsLine] = Field(min_length=1)


@signed(_K.INSPECTION_ACT, N_("inspection act"), {Role.CUSTOMS}, sovereign=True)
class InspectionAct(_Doc):
    """Record of a customs inspection."""

    office: str
    equipment: list[Equipment] = Field(min_length=1)
    result: Literal["no_findings", "findings"]
    findings: str | None = None


@signed(_K.CUSTOMS_RELEASE, N_("customs release"), {Role.CUSTOMS}, sovereign=True)
class CustomsRelease(_Doc):
    """A customs decision releasing the goods."""

    office: str
    decision: Literal["release", "release_with_conditions"]
    procedure: Literal["export", "transit", "import"]


@signed(_K.CUSTOMS_DECISION, N_("customs decision"), {Role.CUSTOMS}, sovereign=True)
class CustomsDecision(_Doc):
    """A customs decision other than a release or an inspection, as the trader reads it."""

    office: str
    procedure: Literal["export", "transit", "import"]
    action: Literal[
        "documentary_passed", "documentary_failed", "hold", "request_information", "not_released"
    ]
    instructions: str = Field(min_length=1, max_length=1000)


# Handed to the next leg's authority whole (a transit authority without goods values).
@signed(
    _K.LEG_END,
    N_("proof of end of a customs leg"),
    {Role.CUSTOMS},
    export="all",
    transit="all",
    import_="all",
    sovereign=True,
)
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


# Reported by whoever organises or performs the transport (ISO 14083 §13), or by the
# shipper for its own cargo.
@signed(
    _K.EMISSIONS_STATEMENT,
    N_("emissions statement"),
    {Role.SHIPPER, Role.FORWARDER, Role.CARRIER},
    computed=True,
)
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


# Files attached as evidence: none is signed here, so none is sent to an authority as a
# signed document, and the readiness report marks each unverified and names who attached
# it. Each counts only when attached by a role that provides it: the holder of the transit
# procedure (a customs representative, or the principal itself) lodges the guarantee
# (UCC Art. 89, CTC Convention Annex I Art. 10); the exporter obtains the phytosanitary and
# veterinary certificates from its country's authorities (IPPC Art. V, WOAH Terrestrial Code
# ch. 5.2); the importer or its indirect representative is the authorised CBAM declarant
# (Reg. 2023/956 Art. 5); the steel's producer or exporter issues the mill certificate
# (EN 10204). An "other" file is anyone's, and no rule asks for it.
_PARTIES = {Role.SHIPPER, Role.CONSIGNEE, Role.FORWARDER, Role.CARRIER, Role.PORT}
evidence(_K.TRANSIT_GUARANTEE, N_("transit guarantee"), {Role.FORWARDER, Role.SHIPPER})
evidence(
    _K.PHYTOSANITARY_CERTIFICATE,
    N_("phytosanitary certificate"),
    {Role.SHIPPER, Role.FORWARDER},
)
evidence(_K.VETERINARY_CERTIFICATE, N_("veterinary certificate"), {Role.SHIPPER, Role.FORWARDER})
evidence(
    _K.CBAM_AUTHORISATION,
    N_("authorised CBAM declarant status"),
    {Role.CONSIGNEE, Role.FORWARDER},
)
evidence(
    _K.STEEL_INPUT_ORIGIN,
    N_("origin of iron and steel inputs (mill certificate)"),
    {Role.SHIPPER},
)
evidence(_K.OTHER, N_("other document"), _PARTIES)

complete(KINDS)

# Views of the registry by use.
SCHEMAS: dict[DocumentKind, type[_Doc]] = {
    k: spec.schema for k, spec in KINDS.items() if spec.schema is not None
}
ISSUER_ROLES: dict[DocumentKind, frozenset[Role]] = {
    k: spec.issuers for k, spec in KINDS.items() if spec.schema is not None
}
COMPUTED = frozenset(k for k, spec in KINDS.items() if spec.computed)
# Decisions of a state: they count only when signed by that country's own authority.
SOVEREIGN = frozenset(k for k, spec in KINDS.items() if spec.sovereign)
