"""Trust a border officer can check: keys count only as the pinned country roots allow, so a
sovereign decision signed anywhere but on that authority's own node is refused on every
node, and every node gives the same answer for the same directory."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from corridor import demo
from corridor.documents import TrustList
from corridor.exceptions import InvalidInput, PermissionDenied
from corridor.exchange.bus import InProcessBus
from corridor.exchange.delivery import receive
from corridor.exchange.directory import Directory, Statement, sign_statement
from corridor.exchange.envelope import seal
from corridor.model import DocumentKind
from corridor.services import NODE_ADMIN, Context, federation, inbound, keys, papers
from tests.conftest import ORGS, T0
from tests.documents.conftest import RELEASE
from tests.factories import STORY

NODES = {"kz": "kz-customs", "eu": "ro-customs", "shipper": "kz-ferroalloy"}


@pytest.fixture
def corridor(tmp_path: Path) -> Iterator[demo.Corridor]:
    bus = InProcessBus()
    nodes = {
        n: demo.national_node(tmp_path / n, n, org, T0, bus=bus, story=STORY)
        for n, org in NODES.items()
    }
    c = demo.Corridor(tmp_path, nodes, bus, STORY)
    for name, org in NODES.items():
        keys.ensure_key(nodes[name], NODE_ADMIN, org, T0)
    keys.ensure_key(nodes["shipper"], NODE_ADMIN, "kz-rail", T0)
    asyncio.run(c.sync())
    yield c
    c.close()


def _verdicts(c: demo.Corridor, token: str) -> dict[str, tuple[str, str | None]]:
    return {
        name: (v.status, v.reason)
        for name, node in c.nodes.items()
        for v in [papers.check(token.encode(), keys.trust_list(node), T0)]
    }


def _hostile_key(node: Context, org_id: str) -> None:
    """A node operator who edits its own node past the guard and makes another authority's
    key (what the review did with the shipper node's 'ro-customs' key)."""
    guard, node.keys.guard = node.keys.guard, None
    try:
        keys.ensure_key(node, NODE_ADMIN, org_id, T0)
    finally:
        node.keys.guard = guard


def test_every_node_trusts_the_same_keys(corridor: demo.Corridor) -> None:
    lists = [keys.trust_list(n).entries for n in corridor.nodes.values()]
    assert all(entries == lists[0] for entries in lists)
    owners = {e.organisation_id for e in lists[0].values()}
    assert owners == {"kz-customs", "ro-customs", "kz-ferroalloy", "kz-rail"}


def test_each_national_node_shows_times_in_its_countrys_zone(corridor: demo.Corridor) -> None:
    zones = {name: ctx.zone.key for name, ctx in corridor.nodes.items()}
    countries = {
        name: ctx.exchange.node.organisation.country
        for name, ctx in corridor.nodes.items()
        if ctx.exchange
    }
    assert zones == {
        name: corridor.nodes[name].network.zone(c).key for name, c in countries.items()
    }
    assert zones["eu"] == "Europe/Bucharest"
    assert zones["kz"] == "Asia/Almaty"


def test_a_release_forged_with_a_key_held_off_the_authoritys_node_is_refused_everywhere(
    corridor: demo.Corridor,
) -> None:
    shipper = corridor.nodes["shipper"]
    _hostile_key(shipper, "ro-customs")
    asyncio.run(corridor.sync())
    forged = papers.sign(
        shipper, ORGS["ro-customs"], DocumentKind.CUSTOMS_RELEASE, RELEASE, T0, "s-1"
    )
    # INVALID on every node, the forger's own included, for the same reason.
    assert set(_verdicts(corridor, forged).values()) == {("INVALID", "unknown_issuer")}
    eu = corridor.nodes["eu"].exchange
    assert eu is not None
    refused = [why for (kind, _), why in eu.directory.refused.items() if kind == "key"]
    assert any("not certified to host 'ro-customs'" in why for why in refused)
    # Sent to the EU node as pre-arrival data, it is refused and nothing is stored.
    eu_node = eu.node
    sender = corridor.nodes["shipper"].exchange
    assert sender is not None
    _id, body = seal(
        {"shipment": "s-1", "procedure": "import", "documents": {"customs_release": forged}},
        eu_node.address(),
        "shipper",
        "kz-ferroalloy",
        sender.node.signer,
        "pre-arrival",
        T0,
    )
    outcome = receive(eu_node, body, eu.trust(), T0, eu.directory.host_of)
    assert outcome == "forged"


def test_a_release_from_the_authoritys_own_node_is_valid_everywhere(
    corridor: demo.Corridor,
) -> None:
    genuine = papers.sign(
        corridor.nodes["eu"], ORGS["ro-customs"], DocumentKind.CUSTOMS_RELEASE, RELEASE, T0, "s"
    )
    assert set(_verdicts(corridor, genuine).values()) == {("VALID", None)}


def test_a_national_node_refuses_to_make_another_authoritys_key(
    corridor: demo.Corridor, tmp_path: Path
) -> None:
    shipper = corridor.nodes["shipper"]
    with pytest.raises(PermissionDenied, match="held only on its own node"):
        keys.ensure_key(shipper, NODE_ADMIN, "az-customs", T0)
    assert not (tmp_path / "shipper" / "keys" / "az-customs").exists()
    # The Kazakh authority's node does not hold the Romanian one's either.
    with pytest.raises(PermissionDenied):
        keys.ensure_key(corridor.nodes["kz"], NODE_ADMIN, "ro-customs", T0)


def test_a_node_certified_by_a_root_nobody_pinned_is_ignored(
    corridor: demo.Corridor, tmp_path: Path
) -> None:
    rogue = demo.national_node(
        tmp_path / "rogue" / "kz2",
        "kz2",
        "kz-customs",
        T0,
        bus=corridor.bus,
        root=tmp_path / "rogue",
        story=STORY,
    )
    try:
        assert rogue.exchange is not None
        asyncio.run(rogue.exchange.publish())
        asyncio.run(corridor.sync())
        kz = corridor.nodes["kz"].exchange
        assert kz is not None
        assert "kz2" not in kz.directory.certificates()
        assert "not certified by a pinned root" in kz.directory.refused["node", "kz2"]
    finally:
        rogue.close()


def test_a_changed_statement_does_not_verify(corridor: demo.Corridor) -> None:
    kz = corridor.nodes["kz"].exchange
    assert kz is not None
    entry = next(
        st
        for (kind, _), st in kz.directory.statements.items()
        if kind == "key" and st.body["organisation_id"] == "kz-rail"
    )
    promoted = Statement({**entry.body, "role": "customs", "version": 99}, entry.signer, entry.sig)
    kz.directory.merge([promoted])
    assert entry.subject not in kz.trust().entries
    assert kz.directory.refused["key", entry.subject]


def test_an_envelope_must_come_from_the_node_that_hosts_its_sender(
    corridor: demo.Corridor,
) -> None:
    eu = corridor.nodes["eu"].exchange
    kz = corridor.nodes["kz"].exchange
    assert eu is not None
    assert kz is not None
    # The KZ authority's node sends as if it were the shipper's node.
    _id, body = seal(
        {"shipment": "s", "procedure": "import", "documents": {}},
        eu.node.address(),
        "shipper",
        "kz-customs",
        kz.node.signer,
        "pre-arrival",
        T0,
    )
    assert receive(eu.node, body, eu.trust(), T0, eu.directory.host_of) == "forged"


def test_a_certificate_for_other_keys_or_an_unpinned_root_stops_the_node(
    corridor: demo.Corridor, tmp_path: Path
) -> None:
    kz_dir = tmp_path / "kz"
    cert = federation.read_certificate(kz_dir / "node-cert.json")
    other = corridor.nodes["shipper"]
    with pytest.raises(InvalidInput, match="other keys or another operator"):
        federation.check_certificate(
            other, federation.read_roots(tmp_path / "roots.json"), cert, "kz", ORGS["kz-customs"]
        )
    with pytest.raises(InvalidInput, match="does not hold"):
        federation.check_certificate(other, {}, cert, "kz", ORGS["kz-customs"])


def test_revocation_reaches_a_running_node_within_seconds(corridor: demo.Corridor) -> None:
    shipper, eu = corridor.nodes["shipper"], corridor.nodes["eu"]
    assert shipper.exchange is not None
    assert eu.exchange is not None
    with shipper.db.transaction() as s:
        kid = shipper.keys.current_kid(s, "kz-ferroalloy")
    assert kid
    early = papers.sign(shipper, ORGS["kz-ferroalloy"], DocumentKind.PACKING_LIST, _packing(), T0)

    async def scenario() -> float:
        for n in (shipper, eu):
            assert n.exchange is not None
            n.exchange.interval_s = 0.1
            await inbound.start(n)
        try:
            # The administrator revokes at the shell (another process in real life).
            keys.revoke(shipper, NODE_ADMIN, kid, T0, "key_compromise")
            loop = asyncio.get_running_loop()
            start = loop.time()
            while loop.time() - start < 5:
                entry = eu.exchange.trust().entries.get(kid) if eu.exchange else None
                if entry is not None and entry.revocation_reason == "key_compromise":
                    return loop.time() - start
                await asyncio.sleep(0.05)
            return float("inf")
        finally:
            for n in (shipper, eu):
                assert n.exchange is not None
                await inbound.stop(n)

    took = asyncio.run(scenario())
    assert took < 5
    # A compromised key: even what it signed before, or claims to have, no longer counts.
    verdict = papers.check(early.encode(), keys.trust_list(eu), T0 + timedelta(minutes=1))
    assert (verdict.status, verdict.reason) == ("INVALID", "revoked_key")


def _packing() -> dict[str, object]:
    return {
        "document_number": "PL-1",
        "issue_date": "2026-03-01",
        "consignor": {"name": "X", "country": "KZ"},
        "consignee": {"name": "Y", "country": "RO"},
        "goods": [{"sequence": 1, "hs_code": "720241", "description": "Ferro-chromium"}],
    }


def test_the_pinned_copy_is_used_when_the_bus_has_nothing(
    corridor: demo.Corridor, tmp_path: Path
) -> None:
    kz = corridor.nodes["kz"]
    cached = json.loads((tmp_path / "kz" / "directory.json").read_text())
    assert len(cached) >= 5
    fresh = Directory(federation.read_roots(tmp_path / "roots.json"))
    fresh.load_json((tmp_path / "kz" / "directory.json").read_text())
    assert fresh.trust().entries == keys.trust_list(kz).entries


def test_a_node_cannot_publish_keys_for_organisations_it_does_not_host(
    corridor: demo.Corridor,
) -> None:
    """The KZ authority's node, certified to host only the authority, makes a key for the
    exporter hosted on the shipper's node: nobody accepts it, and nobody loses the real one."""
    kz = corridor.nodes["kz"]
    _hostile_key(kz, "kz-ferroalloy")
    asyncio.run(corridor.sync())
    owners = {
        e.organisation_id: kid for kid, e in keys.trust_list(corridor.nodes["eu"]).entries.items()
    }
    shipper = corridor.nodes["shipper"]
    with shipper.db.transaction() as s:
        assert owners["kz-ferroalloy"] == shipper.keys.current_kid(s, "kz-ferroalloy")
    assert kz.exchange is not None
    refused = [why for (kind, _), why in kz.exchange.directory.refused.items() if kind == "key"]
    assert any("'kz' is not certified to host 'kz-ferroalloy'" in why for why in refused)


def test_a_key_claimed_by_two_nodes_counts_for_neither(corridor: demo.Corridor) -> None:
    eu = corridor.nodes["eu"].exchange
    assert eu is not None
    genuine = next(
        st
        for (kind, _), st in eu.directory.statements.items()
        if kind == "key" and st.body["organisation_id"] == "kz-rail"
    )
    kid = genuine.body["kid"]
    assert kid in eu.trust().entries
    # Another node, also certified to host the carrier, restates the same key as its own.
    other = demo.national_node(
        corridor.root / "fwd",
        "fwd",
        "kz-rail",
        T0,
        bus=corridor.bus,
        root=corridor.root,
        story=STORY,
    )
    try:
        assert other.exchange is not None
        asyncio.run(other.exchange.publish())
        asyncio.run(corridor.sync())
        claim = sign_statement(federation.node_signer(other), {**genuine.body, "node": "fwd"})
        eu.directory.merge([claim])
        assert kid not in eu.trust().entries
        assert "claimed by more than one node" in eu.directory.refused["key", f"fwd/{kid}"]
    finally:
        other.close()


def test_revocation_holds_on_a_stand_alone_node_and_offline(
    corridor: demo.Corridor, tmp_path: Path
) -> None:
    # The shipper's node, later run stand-alone on the same store with its pinned copy of the
    # directory (which still lists its key unrevoked).
    shipper = corridor.nodes["shipper"]
    assert shipper.exchange is not None
    asyncio.run(shipper.exchange.publish())
    folder = shipper.settings.data_dir
    assert (folder / "directory.json").exists()
    (folder / "roots.json").write_text((tmp_path / "roots.json").read_text("utf-8"), "utf-8")
    alone = Context.open(shipper.settings, clock=lambda: T0)
    try:
        assert alone.exchange is None
        with alone.db.transaction() as s:
            kid = alone.keys.current_kid(s, "kz-ferroalloy")
        assert kid
        late = papers.sign(
            alone,
            ORGS["kz-ferroalloy"],
            DocumentKind.PACKING_LIST,
            _packing(),
            T0 + timedelta(hours=2),
        )
        keys.revoke(alone, NODE_ADMIN, kid, T0 + timedelta(hours=1))
        trust = keys.trust_list(alone)
        # The pinned, unrevoked copy does not win over the node's own revocation.
        assert trust.entries[kid].revoked_at == T0 + timedelta(hours=1)
        later = T0 + timedelta(days=1)
        verdict = papers.check(late.encode(), trust, later)
        assert (verdict.status, verdict.reason) == ("INVALID", "revoked_key")
        # The exported list says so, and an offline verifier holding it refuses the document.
        exported = json.loads(trust.to_json())
        (row,) = [k for k in exported["keys"] if k["kid"] == kid]
        assert row["revoked_at"] is not None
        offline = papers.check(late.encode(), TrustList.from_json(trust.to_json()), later)
        assert (offline.status, offline.reason) == ("INVALID", "revoked_key")
    finally:
        alone.close()
