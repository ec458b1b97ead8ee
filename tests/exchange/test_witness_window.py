"""The witness window is bounded: entries written after the last envelope are sent as a
checkpoint to a peer that knows the shipment, once a minute, so each is witnessed within the
window; `ledger verify` says how many are not yet; a tail cut after a checkpoint is found;
and a peer keeps checkpoints only for shipments it received data on from that node."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from corridor import ledger
from corridor.exceptions import LedgerBroken
from corridor.exchange import checkpoint, delivery
from corridor.exchange.envelope import seal
from corridor.services import disclosure, inbound, ledgers
from corridor.store.exchange_tables import CheckpointRow, OutboxRow, RejectionRow
from corridor.store.tables import LedgerEntryRow
from tests.conftest import ORGS, T0
from tests.exchange.conftest import Corridor

SHIPPER = ORGS["kz-ferroalloy"]


def _turns(c: Corridor, at: datetime) -> None:
    async def go() -> None:
        nodes = [c.shipper, *c.authorities.values()]
        for node in nodes:
            assert node.exchange is not None
            node.exchange.clock = lambda: at
        for _ in range(3):
            for node in nodes:
                await inbound.turn(node)

    asyncio.run(go())


def _note(c: Corridor, at: datetime, n: int) -> None:
    """n entries written on the shipper's node after its last envelope (a document, a
    custody event: anything that sends nothing)."""
    with c.shipper.db.transaction() as s:
        signer = c.shipper.keys.signer(s, SHIPPER.id)
        for i in range(n):
            ledger.append(s, signer, SHIPPER.id, c.shipment_id, "note", {"n": i}, at)


def test_entries_written_after_the_last_envelope_are_witnessed_within_the_window(
    corridor_nodes: Corridor,
) -> None:
    c = corridor_nodes
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, T0)
    _turns(c, T0 + timedelta(minutes=5))
    view = ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    assert view.unwitnessed == 0
    written = T0 + timedelta(minutes=10)
    _note(c, written, 3)
    view = ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    assert view.unwitnessed == 3
    head = view.entries[-1]
    # Half a minute on, they are left to gather more; a minute on, a checkpoint goes.
    _turns(c, written + timedelta(seconds=30))
    assert ledgers.shipment(c.shipper, SHIPPER, c.shipment_id).unwitnessed == 3
    _turns(c, written + timedelta(minutes=2))
    view = ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)
    assert view.unwitnessed == 0
    assert view.last_witnessed == head.seq
    assert (timedelta(minutes=2).total_seconds()) < checkpoint.WINDOW_S
    # The peer kept what it witnessed; the checkpoint added no entry of its own.
    kept = []
    for ctx in c.authorities.values():
        with ctx.db.transaction() as s:
            kept += [
                (r.shipment_id, r.head_seq, r.head_hash)
                for r in s.scalars(sa.select(CheckpointRow))
            ]
    assert kept == [(c.shipment_id, head.seq, head.hash)]
    assert [e.kind for e in view.entries[head.seq + 1 :]] == ["witnessed"]
    # Nothing new: no further checkpoint.
    _turns(c, written + timedelta(minutes=5))
    with c.shipper.db.transaction() as s:
        checkpoints = s.scalar(
            sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.head_seq == head.seq)
        )
    assert checkpoints == 1
    # Cutting the witnessed tail is found.
    with c.shipper.db.transaction() as s:
        s.execute(
            sa.delete(LedgerEntryRow).where(
                LedgerEntryRow.shipment_id == c.shipment_id, LedgerEntryRow.seq >= head.seq - 2
            )
        )
    with pytest.raises(LedgerBroken, match="witnessed entry"):
        ledgers.shipment(c.shipper, SHIPPER, c.shipment_id)


def test_a_peer_keeps_no_checkpoint_for_a_shipment_it_never_received(
    corridor_nodes: Corridor,
) -> None:
    c = corridor_nodes
    shipper = c.node("shipper")
    az = c.authorities["az"]
    assert az.exchange is not None
    to = c.shipper.exchange.replier().address_of("az") if c.shipper.exchange else None
    assert to is not None
    payload = {"shipment": c.shipment_id, "head": {"seq": 3, "hash": "a" * 64}}
    _, sealed = seal(payload, to, "shipper", SHIPPER.id, shipper.signer, checkpoint.KIND, T0)
    outcome = delivery.receive(
        az.exchange.node, sealed, c.trust(), T0, hosts=az.exchange.directory.host_of
    )
    assert outcome == "not_entitled"
    with az.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CheckpointRow)) == 0
        (row,) = s.scalars(sa.select(RejectionRow))
        assert "sent this node no data" in row.detail
