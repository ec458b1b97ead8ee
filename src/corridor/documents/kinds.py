"""Typed schemas of the corridor's documents and who may issue each.

Field names follow the WCO Data Model and UN/CEFACT vocabularies where they have a name
(seller, buyer, consignor, consignee, declarant, office of departure, delivery terms,
transport equipment, seal). Every top-level field is a selective disclosure; list fields
(goods, equipment) disclose per element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

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


Disclosure = Literal["all"] | tuple[str, ...]
PROCEDURES = ("export", "transit", "import")


def N_(text: str) -> str:
    """Mark a kind's name for the translation catalogues (the doors translate it)."""
    return text


@dataclass(frozen=True)
class Kind:
    """Everything the corridor knows about one document kind, in one place: its name (the
    web UI's label, translated in the catalogues, and the paper copy's title), its schema
    (None: a file attached as evidence, never signed here), who may sign it, whether only a
    state's own authority may, whether the corridor computes it, the short code of the
    document numbers a form prefills, and what each customs procedure's authority receives
    of it (every procedure named; () = nothing)."""

    name: str
    issuers: frozenset[Role]
    disclosed: Mapping[str, Disclosure]
    schema: type[_Doc] | None = None
    sovereign: bool = False
    computed: bool = False
    abbreviation: str = ""


def _kind(
    name: str,
    issuers: set[Role],
    export: Disclosure = (),
    transit: Disclosure = (),
    import_: Disclosure = (),
    **more: Any,
) -> Kind:
    disclosed = {"export": export, "transit": transit, "import": import_}
    return Kind(name, frozenset(issuers), disclosed, **more)


_K = DocumentKind
_TRADERS = {Role.SHIPPER, Role.FORWARDER}
# Certificates of origin and licences are issued by state authorities; the customs role
# stands for them on the trust list.
_STATE = {Role.CUSTOMS}
_GOODS_AND_SEALS = ("document_number", "departure_station", "destination_station", "equipment")

KINDS: dict[DocumentKind, Kind] = {
    _K.COMMERCIAL_INVOICE: _kind(
        N_("commercial invoice"),
        _TRADERS,
        "all",
        (),
        "all",
        schema=CommercialInvoice,
        abbreviation="INV",
    ),
    _K.PACKING_LIST: _kind(
        N_("packing list"), _TRADERS, "all", (), "all", schema=PackingList, abbreviation="PL"
    ),
    _K.RAIL_CONSIGNMENT_NOTE: _kind(
        N_("rail consignment note (CIM/SMGS)"),
        {Role.CARRIER},
        (),
        _GOODS_AND_SEALS,
        (),
        schema=RailConsignmentNote,
        abbreviation="CIM",
    ),
    _K.FERRY_WAYBILL: _kind(
        N_("ferry waybill"), {Role.CARRIER}, schema=Waybill, abbreviation="FWB"
    ),
    _K.SEA_WAYBILL: _kind(N_("sea waybill"), {Role.CARRIER}, schema=Waybill, abbreviation="SWB"),
    _K.CERTIFICATE_OF_ORIGIN: _kind(
        N_("certificate of origin"),
        _STATE,
        "all",
        (),
        "all",
        schema=CertificateOfOrigin,
        sovereign=True,
        abbreviation="COO",
    ),
    _K.TRANSIT_DECLARATION: _kind(
        N_("transit declaration"),
        _TRADERS,
        "all",
        (
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
        "all",
        schema=TransitDeclaration,
        abbreviation="TD",
    ),
    _K.LICENCE: _kind(N_("licence"), _STATE, schema=Licence, sovereign=True, abbreviation="LIC"),
    _K.NUCLEAR_LICENCE: _kind(
        N_("nuclear licence"), _STATE, schema=Licence, sovereign=True, abbreviation="NLIC"
    ),
    _K.DUAL_USE_PERMIT: _kind(
        N_("dual-use permit"), _STATE, schema=Licence, sovereign=True, abbreviation="DUP"
    ),
    _K.INSPECTION_ACT: _kind(
        N_("inspection act"), {Role.CUSTOMS}, schema=InspectionAct, sovereign=True
    ),
    _K.CUSTOMS_RELEASE: _kind(
        N_("customs release"), {Role.CUSTOMS}, schema=CustomsRelease, sovereign=True
    ),
    _K.CUSTOMS_DECISION: _kind(
        N_("customs decision"), {Role.CUSTOMS}, schema=CustomsDecision, sovereign=True
    ),
    # Handed to the next leg's authority whole (a transit authority without goods values).
    _K.LEG_END: _kind(
        N_("proof of end of a customs leg"),
        {Role.CUSTOMS},
        "all",
        "all",
        "all",
        schema=LegEnd,
        sovereign=True,
    ),
    # Reported by whoever organises or performs the transport (ISO 14083 §13), or by the
    # shipper for its own cargo.
    _K.EMISSIONS_STATEMENT: _kind(
        N_("emissions statement"),
        {Role.SHIPPER, Role.FORWARDER, Role.CARRIER},
        schema=EmissionsStatement,
        computed=True,
    ),
    # Files attached as evidence: the readiness report names who attached each; none is
    # signed here, so none is sent to an authority as a signed document.
    _K.TRANSIT_GUARANTEE: _kind(N_("transit guarantee"), set()),
    _K.PHYTOSANITARY_CERTIFICATE: _kind(N_("phytosanitary certificate"), set()),
    _K.VETERINARY_CERTIFICATE: _kind(N_("veterinary certificate"), set()),
    _K.CBAM_AUTHORISATION: _kind(N_("authorised CBAM declarant status"), set()),
    _K.STEEL_INPUT_ORIGIN: _kind(N_("origin of iron and steel inputs (mill certificate)"), set()),
    _K.OTHER: _kind(N_("other document"), set()),
}


def _complete(kinds: Mapping[DocumentKind, Kind]) -> None:
    """Refuse, at import, a registry that leaves a kind out or gives one half a definition."""
    missing = [k.value for k in DocumentKind if k not in kinds]
    if missing:
        raise RuntimeError(f"document kinds without a registry entry: {', '.join(missing)}")
    for kind, spec in kinds.items():
        fields = set(spec.schema.model_fields) if spec.schema else set()
        if spec.schema is not None and not spec.issuers:
            raise RuntimeError(f"{kind.value}: a signed kind names who may sign it")
        if set(spec.disclosed) != set(PROCEDURES):
            raise RuntimeError(f"{kind.value}: disclosure must name every procedure")
        for procedure, wanted in spec.disclosed.items():
            unknown = set() if wanted == "all" else set(wanted) - fields
            if (wanted == "all" and spec.schema is None) or unknown:
                raise RuntimeError(f"{kind.value}: {procedure} discloses fields it does not have")


_complete(KINDS)

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
