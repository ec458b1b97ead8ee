"""The registry of document kinds: one entry per kind holds everything the corridor knows
about it (its name, schema, who may sign it, whether only a state may, what each customs
authority receives of it, the code of its document numbers). Adding a kind is one entry
here, its schema in `schemas`, its rules in a pack and its name in the catalogues; the
registry refuses, at import, a kind left out or half defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from corridor.documents.schemas import (
    CertificateOfOrigin,
    CommercialInvoice,
    CustomsDecision,
    CustomsRelease,
    EmissionsStatement,
    InspectionAct,
    LegEnd,
    Licence,
    PackingList,
    RailConsignmentNote,
    TransitDeclaration,
    Waybill,
    _Doc,
)
from corridor.model import DocumentKind, Role

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
