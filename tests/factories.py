"""The suite's own corridor: who takes part, the shipment and its papers, as a `Story` the
demo's functions walk with. The tests read their input from here, never from the demo's
story, so a change to what `make run` shows changes no test's input.

It began as a copy of the demo's story and is the tests' to keep: the literals the tests
assert on (container numbers, HS codes, names in five scripts) are the ones below.
"""

from __future__ import annotations

from corridor.demo import Story
from corridor.model import DocumentKind, Organisation, ShipmentDraft

__all__ = ["STORY", "draft"]

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
    """The suite's shipment: high-carbon ferro-chromium and ferro-silicon in two 20 ft
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


# The holder's comprehensive guarantee, in the goods' currency.
GUARANTEE = {"guarantor": "Demo Bank JSC", "amount": "25000.00", "currency": "USD"}

STORY = Story(
    organisations=ORGANISATIONS,
    national_nodes={
        "kz": "kz-customs",
        "az": "az-customs",
        "ge": "ge-customs",
        "eu": "ro-customs",
        "tr": "tr-customs",
    },
    draft=draft,
    issued_by={
        DocumentKind.COMMERCIAL_INVOICE: "kz-ferroalloy",
        DocumentKind.PACKING_LIST: "kz-ferroalloy",
        DocumentKind.TRANSIT_DECLARATION: "kz-forwarder",
        DocumentKind.RAIL_CONSIGNMENT_NOTE: "kz-rail",
        DocumentKind.CERTIFICATE_OF_ORIGIN: "kz-customs",
        DocumentKind.TRANSIT_GUARANTEE: "kz-forwarder",
        DocumentKind.CBAM_AUTHORISATION: "ro-consignee",
        DocumentKind.STEEL_INPUT_ORIGIN: "kz-ferroalloy",
    },
    completing=(
        (DocumentKind.RAIL_CONSIGNMENT_NOTE, "cim-smgs.json"),
        (DocumentKind.CERTIFICATE_OF_ORIGIN, "origin.json"),
        (DocumentKind.TRANSIT_DECLARATION, "transit-declaration.json"),
        (DocumentKind.TRANSIT_GUARANTEE, "guarantee.json"),
        (DocumentKind.CBAM_AUTHORISATION, "cbam.json"),
        (DocumentKind.STEEL_INPUT_ORIGIN, "mill-certificate.json"),
    ),
    plain_papers={
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
    },
    guarantee=GUARANTEE,
    terms={
        "delivery_terms": "FCA Dostyk",
        "rail_carrier": "kz-rail",
        "departure_station": "Dostyk",
        "destination_station": "Aktau port",
        "country_of_origin": "KZ",
        "office_of_departure": "Poti port customs",
        "office_of_destination": "Constanța Sud customs",
        "countries_of_routing": "GE,RO",
        "share_covered": "0.20",
    },
)
