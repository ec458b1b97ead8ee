"""NCTS Phase 5 messages of a transit movement, as XML that validates against the official
schemas shipped in `xsd/` (validated on every export: a message that does not validate is
never written).

Code list values used (NCTS-P5 DDNTA appendix; the schemas check only their shape):
declaration type T1; additional declaration type A (standard) or D (pre-lodged); security
0 (no safety and security data); guarantee type 1 (comprehensive guarantee); control
notification 0 (decision to control) or 2 (intention to control, AEO pre-lodged); location
type A (designated location) identified by the customs office (qualifier V). The codes for
"no release" motivation, invalid guarantee reason and release indicator are marked
UNCONFIRMED below: their shapes are the schema's, their values are not checked against the
published code lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from lxml import etree

from corridor.exceptions import InvalidInput

NS = "http://ncts.dgtaxud.ec"
PHASE = "NCTS5.0"
MESSAGES = (
    "CC015C",
    "CC928C",
    "CC028C",
    "CC029C",
    "CC051C",
    "CC055C",
    "CC060C",
    "CC007C",
    "CC043C",
    "CC025C",
    "CC045C",
    "CC019C",
)
# Code values whose meaning is not confirmed against the published code lists.
UNCONFIRMED = {
    "no_release_motivation": "99",
    "invalid_guarantee_reason": "G02",
    "release_indicator": "1",
    "discrepancy_motivation": "1",
}

Spec = Sequence[tuple[str, "str | Spec | None"]]


@dataclass(frozen=True)
class Trader:
    """A party named in a message."""

    identification: str | None
    name: str | None
    country: str | None = None


@dataclass(frozen=True)
class Item:
    """One goods line."""

    description: str
    hs_code: str
    gross_kg: Decimal
    packages: int | None = None
    package_type: str = "PK"


@dataclass(frozen=True)
class Movement:
    """What the messages of one transit movement say."""

    lrn: str
    declared_at: datetime
    departure: str
    destination: str
    holder: Trader
    grn: str | None
    amount: Decimal
    currency: str
    items: list[Item]
    transit_offices: list[str] = field(default_factory=list)
    containers: list[tuple[str, str | None]] = field(default_factory=list)
    routing: list[str] = field(default_factory=list)
    dispatch_country: str | None = None
    destination_country: str | None = None
    mrn: str | None = None
    pre_lodged: bool = False


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def _mass(kg: Decimal) -> str:
    return f"{kg.quantize(Decimal('0.001'))}"


def _build(parent: etree._Element, spec: Spec) -> None:
    for name, value in spec:
        if value is None:
            continue
        child = etree.SubElement(parent, name)
        if isinstance(value, str):
            child.text = value
        else:
            _build(child, value)


def message(kind: str, sender: str, recipient: str, at: datetime, body: Spec) -> bytes:
    root = etree.Element(etree.QName(NS, kind), nsmap={"ncts": NS}, PhaseID=PHASE)
    ident = f"{kind}{at.astimezone(UTC):%Y%m%d%H%M%S}"
    _build(
        root,
        [
            ("messageSender", sender[:35]),
            ("messageRecipient", recipient[:35]),
            ("preparationDateAndTime", stamp(at)),
            ("messageIdentification", ident[:35]),
            ("messageType", kind),
            *body,
        ],
    )
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate(kind, xml)
    return xml


@cache
def schema(kind: str) -> etree.XMLSchema:
    """The official schema of one message (parsed once)."""
    folder = Path(str(resources.files("corridor.customs").joinpath("xsd")))
    return etree.XMLSchema(etree.parse(str(folder / f"{kind.lower()}.xsd")))


def validate(kind: str, xml: bytes) -> None:
    """InvalidInput listing the schema's complaints, unless `xml` is a valid `kind`."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(xml, parser)
    s = schema(kind)
    if not s.validate(doc):
        # One line per problem (the error log's text is "file:line:col:...: message").
        lines = str(s.error_log).splitlines()[:5]
        errors = "; ".join(line.split(":ERROR:", 1)[-1].strip() for line in lines)
        raise InvalidInput(f"{kind} does not validate against the NCTS schema: {errors}")


def holder(t: Trader) -> Spec:
    return [("identificationNumber", t.identification), ("name", t.name)]


def office(ref: str) -> Spec:
    return [("referenceNumber", ref)]


def needs_mrn(m: Movement) -> str:
    if m.mrn is None:
        raise InvalidInput(f"movement {m.lrn} has no MRN yet; it is allocated on acceptance")
    return m.mrn


def consignment(m: Movement, *, release: bool) -> Spec:
    total = sum((i.gross_kg for i in m.items), Decimal(0))
    items: list[tuple[str, Spec]] = []
    for n, item in enumerate(m.items, start=1):
        commodity: Spec = [
            ("descriptionOfGoods", item.description[:512]),
            ("CommodityCode", [("harmonizedSystemSubHeadingCode", item.hs_code[:6])]),
            ("GoodsMeasure", [("grossMass", _mass(item.gross_kg))]),
        ]
        packaging: Spec = [
            ("sequenceNumber", "1"),
            ("typeOfPackages", item.package_type[:2]),
            ("numberOfPackages", str(item.packages) if item.packages else None),
        ]
        items.append(
            (
                "ConsignmentItem",
                [
                    ("goodsItemNumber", str(n)),
                    ("declarationGoodsItemNumber", str(n)),
                    ("Commodity", commodity),
                    ("Packaging", packaging),
                ],
            )
        )
    equipment: list[tuple[str, Spec]] = []
    for n, (number, seal) in enumerate(m.containers, start=1):
        seals: Spec = [("Seal", [("sequenceNumber", "1"), ("identifier", seal)])] if seal else []
        equipment.append(
            (
                "TransportEquipment",
                [
                    ("sequenceNumber", str(n)),
                    ("containerIdentificationNumber", number),
                    ("numberOfSeals", "1" if seal else "0"),
                    *seals,
                ],
            )
        )
    routing: list[tuple[str, Spec]] = [
        ("CountryOfRoutingOfConsignment", [("sequenceNumber", str(n)), ("country", c)])
        for n, c in enumerate(m.routing, start=1)
    ]
    return [
        ("countryOfDispatch", m.dispatch_country),
        ("countryOfDestination", m.destination_country),
        ("containerIndicator", "1" if m.containers else "0"),
        ("inlandModeOfTransport", "2"),  # rail
        ("grossMass", _mass(total)),
        *equipment,
        *routing,
        ("PlaceOfLoading", [("country", m.dispatch_country)]) if release else ("", None),
        ("HouseConsignment", [("sequenceNumber", "1"), ("grossMass", _mass(total)), *items]),
    ]


def guarantee(m: Movement) -> Spec:
    return [
        ("sequenceNumber", "1"),
        ("guaranteeType", "1"),
        (
            "GuaranteeReference",
            [
                ("sequenceNumber", "1"),
                ("GRN", m.grn),
                ("amountToBeCovered", f"{m.amount:.2f}"),
                ("currency", m.currency),
            ],
        ),
    ]


@dataclass(frozen=True)
class CustomsOffice:
    """A customs office: its reference number, name, country and place on the network."""

    reference: str
    name: str
    country: str
    node: str | None = None


@cache
def offices() -> dict[str, CustomsOffice]:
    """The corridor's customs offices by name (see offices.yaml: the codes are unconfirmed)."""
    text = resources.files("corridor.customs").joinpath("offices.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    return {
        o["name"]: CustomsOffice(o["reference"], o["name"], o["country"], o.get("node"))
        for o in raw["offices"]
    }


def office_reference(name: str) -> str:
    """The reference number of an office named on a declaration, or InvalidInput."""
    found = offices().get(name)
    if found is None:
        known = ", ".join(sorted(offices()))
        raise InvalidInput(f"customs office {name!r} is not known; known offices: {known}")
    return found.reference


def office_node(reference: str) -> str | None:
    """The network node where the office with this reference number is."""
    return next((o.node for o in offices().values() if o.reference == reference), None)


def office_in(country: str) -> str | None:
    """The first known office of a country (an office of transit on the route)."""
    for o in offices().values():
        if o.country == country:
            return o.reference
    return None
