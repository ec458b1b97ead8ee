"""Pre-arrival data between national nodes, on the in-process bus and on NATS JetStream.

Sovereignty: the broker and every node not entitled to a shipment hold none of its goods
descriptions, values, HS codes, consignor or consignee; each authority holds exactly the
fields the disclosure policy entitles it to.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from corridor.documents import verify as verify_document
from corridor.exchange.bus import InProcessBus
from corridor.exchange.delivery import receive
from corridor.exchange.intake import pump
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.outbox import relay
from corridor.exchange.policy import shipped_policy as policy
from corridor.model import DocumentKind
from corridor.services import Context, disclosure, papers, shipments
from corridor.services.disclosure import InboxItem
from corridor.store.db import Database
from corridor.store.exchange_tables import OutboxRow, RejectionRow
from corridor.store.tables import Base
from tests.conftest import ORGS, T0
from tests.exchange.conftest import Corridor, nats_or_skip
from tests.factories import STORY

SECRETS = [
    "Ferro-chromium",
    "Ferro-silicon",
    "720241",
    "720221",
    "58000",
    "27000",
    "Ақтөбе Ферроқорытпа Экспорт ЖШС",
    "Oțelăria Dunării SRL",
    "CSQU3054383",
]


PUBLIC_TABLES = {"organisations", "trusted_keys"}  # the corridor directory and trust list


def _dump(db: Database) -> str:
    """Everything a node stores about shipments, as text (not the public directory)."""
    out = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in PUBLIC_TABLES:
                continue
            for row in conn.execute(sa.select(table)):
                out.append(
                    " ".join(
                        v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                        for v in row
                    )
                )
    return "\n".join(out)


async def _run(c: Corridor, bus: Any) -> dict[str, dict[str, int]]:
    ids = disclosure.disclose(c.shipper, ORGS["kz-ferroalloy"], c.shipment_id, T0)
    assert len(ids) == 4
    assert await relay(c.shipper.db, bus, c.clock) == 4
    trust = c.trust()
    return {
        name: await pump(c.node(name), bus, trust, c.clock, timeout=0.5) for name in c.authorities
    }


def _inbox(node: Context) -> list[InboxItem]:
    assert node.exchange is not None
    return disclosure.inbox(node, node.exchange.node.organisation)


def _check_entitlements(c: Corridor) -> None:
    pol = policy()
    expected = {"kz": "export", "az": "transit", "ge": "transit", "eu": "import"}
    for name, procedure in expected.items():
        rows = _inbox(c.authorities[name])
        assert len(rows) == 1, name
        row = rows[0]
        assert row.procedure == procedure
        assert row.shipment_id == c.shipment_id
        for kind_value, disclosed in row.content.items():
            kind = DocumentKind(kind_value)
            entitled = set(pol.entitled(procedure, kind))
            if procedure == "transit":
                for line in disclosed.get("goods", []):
                    assert not set(line) & set(pol.withheld_in_items("transit")), name
            assert set(disclosed) <= entitled, (name, kind)
            assert set(disclosed) == entitled & set(
                STORY.papers(shipments.get(c.shipper, ORGS["kz-ferroalloy"], c.shipment_id))[kind]
            )
        kinds = set(row.content)
        for kind in DocumentKind:
            if pol.entitled(procedure, kind) and kind.value not in kinds:
                # Entitled but not issued for this shipment: must simply be absent.
                assert kind not in (
                    DocumentKind.COMMERCIAL_INVOICE,
                    DocumentKind.PACKING_LIST,
                    DocumentKind.TRANSIT_DECLARATION,
                    DocumentKind.RAIL_CONSIGNMENT_NOTE,
                ), (name, kind)
    transit = _inbox(c.authorities["az"])[0].content
    assert "commercial_invoice" not in transit
    assert "packing_list" not in transit
    # A transit authority gets the goods lines without their values; the import one with.
    transit_goods = transit["transit_declaration"]["goods"]
    assert transit_goods
    assert all("value" not in line and "hs_code" in line for line in transit_goods)
    import_goods = _inbox(c.authorities["eu"])[0].content["transit_declaration"]["goods"]
    assert all("value" in line for line in import_goods)
    # Nor who the consignor is: no field names it, and no document a transit authority
    # receives is signed by it (the transit declaration is the holder's, a forwarder).
    consignor = ORGS["kz-ferroalloy"]
    for name in ("az", "ge"):
        assert consignor.name not in json.dumps(_inbox(c.authorities[name])[0].content)
        # Nor does the envelope speak for the consignor running the sending node: a transit
        # authority hears from the holder of its procedure.
        assert {i.sender for i in _inbox(c.authorities[name])} == {"kz-forwarder"}
    # The export and import authorities hear from the node's own organisation, as before.
    assert {i.sender for i in _inbox(c.authorities["kz"])} == {consignor.id}
    trust = c.trust()
    papers_of = papers.documents(c.shipper, consignor, c.shipment_id)
    sent_to_transit = [i for i in papers_of if pol.entitled("transit", i.kind)]
    assert sent_to_transit
    for info in sent_to_transit:
        _, token = papers.content(c.shipper, consignor, c.shipment_id, info.id)
        assert verify_document(token.decode(), trust, T0).issuer.id != consignor.id, info.kind
    assert _inbox(c.authorities["tr"]) == []


def _check_sovereignty(c: Corridor, broker_messages: list[bytes]) -> None:
    blob = b"\n".join(broker_messages).decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in blob, f"the broker can read {secret!r}"
    # No organisation id or key id in clear; sizes say nothing of the procedure.
    for org in ORGS:
        assert org not in blob, f"the broker sees organisation {org!r}"
    for kid in c.trust().entries:
        assert kid not in blob, "the broker sees a key id"
    assert len({len(m) for m in broker_messages}) == 1, "envelope sizes differ by procedure"
    not_entitled = _dump(c.authorities["tr"].db)
    assert c.shipment_id not in not_entitled
    for secret in SECRETS:
        assert secret not in not_entitled, f"a node off the route stores {secret!r}"
    # The sender's outbox is on the sender's own node; what leaves it is ciphertext.
    with c.shipper.db.transaction() as s:
        for row in s.scalars(sa.select(OutboxRow)):
            assert row.sent_at is not None
            for secret in SECRETS:
                assert secret.encode() not in row.body


def test_pre_arrival_data_in_process(corridor_nodes: Corridor) -> None:
    bus = InProcessBus()
    outcomes = asyncio.run(_run(corridor_nodes, bus))
    assert outcomes["az"] == {"stored": 1}
    assert outcomes["tr"] == {}
    _check_entitlements(corridor_nodes)
    _check_sovereignty(corridor_nodes, bus.published)


def test_each_envelope_takes_effect_once_and_bad_ones_are_logged(corridor_nodes: Corridor) -> None:
    c = corridor_nodes
    bus = InProcessBus()
    asyncio.run(_run(c, bus))
    trust = c.trust()
    az, ge = c.node("az"), c.node("ge")
    envelope_for_az = next(m for m in bus.published if b'"to":"az"' in m)
    assert receive(az, envelope_for_az, trust, c.clock()) == "replayed"
    assert len(_inbox(c.authorities["az"])) == 1
    assert receive(ge, envelope_for_az, trust, c.clock()) == "misaddressed"
    body = json.loads(envelope_for_az)
    forged = json.dumps({**body, "expires": body["expires"] - 1}).encode()
    assert receive(az, forged, trust, c.clock()) == "forged"
    assert receive(az, envelope_for_az, trust, c.clock() + timedelta(days=30)) == "expired"
    assert receive(az, b"{not json", trust, c.clock()) == "malformed"
    with az.db.transaction() as s:
        reasons = sorted(r.reason for r in s.scalars(sa.select(RejectionRow)))
    assert reasons == ["expired", "forged", "malformed", "replayed"]
    assert len(_inbox(c.authorities["az"])) == 1


def test_ledgers_record_disclosure_and_receipt(corridor_nodes: Corridor) -> None:
    from corridor import ledger

    c = corridor_nodes
    asyncio.run(_run(c, InProcessBus()))
    trust = c.trust()
    with c.shipper.db.transaction() as s:
        sent = ledger.entries(s, c.shipment_id)
    assert [e.kind for e in sent].count("disclosed") == 4
    disclosed = {e.body["to"]: e.body for e in sent if e.kind == "disclosed"}
    # The EU's entry summary is due 2 h before arrival by sea (ICS2, EU pack): the data
    # goes out with that deadline, which lies ahead of the disclosure.
    due = datetime.fromisoformat(disclosed["eu"]["lodge_by"])
    assert due > T0
    assert disclosed["eu"]["procedure"] == "import"
    assert ledger.verify_chain(sent, trust) == len(sent)
    with c.authorities["ge"].db.transaction() as s:
        got = ledger.entries(s, c.shipment_id)
    assert [e.kind for e in got] == ["received"]
    assert ledger.verify_chain(got, trust) == 1


def test_disclosure_needs_a_party_and_writes_nothing_otherwise(corridor_nodes: Corridor) -> None:
    c = corridor_nodes
    from corridor.exceptions import NotFound

    with pytest.raises(NotFound):
        disclosure.disclose(c.shipper, ORGS["tr-customs"], c.shipment_id, T0)
    with c.shipper.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 0


# ---- NATS JetStream ----------------------------------------------------------------------


def test_pre_arrival_data_over_nats_jetstream(corridor_nodes: Corridor) -> None:
    nats_or_skip()
    c = corridor_nodes
    tag = uuid.uuid4().hex[:10]

    async def scenario() -> list[bytes]:
        bus = await NatsBus(stream=f"CORRIDOR_TEST_{tag}", prefix=f"test{tag}").connect()
        try:
            outcomes = await _run(c, bus)
            assert outcomes["eu"] == {"stored": 1}
            # A relay that re-sends everything (as after a crash before marking rows sent)
            # is absorbed: JetStream drops duplicates by id and the inbox stores once.
            with c.shipper.db.transaction() as s:
                for row in s.scalars(sa.select(OutboxRow)):
                    row.sent_at = None
            assert await relay(c.shipper.db, bus, c.clock) == 4
            again = await pump(c.node("eu"), bus, c.trust(), c.clock, timeout=0.5)
            assert again in ({}, {"replayed": 1})
            return await bus.raw_messages()
        finally:
            await bus.drop_stream()
            await bus.close()

    stored = asyncio.run(scenario())
    assert len(stored) == 4
    _check_entitlements(c)
    _check_sovereignty(c, stored)
