"""The demo corridor: organisations along Dostyk -> Aktau -> Baku -> Poti -> Constanța and
one ferro-alloy shipment walked along its route.

Names are fictional; they use Kazakh, Azerbaijani, Georgian, Turkish and Romanian letters on
purpose, so every layer is exercised with them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from corridor import ledger as ledger_mod
from corridor import registry, shipments
from corridor.documents import MEDIA_TYPE, Keys, issue
from corridor.model import DocumentKind, Organisation, Role, ShipmentDraft
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
    signing = Keys(db, data_dir)
    for org in ORGANISATIONS:
        if org.role is not Role.OPERATOR:
            signing.ensure(org.id, now)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
    return keys


# Who signs each of the demo's documents.
ISSUED_BY = {
    DocumentKind.COMMERCIAL_INVOICE: "kz-ferroalloy",
    DocumentKind.PACKING_LIST: "kz-ferroalloy",
    DocumentKind.TRANSIT_DECLARATION: "kz-ferroalloy",
    DocumentKind.RAIL_CONSIGNMENT_NOTE: "kz-rail",
    DocumentKind.CERTIFICATE_OF_ORIGIN: "kz-customs",
}


def documents_for(shipment: Shipment) -> dict[DocumentKind, dict[str, Any]]:
    """The fields of the demo shipment's signed documents, from its draft."""
    orgs = {o.id: o for o in ORGANISATIONS}
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
            "delivery_terms": "FCA Dostyk",
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
            "carrier": party("kz-rail"),
            "departure_station": "Dostyk",
            "destination_station": "Aktau port",
            "goods": goods,
            "equipment": equipment,
        },
        DocumentKind.CERTIFICATE_OF_ORIGIN: {
            "document_number": f"CO-{d.reference}",
            "issue_date": issued,
            "exporter": party(d.consignor),
            "consignee": party(d.consignee),
            "country_of_origin": "KZ",
            "goods": goods,
        },
        DocumentKind.TRANSIT_DECLARATION: {
            "document_number": f"26KZ{mrn:014d}",
            "issue_date": issued,
            "declarant": party(d.consignor),
            "office_of_departure": "Aktau port customs",
            "office_of_destination": "Constanța Sud customs",
            "countries_of_routing": ["KZ", "AZ", "GE", "RO"],
            "guarantee_reference": f"GRN-{d.reference}",
            "goods": goods,
            "equipment": equipment,
        },
    }


@dataclass
class Walk:
    """The demo shipment, its readiness before and after the papers are complete, and its
    timeline."""

    shipment: Shipment
    tokens: dict[DocumentKind, str]
    incomplete: ReadinessReport
    complete: ReadinessReport
    timeline: list[Event]
    ledger: list[ledger_mod.Entry]


# Papers attached after the first readiness check, to complete the file.
COMPLETING = (
    (DocumentKind.RAIL_CONSIGNMENT_NOTE, "cim-smgs.json"),
    (DocumentKind.CERTIFICATE_OF_ORIGIN, "origin.json"),
    (DocumentKind.TRANSIT_DECLARATION, "transit-declaration.json"),
    (DocumentKind.TRANSIT_GUARANTEE, "guarantee.json"),
)


def walk(
    db: Database, network: Network, keys: Keys, now: datetime, reference: str | None = None
) -> Walk:
    """Submit the demo shipment, attach its papers and record its journey leg by leg.

    Times after submission are planned from the network's typical leg and dwell times.
    """
    orgs = {o.id: o for o in ORGANISATIONS}
    shipper = orgs["kz-ferroalloy"]
    ref = reference or f"DEMO-{now:%Y%m%d-%H%M%S}"
    engine = default_engine()
    shipment = shipments.submit(db, network, draft(ref), shipper, now, engine, keys)
    papers = documents_for(shipment)
    tokens: dict[DocumentKind, str] = {}

    def sign(kind: DocumentKind) -> None:
        issuer = orgs[ISSUED_BY[kind]]
        keys.ensure(issuer.id, now)
        token = issue(keys, issuer, kind, papers[kind], now, shipment.id)
        tokens[kind] = token
        # The shipper holds the file and attaches what others signed for it.
        shipments.attach_document(
            db,
            shipper,
            shipment.id,
            kind,
            f"{kind.value}.sd-jwt",
            MEDIA_TYPE,
            token.encode("ascii"),
            now,
            keys=keys,
        )

    sign(DocumentKind.COMMERCIAL_INVOICE)
    sign(DocumentKind.PACKING_LIST)
    incomplete = shipments.recheck(db, engine, shipper, shipment.id, now)
    for kind, _ in COMPLETING:
        if kind in papers:
            sign(kind)
        else:
            # A bank guarantee is not one of the corridor's signed kinds: a plain file.
            body = {
                "kind": kind.value,
                "shipment": ref,
                "guarantor": "Demo Bank JSC",
                "amount": "25000.00",
                "currency": "EUR",
            }
            shipments.attach_document(
                db,
                shipper,
                shipment.id,
                kind,
                f"{kind.value}.json",
                "application/json",
                json.dumps(body).encode(),
                now,
                keys=keys,
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
            keys,
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
                keys,
            )
        shipments.record_event(
            db, carrier, shipment.id, "arrived", clock, f"Arrived at {b.name}", b.id, keys
        )
    return Walk(
        shipment,
        tokens,
        incomplete,
        complete,
        shipments.timeline(db, shipper, shipment.id),
        shipments.ledger_entries(db, shipper, shipment.id),
    )


# The demo's national nodes: node id -> the authority running it.
NATIONAL_NODES = {
    "kz": "kz-customs",
    "az": "az-customs",
    "ge": "ge-customs",
    "eu": "ro-customs",
    "tr": "tr-customs",
}


@dataclass
class Exchanged:
    """What each national node received for the demo shipment, and what the bus carried."""

    received: dict[str, dict[str, list[str]]]
    procedures: dict[str, str]
    envelopes: int
    bus_bytes: int


async def exchange(
    db: Database,
    keys: Keys,
    data_dir: Path,
    shipment_id: str,
    now: datetime,
    bus: Any | None = None,
) -> Exchanged:
    """Send the shipment's pre-arrival data from the shipper's node to separate national
    nodes (each its own SQLite store and keys under `<data dir>/nodes/`), over `bus` (the
    in-process bus by default)."""
    from corridor.exchange.bus import InProcessBus
    from corridor.exchange.envelope import box_key
    from corridor.exchange.policy import shipped as policy
    from corridor.exchange.service import Node, disclose, merged_trust, pump, relay
    from corridor.network import corridor

    orgs = {o.id: o for o in ORGANISATIONS}
    nodes: dict[str, Node] = {}
    for name, org_id in NATIONAL_NODES.items():
        folder = data_dir / "nodes" / name
        node_db = Database.open(f"sqlite:///{folder / 'node.db'}")
        known = {o.id for o in registry.list_organisations(node_db)}
        for org in ORGANISATIONS:  # the organisation directory is public
            if org.id not in known:
                registry.create_organisation(node_db, org, now)
        nodes[name] = Node.open(name, orgs[org_id], node_db, folder, now)
    shipper = Node("shipper", orgs["kz-ferroalloy"], db, keys, box_key(data_dir / "keys" / "_node"))
    carrier = bus or InProcessBus()
    try:
        sent = disclose(
            shipper, corridor(), shipment_id, [n.address() for n in nodes.values()], policy(), now
        )
        await relay(db, carrier, lambda: now)
        trust = merged_trust([keys.trust_list(), *(n.keys.trust_list() for n in nodes.values())])
        for node in nodes.values():
            await pump(node, carrier, trust, lambda: now, timeout=0.5)
        received: dict[str, dict[str, list[str]]] = {}
        procedures: dict[str, str] = {}
        from sqlalchemy import select

        from corridor.store.tables import InboxRow

        for name, node in nodes.items():
            with node.db.transaction() as s:
                rows = list(s.scalars(select(InboxRow).where(InboxRow.shipment_id == shipment_id)))
            received[name] = {k: sorted(v) for r in rows for k, v in r.content.items()}
            if rows:
                procedures[name] = rows[0].procedure
        carried = getattr(carrier, "published", [])
        return Exchanged(received, procedures, len(sent), sum(len(b) for b in carried))
    finally:
        for node in nodes.values():
            node.db.close()
