"""The shipment ledger on SQLite and PostgreSQL: intact chains verify; every kind of tampering
is reported at the first bad entry; the chain cannot fork."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor import demo, ledger, shipments
from corridor.documents import Keys
from corridor.exceptions import Conflict, LedgerBroken
from corridor.model import DocumentKind
from corridor.network import corridor
from corridor.store.db import Database
from corridor.store.tables import LedgerEntryRow, ShipmentRow
from tests.conftest import T0

ORGS = {o.id: o for o in demo.ORGANISATIONS}


@pytest.fixture
def chain(db: Database, tmp_path: Path) -> tuple[Database, Keys, str]:
    demo.seed(db, tmp_path, T0)
    keys = Keys(db, tmp_path)
    s = shipments.submit(db, corridor(), demo.draft("L-1"), ORGS["kz-ferroalloy"], T0, keys=keys)
    shipments.attach_document(
        db,
        ORGS["kz-ferroalloy"],
        s.id,
        DocumentKind.PACKING_LIST,
        "pl.json",
        "application/json",
        b"{}",
        T0,
        keys=keys,
    )
    shipments.record_event(
        db, ORGS["kz-rail"], s.id, "departed", T0, "Departed Dostyk", "dostyk", keys
    )
    shipments.record_event(
        db, ORGS["caspian-ferry"], s.id, "arrived", T0, "Arrived at Baku", "baku-alat", keys
    )
    return db, keys, s.id


def load(db: Database, sid: str) -> list[ledger.Entry]:
    with db.transaction() as s:
        return ledger.entries(s, sid)


def broken(entries: list[ledger.Entry], keys: Keys) -> LedgerBroken:
    with pytest.raises(LedgerBroken) as info:
        ledger.verify_chain(entries, keys.trust_list())
    return info.value


def test_an_intact_chain_verifies_with_each_actors_key(chain: tuple[Database, Keys, str]) -> None:
    db, keys, sid = chain
    entries = load(db, sid)
    assert [e.kind for e in entries] == ["submitted", "document_attached", "departed", "arrived"]
    assert [e.actor_id for e in entries] == [
        "kz-ferroalloy",
        "kz-ferroalloy",
        "kz-rail",
        "caspian-ferry",
    ]
    assert ledger.verify_chain(entries, keys.trust_list()) == 4
    assert entries[0].prev == ledger.GENESIS
    assert all(b.prev == a.hash for a, b in itertools.pairwise(entries))


def test_entries_commit_to_content_without_revealing_it(chain: tuple[Database, Keys, str]) -> None:
    db, _keys, sid = chain
    text = str([e.body for e in load(db, sid)])
    for secret in ("Ferro-chromium", "720241", "58000", "ro-consignee"):
        assert secret not in text
    submitted = load(db, sid)[0].body
    assert submitted["draft"] == ledger.digest_of(demo.draft("L-1").model_dump(mode="json"))


def test_a_changed_body_in_the_database_is_found(chain: tuple[Database, Keys, str]) -> None:
    db, keys, sid = chain
    with db.transaction() as s:
        row = s.get(LedgerEntryRow, (sid, 2))
        assert row is not None
        row.body = {"place": "somewhere-else"}
    err = broken(load(db, sid), keys)
    assert (err.seq, err.reason) == (2, "bad_hash")


def test_each_kind_of_tampering_names_the_first_bad_entry(
    chain: tuple[Database, Keys, str],
) -> None:
    db, keys, sid = chain
    entries = load(db, sid)
    rehashed = replace(entries[1], body={"kind": "x"})
    rehashed = replace(rehashed, hash=ledger.content_hash(rehashed.content()))
    cases = {
        "gap": [entries[0], *entries[2:]],
        "bad_link": [entries[0], replace(entries[1], prev=entries[0].hash[::-1]), *entries[2:]],
        "bad_signature": [*entries[:3], replace(entries[3], signature=entries[2].signature)],
        "unknown_key": [*entries[:2], replace(entries[2], actor_id="kz-customs"), entries[3]],
    }
    assert broken(cases["gap"], keys).seq == 1
    assert broken(cases["bad_link"], keys).seq == 1
    assert broken(cases["bad_signature"], keys).seq == 3
    assert broken(cases["unknown_key"], keys).seq == 2
    for reason, tampered in cases.items():
        assert broken(tampered, keys).reason in (reason, "bad_hash")
    # Recomputing the hash after a change does not help: the signature no longer matches.
    assert broken([entries[0], rehashed, *entries[2:]], keys).reason in (
        "bad_signature",
        "bad_link",
    )


def test_the_chain_cannot_fork(chain: tuple[Database, Keys, str]) -> None:
    db, _keys, sid = chain
    entry = load(db, sid)[-1]
    with pytest.raises(Conflict), db.transaction() as s:
        s.add(LedgerEntryRow(**{**entry.__dict__, "kind": "fork"}))
    assert len(load(db, sid)) == 4


def test_a_refused_change_leaves_no_ledger_entry(chain: tuple[Database, Keys, str]) -> None:
    db, keys, sid = chain
    with pytest.raises(Exception, match="empty"):
        shipments.attach_document(
            db,
            ORGS["kz-ferroalloy"],
            sid,
            DocumentKind.LICENCE,
            "x",
            "text/plain",
            b"",
            T0,
            keys=keys,
        )
    assert len(load(db, sid)) == 4
    with db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ShipmentRow)).scalar() == 1
