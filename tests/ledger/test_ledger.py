"""The shipment ledger on SQLite and PostgreSQL: intact chains verify; every kind of tampering
is reported at the first bad entry; the chain cannot fork."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor import demo, ledger
from corridor.documents import TrustList
from corridor.exceptions import Conflict, LedgerBroken
from corridor.model import DocumentKind
from corridor.services import Context, keys, papers, shipments, timeline
from corridor.store.db import Database
from corridor.store.tables import LedgerEntryRow, ShipmentRow
from tests.conftest import ORGS, T0, node_context
from tests.factories import STORY


class Chain:
    """A node with one shipment's ledger on it."""

    def __init__(self, ctx: Context, sid: str) -> None:
        self.ctx = ctx
        self.sid = sid

    def trust_list(self) -> TrustList:
        return keys.trust_list(self.ctx)


@pytest.fixture
def chain(db: Database, tmp_path: Path) -> tuple[Database, Chain, str]:
    ctx = node_context(db, tmp_path)
    demo.seed(ctx, T0, STORY)
    s = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("L-1"), T0)
    papers.attach(
        ctx,
        ORGS["kz-ferroalloy"],
        s.id,
        DocumentKind.PACKING_LIST,
        "pl.json",
        "application/json",
        b"{}",
        T0,
    )
    timeline.record(ctx, ORGS["kz-rail"], s.id, "departed", T0, "Departed Dostyk", "dostyk")
    timeline.record(ctx, ORGS["caspian-ferry"], s.id, "arrived", T0, "Arrived at Baku", "baku-alat")
    return db, Chain(ctx, s.id), s.id


def load(db: Database, sid: str) -> list[ledger.Entry]:
    with db.transaction() as s:
        return ledger.entries(s, sid)


def broken(entries: list[ledger.Entry], ring: Chain) -> LedgerBroken:
    with pytest.raises(LedgerBroken) as info:
        ledger.verify_chain(entries, ring.trust_list())
    return info.value


def test_an_intact_chain_verifies_with_each_actors_key(chain: tuple[Database, Chain, str]) -> None:
    db, ring, sid = chain
    entries = load(db, sid)
    assert [e.kind for e in entries] == ["submitted", "document_attached", "departed", "arrived"]
    assert [e.actor_id for e in entries] == [
        "kz-ferroalloy",
        "kz-ferroalloy",
        "kz-rail",
        "caspian-ferry",
    ]
    assert ledger.verify_chain(entries, ring.trust_list()) == 4
    assert entries[0].prev == ledger.GENESIS
    assert all(b.prev == a.hash for a, b in itertools.pairwise(entries))


def test_entries_commit_to_content_without_revealing_it(chain: tuple[Database, Chain, str]) -> None:
    db, _keys, sid = chain
    text = str([e.body for e in load(db, sid)])
    for secret in ("Ferro-chromium", "720241", "58000", "ro-consignee"):
        assert secret not in text
    submitted = load(db, sid)[0].body
    assert submitted["draft"] == ledger.digest_of(STORY.draft("L-1").model_dump(mode="json"))


def test_a_changed_body_in_the_database_is_found(chain: tuple[Database, Chain, str]) -> None:
    db, ring, sid = chain
    with db.transaction() as s:
        row = s.get(LedgerEntryRow, (sid, 2))
        assert row is not None
        row.body = {"place": "somewhere-else"}
    err = broken(load(db, sid), ring)
    assert (err.seq, err.reason) == (2, "bad_hash")


def test_each_kind_of_tampering_names_the_first_bad_entry(
    chain: tuple[Database, Chain, str],
) -> None:
    db, ring, sid = chain
    entries = load(db, sid)
    rehashed = replace(entries[1], body={"kind": "x"})
    rehashed = replace(rehashed, hash=ledger.content_hash(rehashed.content()))
    cases = {
        "gap": [entries[0], *entries[2:]],
        "bad_link": [entries[0], replace(entries[1], prev=entries[0].hash[::-1]), *entries[2:]],
        "bad_signature": [*entries[:3], replace(entries[3], signature=entries[2].signature)],
        "unknown_key": [*entries[:2], replace(entries[2], actor_id="kz-customs"), entries[3]],
    }
    assert broken(cases["gap"], ring).seq == 1
    assert broken(cases["bad_link"], ring).seq == 1
    assert broken(cases["bad_signature"], ring).seq == 3
    assert broken(cases["unknown_key"], ring).seq == 2
    for reason, tampered in cases.items():
        assert broken(tampered, ring).reason in (reason, "bad_hash")
    # Recomputing the hash after a change does not help: the signature no longer matches.
    assert broken([entries[0], rehashed, *entries[2:]], ring).reason in (
        "bad_signature",
        "bad_link",
    )


def test_the_chain_cannot_fork(chain: tuple[Database, Chain, str]) -> None:
    db, _keys, sid = chain
    entry = load(db, sid)[-1]
    with pytest.raises(Conflict), db.transaction() as s:
        s.add(LedgerEntryRow(**{**entry.__dict__, "kind": "fork"}))
    assert len(load(db, sid)) == 4


def test_a_refused_change_leaves_no_ledger_entry(chain: tuple[Database, Chain, str]) -> None:
    db, ring, sid = chain
    with pytest.raises(Exception, match="empty"):
        papers.attach(
            ring.ctx, ORGS["kz-ferroalloy"], sid, DocumentKind.LICENCE, "x", "text/plain", b"", T0
        )
    assert len(load(db, sid)) == 4
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ShipmentRow)).scalar() == 1


@pytest.mark.postgres
def test_parties_writing_to_one_shipment_at_once_all_get_in(
    pg_db: Database, tmp_path: Path
) -> None:
    """Eight parties' documents and events on one shipment at the same moment: each is
    stored, none refused for a taken ledger position, and the chain stays whole."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import _empty

    _empty(pg_db)
    ctx = node_context(pg_db, tmp_path)
    demo.seed(ctx, T0, STORY)
    sid = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("L-9"), T0).id

    def write(i: int) -> None:
        if i % 2:
            timeline.record(ctx, ORGS["kz-rail"], sid, "loaded", T0, f"Wagon {i}", "dostyk")
        else:
            papers.attach(
                ctx,
                ORGS["kz-ferroalloy"],
                sid,
                DocumentKind.PACKING_LIST,
                f"{i}.json",
                "application/json",
                f'{{"n": {i}}}'.encode(),
                T0,
            )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(40)))
    entries = load(pg_db, sid)
    assert [e.seq for e in entries] == list(range(41))
    ledger.verify_chain(entries, keys.trust_list(ctx))
    _empty(pg_db)
