"""The demo corridor's data: its organisations along Dostyk -> Aktau -> Baku -> Poti ->
Constanța, its ferro-alloy shipment and the fields of that shipment's papers.

Names are fictional; they use Kazakh, Azerbaijani, Georgian, Turkish and Romanian letters on
purpose, so every layer is exercised with them.

Everything the demo walks with is one `Story`; `DEMO` is the one `make run` shows. A test
suite, a training node or another corridor passes a story of its own to the demo's
functions, so its input does not change when the demo's does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from corridor.customs.references import new_grn
from corridor.model import DocumentKind, Organisation, ShipmentDraft

if TYPE_CHECKING:
    from corridor.services.shipments import Shipment

OPERATOR = Organisation(
    id="node-operator", name="Corridor node operator", country="KZ", role="operator"
)
ORGANISATIONS: tuple[Organisation, ...] = (
    OPERATOR,
    Organisation(
        id="kz-customs",
        name="Мемлекеттік кірістер комитеті (KZ customs)",
        country="KZ",
        role="customs",
    ),
    Organisation(
        id="az-customs", name="Dövlət Gömrük Komitəsi (AZ customs)", country="AZ", role="customs"
    ),
    Organisation(
        id="ge-customs", name="შემოსავლების სამსახური (GE customs)", country="GE", role="customs"
    ),
    Organisation(
        id="tr-customs", name="Gümrükler Genel Müdürlüğü (TR customs)", country="TR", role="customs"
    ),
    Organisation(
        id="ro-customs", name="Autoritatea Vamală Română (RO customs)", country="RO", role="customs"
    ),
    Organisation(
        id="kz-rail", name="Қазақ Темір Жолы Express (rail carrier)", country="KZ", role="carrier"
    ),
    Organisation(
        id="aktau-port",
        name="Aktau Sea Trade Port",
        country="KZ",
        role="port",
        works_at=("aktau",),
    ),
    Organisation(
        id="caspian-ferry",
        name="Xəzər Bərə Xətti (Caspian ferry line)",
        country="AZ",
        role="carrier",
        works_at=("aktau", "baku-alat"),
    ),
    Organisation(
        id="kz-ferroalloy", name="Ақтөбе Ферроқорытпа Экспорт ЖШС", country="KZ", role="shipper"
    ),
    # The customs representative who lodges the transit declaration and holds the transit
    # procedure (and its guarantee): the transit authorities learn who it is, not the
    # consignor.
    Organisation(
        id="kz-forwarder",
        name="Каспий Транзит Экспедиция ЖШС (forwarder)",
        country="KZ",
        role="forwarder",
        # Its identification number as the holder of the T1 (fictional, like the name).
        tax_id="KZ071140004811",
    ),
    Organisation(
        id="ro-consignee",
        name="Oțelăria Dunării SRL",
        country="RO",
        role="consignee",
        tax_id="RO18547290",
    ),
)


def draft(reference: str) -> ShipmentDraft:
    """The demo shipment: high-carbon ferro-chromium and ferro-silicon in two 20 ft
    containers, Dostyk to Constanța."""
    return ShipmentDraft.model_validate(
        {
            "reference": reference,
            "consignor": "kz-ferroalloy",
            "consignee": "ro-consignee",
            "forwarder": "kz-forwarder",
            "carriers": ["kz-rail", "aktau-port", "caspian-ferry"],
            "goods": [
                {
                    "hs_code": "720241",
                    "description": "Ferro-chromium, >4% carbon, lumps 10-80 mm",
                    "packages": 20,
                    "package_type": "BG",
                    "gross_kg": "20200",
                    "net_kg": "20000",
                    "value": {"amount": "58000.00", "currency": "USD"},
                    "origin_country": "KZ",
                },
                {
                    "hs_code": "720221",
                    "description": "Ferro-silicon, >55% silicon",
                    "packages": 20,
                    "package_type": "BG",
                    "gross_kg": "20200",
                    "net_kg": "20000",
                    "value": {"amount": "27000.00", "currency": "USD"},
                    "origin_country": "KZ",
                },
            ],
            "containers": [
                {"number": "CSQU3054383", "size_type": "22G1", "seal": "KZ0012345"},
                {"number": "MSCU1234566", "size_type": "22G1", "seal": "KZ0012346"},
            ],
            "route": {"origin": "dostyk", "destination": "constanta", "via": ["aktau"]},
            "destination_country": "RO",
        }
    )


# Who signs each of the demo's documents, or attaches it when it is evidence.
ISSUED_BY = {
    DocumentKind.COMMERCIAL_INVOICE: "kz-ferroalloy",
    DocumentKind.PACKING_LIST: "kz-ferroalloy",
    DocumentKind.TRANSIT_DECLARATION: "kz-forwarder",
    DocumentKind.RAIL_CONSIGNMENT_NOTE: "kz-rail",
    DocumentKind.CERTIFICATE_OF_ORIGIN: "kz-customs",
    # Evidence, attached by the party that provides it.
    DocumentKind.TRANSIT_GUARANTEE: "kz-forwarder",
    DocumentKind.CBAM_AUTHORISATION: "ro-consignee",
    DocumentKind.STEEL_INPUT_ORIGIN: "kz-ferroalloy",
}


def demo_grn(reference: str) -> str:
    """The demo shipment's guarantee reference: a GRN registered at Kazakhstan's office."""
    return new_grn(2026, "KZ", b"demo-guarantee", reference)


# The demo's guarantee: a comprehensive guarantee by Demo Bank JSC, in the goods' currency.
GUARANTEE = {"guarantor": "Demo Bank JSC", "amount": "25000.00", "currency": "USD"}


def documents_for(
    shipment: Shipment, story: Story | None = None
) -> dict[DocumentKind, dict[str, Any]]:
    """The fields of a story's shipment's signed documents, from its draft and the story's
    terms (the demo's by default)."""
    story = story or DEMO
    orgs = {o.id: o for o in story.organisations}
    terms = story.terms
    d = shipment.draft

    def party(org_id: str) -> dict[str, Any]:
        o = orgs[org_id]
        return {"name": o.name, "country": o.country, **({"tax_id": o.tax_id} if o.tax_id else {})}

    goods = [
        {
            "sequence": i + 1,
            "hs_code": g.hs_code,
            "description": g.description,
            "packages": g.packages,
            "gross_kg": str(g.gross_kg),
            "net_kg": str(g.net_kg),
            "value": str(g.value.amount),
            "currency": g.value.currency,
            "origin_country": g.origin_country,
        }
        for i, g in enumerate(d.goods)
    ]
    equipment = [{"number": c.number, "seal": c.seal} for c in d.containers]
    issued = shipment.created_at.date().isoformat()
    total = sum(g.value.amount for g in d.goods)
    mrn = int(hashlib.sha256(d.reference.encode()).hexdigest(), 16) % 10**14
    return {
        DocumentKind.COMMERCIAL_INVOICE: {
            "document_number": f"INV-{d.reference}",
            "issue_date": issued,
            "seller": party(d.consignor),
            "buyer": party(d.consignee),
            "delivery_terms": terms["delivery_terms"],
            "invoice_currency": d.goods[0].value.currency,
            "total_amount": str(total),
            "goods": goods,
        },
        DocumentKind.PACKING_LIST: {
            "document_number": f"PL-{d.reference}",
            "issue_date": issued,
            "consignor": party(d.consignor),
            "consignee": party(d.consignee),
            "goods": goods,
            "equipment": equipment,
        },
        DocumentKind.RAIL_CONSIGNMENT_NOTE: {
            "document_number": f"SMGS-{d.reference}",
            "issue_date": issued,
            "consignor": party(d.consignor),
            "consignee": party(d.consignee),
            "carrier": party(terms["rail_carrier"]),
            "departure_station": terms["departure_station"],
            "destination_station": terms["destination_station"],
            "goods": goods,
            "equipment": equipment,
        },
        DocumentKind.CERTIFICATE_OF_ORIGIN: {
            "document_number": f"CO-{d.reference}",
            "issue_date": issued,
            "exporter": party(d.consignor),
            "consignee": party(d.consignee),
            "country_of_origin": terms["country_of_origin"],
            "goods": goods,
        },
        DocumentKind.TRANSIT_DECLARATION: {
            "document_number": f"26KZ{mrn:014d}",
            "issue_date": issued,
            "declarant": party(d.forwarder or d.consignor),
            "office_of_departure": terms["office_of_departure"],
            "office_of_destination": terms["office_of_destination"],
            "countries_of_routing": terms["countries_of_routing"].split(","),
            "guarantee_reference": demo_grn(d.reference),
            # A share of the goods' value (the story's assumption of the duties at stake).
            "amount_to_be_covered": str(
                (
                    sum((g.value.amount for g in d.goods), Decimal(0))
                    * Decimal(terms["share_covered"])
                ).quantize(Decimal("0.01"))
            ),
            "guarantee_currency": d.goods[0].value.currency,
            "goods": goods,
            "equipment": equipment,
        },
    }


# Papers attached after the first readiness check, to complete the file.
COMPLETING = (
    (DocumentKind.RAIL_CONSIGNMENT_NOTE, "cim-smgs.json"),
    (DocumentKind.CERTIFICATE_OF_ORIGIN, "origin.json"),
    (DocumentKind.TRANSIT_DECLARATION, "transit-declaration.json"),
    (DocumentKind.TRANSIT_GUARANTEE, "guarantee.json"),
    (DocumentKind.CBAM_AUTHORISATION, "cbam.json"),
    (DocumentKind.STEEL_INPUT_ORIGIN, "mill-certificate.json"),
)

# What the demo's papers that are not signed corridor documents say (plain files).
PLAIN_PAPERS: dict[DocumentKind, dict[str, str]] = {
    DocumentKind.TRANSIT_GUARANTEE: GUARANTEE,
    DocumentKind.CBAM_AUTHORISATION: {
        "holder": "ro-consignee",
        "cbam_account": "RO-CBAM-DEMO-000184",
        "authorised_from": "2026-01-01",
    },
    DocumentKind.STEEL_INPUT_ORIGIN: {
        "issuer": "kz-ferroalloy",
        "certificate": "EN 10204 3.1 (demo)",
        "melted_and_poured_in": "KZ",
    },
}


# The demo's national nodes: node id -> the authority running it.
NATIONAL_NODES = {
    "kz": "kz-customs",
    "az": "az-customs",
    "ge": "ge-customs",
    "eu": "ro-customs",
    "tr": "tr-customs",
}
SHIPPER_NODE = "shipper"

# The demo's terms on its papers: the T1 of the chain's option A (from the Georgian port
# into the EU), 20 % of the goods' value covered (the demo's assumption of the duties at
# stake).
TERMS = {
    "delivery_terms": "FCA Dostyk",
    "rail_carrier": "kz-rail",
    "departure_station": "Dostyk",
    "destination_station": "Aktau port",
    "country_of_origin": "KZ",
    "office_of_departure": "Poti port customs",
    "office_of_destination": "Constanța Sud customs",
    "countries_of_routing": "GE,RO",
    "share_covered": "0.20",
}


@dataclass(frozen=True)
class Story:
    """Everything the demo walks with: who takes part and which national nodes they run,
    the shipment, who signs which paper and what its fields and plain papers say."""

    organisations: tuple[Organisation, ...]
    national_nodes: Mapping[str, str]
    draft: Callable[[str], ShipmentDraft]
    issued_by: Mapping[DocumentKind, str]
    completing: tuple[tuple[DocumentKind, str], ...]
    plain_papers: Mapping[DocumentKind, Mapping[str, str]]
    guarantee: Mapping[str, str]
    terms: Mapping[str, str]
    # The consignor who walks the shipment, and the node its papers leave from.
    shipper: str = "kz-ferroalloy"
    shipper_node: str = SHIPPER_NODE
    # The holder of the transit procedure (the customs representative), and the consignee.
    holder: str = "kz-forwarder"
    consignee: str = "ro-consignee"
    carriers: Mapping[str, str] = field(
        default_factory=lambda: {"rail": "kz-rail", "sea": "caspian-ferry"}
    )

    def organisation(self, org_id: str) -> Organisation:
        """One of the story's organisations, by id."""
        return next(o for o in self.organisations if o.id == org_id)

    def papers(self, shipment: Shipment) -> dict[DocumentKind, dict[str, Any]]:
        """The fields of the shipment's signed documents."""
        return documents_for(shipment, self)


DEMO = Story(
    organisations=ORGANISATIONS,
    national_nodes=NATIONAL_NODES,
    draft=draft,
    issued_by=ISSUED_BY,
    completing=COMPLETING,
    plain_papers=PLAIN_PAPERS,
    guarantee=GUARANTEE,
    terms=TERMS,
)
