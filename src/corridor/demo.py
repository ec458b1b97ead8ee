"""The demo corridor: organisations along Dostyk -> Aktau -> Baku -> Poti -> Constanța and
one ferro-alloy shipment walked along its route.

Names are fictional; they use Kazakh, Azerbaijani, Georgian, Turkish and Romanian letters on
purpose, so every layer is exercised with them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from corridor import registry, shipments
from corridor.model import DocumentKind, Organisation, ShipmentDraft
from corridor.network import Mode, Network
from corridor.rules import ReadinessReport, default_engine
from corridor.shipments import Event, Shipment
from corridor.store.db import Database

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
    Organisation(id="aktau-port", name="Aktau Sea Trade Port", country="KZ", role="port"),
    Organisation(
        id="caspian-ferry",
        name="Xəzər Bərə Xətti (Caspian ferry line)",
        country="AZ",
        role="carrier",
    ),
    Organisation(
        id="kz-ferroalloy", name="Ақтөбе Ферроқорытпа Экспорт ЖШС", country="KZ", role="shipper"
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
    """The demo shipment: high-carbon ferro-chromium in two containers, Dostyk to Constanța."""
    return ShipmentDraft.model_validate(
        {
            "reference": reference,
            "consignor": "kz-ferroalloy",
            "consignee": "ro-consignee",
            "carriers": ["kz-rail", "aktau-port", "caspian-ferry"],
            "goods": [
                {
                    "hs_code": "720241",
                    "description": "Ferro-chromium, >4% carbon, lumps 10-80 mm",
                    "packages": 40,
                    "package_type": "BG",
                    "gross_kg": "40400",
                    "net_kg": "40000",
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
                {"number": "CSQU3054383", "seal": "KZ0012345"},
                {"number": "MSCU1234566", "seal": "KZ0012346"},
            ],
            "route": {"origin": "dostyk", "destination": "constanta", "via": ["aktau"]},
            "destination_country": "RO",
        }
    )


def keys_file(data_dir: Path) -> Path:
    """Where the demo's API keys are kept (owner-only permissions)."""
    return data_dir / "demo-keys.json"


def seed(db: Database, data_dir: Path, now: datetime) -> dict[str, str]:
    """Register the demo organisations that are missing and return every demo API key.

    Keys are stored hashed; their secrets are kept in an owner-only file in the data
    directory so that `make run` can print them again.
    """
    path = keys_file(data_dir)
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    known = {o.id for o in registry.list_organisations(db)}
    for org in ORGANISATIONS:
        if org.id not in known:
            registry.create_organisation(db, org, now)
        if org.id not in keys:
            keys[org.id] = registry.issue_key(db, org.id, "demo", now).key
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
    return keys


@dataclass
class Walk:
    """The demo shipment, its readiness before and after the papers are complete, and its
    timeline."""

    shipment: Shipment
    incomplete: ReadinessReport
    complete: ReadinessReport
    timeline: list[Event]


# Papers attached after the first readiness check, to complete the file.
COMPLETING = (
    (DocumentKind.RAIL_CONSIGNMENT_NOTE, "cim-smgs.json"),
    (DocumentKind.CERTIFICATE_OF_ORIGIN, "origin.json"),
    (DocumentKind.TRANSIT_DECLARATION, "transit-declaration.json"),
    (DocumentKind.TRANSIT_GUARANTEE, "guarantee.json"),
)


def walk(db: Database, network: Network, now: datetime, reference: str | None = None) -> Walk:
    """Submit the demo shipment, attach its papers and record its journey leg by leg.

    Times after submission are planned from the network's typical leg and dwell times.
    """
    orgs = {o.id: o for o in ORGANISATIONS}
    shipper = orgs["kz-ferroalloy"]
    ref = reference or f"DEMO-{now:%Y%m%d-%H%M%S}"
    engine = default_engine()
    shipment = shipments.submit(db, network, draft(ref), shipper, now, engine)
    invoice = {
        "invoice_number": f"INV-{ref}",
        "seller": shipper.name,
        "buyer": orgs["ro-consignee"].name,
        "lines": shipment.draft.model_dump(mode="json")["goods"],
    }
    shipments.attach_document(
        db,
        shipper,
        shipment.id,
        DocumentKind.COMMERCIAL_INVOICE,
        "invoice.json",
        "application/json",
        json.dumps(invoice, ensure_ascii=False).encode(),
        now,
    )
    shipments.attach_document(
        db,
        shipper,
        shipment.id,
        DocumentKind.PACKING_LIST,
        "packing-list.json",
        "application/json",
        json.dumps({"containers": [c.number for c in shipment.draft.containers]}).encode(),
        now,
    )
    incomplete = shipments.recheck(db, engine, shipper, shipment.id, now)
    for kind, filename in COMPLETING:
        paper = {"kind": kind.value, "shipment": ref, "issuer": shipper.name}
        shipments.attach_document(
            db,
            shipper,
            shipment.id,
            kind,
            filename,
            "application/json",
            json.dumps(paper, ensure_ascii=False).encode(),
            now,
        )
    complete = shipments.recheck(db, engine, shipper, shipment.id, now)
    clock = now + timedelta(hours=2)
    for i, leg in enumerate(shipment.route.legs):
        carrier = orgs["caspian-ferry"] if leg.mode in (Mode.FERRY, Mode.SEA) else orgs["kz-rail"]
        a, b = network.nodes[leg.origin], network.nodes[leg.destination]
        if i:
            clock += timedelta(hours=a.dwell_h)
        shipments.record_event(
            db,
            carrier,
            shipment.id,
            "departed",
            clock,
            f"Departed {a.name} by {leg.mode.value} ({leg.distance_km:.0f} km to {b.name})",
            a.id,
        )
        clock += timedelta(hours=leg.hours)
        if a.country != b.country:
            shipments.record_event(
                db,
                carrier,
                shipment.id,
                "border_crossed",
                clock,
                f"Crossed the border {a.country} -> {b.country}",
                b.id,
            )
        shipments.record_event(
            db, carrier, shipment.id, "arrived", clock, f"Arrived at {b.name}", b.id
        )
    return Walk(shipment, incomplete, complete, shipments.timeline(db, shipper, shipment.id))
