"""One bad message never blocks the next: the poison cases an attacker can publish to a
node's subject are refused, logged with their envelope id when it can be read, and
acknowledged; a valid envelope right behind each is stored."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corridor.exceptions import StoreUnavailable
from corridor.exchange import delivery
from corridor.exchange.bus import DEAD_AFTER_S, Delivery, InProcessBus
from corridor.exchange.envelope import seal
from corridor.exchange.intake import pump, replay
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import LocalNode, merged_trust
from corridor.store.exchange_tables import InboxRow, RejectionRow
from tests.conftest import T0
from tests.exchange.conftest import envelope, local_node, nats_or_skip


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[LocalNode, LocalNode]]:
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = local_node(tmp_path / "eu", "eu", "ro-customs")
    yield sender, eu
    sender.db.close()
    eu.db.close()


def _sealed(sender: LocalNode, eu: LocalNode, payload: Any) -> tuple[str, bytes]:
    return seal(payload, eu.address(), "shipper", "kz-ferroalloy", sender.signer, "pre-arrival", T0)


def poison(sender: LocalNode, eu: LocalNode) -> dict[str, tuple[str | None, bytes]]:
    """Each poison message, with the envelope id a rejection should carry (None: unreadable)."""
    nested = ("[" * 1300 + "]" * 1300).encode()  # about 2.6 KB
    docs_id, docs = _sealed(sender, eu, {"shipment": "s", "procedure": "import", "documents": 5})
    ship_id, no_shipment = _sealed(sender, eu, {"procedure": "import", "documents": {}})
    nul_id, nul = _sealed(
        sender, eu, {"shipment": "s\u0000x", "procedure": "import", "documents": {}}
    )
    deep_id, deep_payload = _sealed(
        sender, eu, {"shipment": "s", "x": json.loads("[" * 900 + "]" * 900)}
    )
    ok_id, ok = envelope(sender, eu, "s", 0)
    bad_time = json.loads(ok)
    bad_time["created"] = "yesterday"
    true_time = json.loads(ok)
    true_time["expires"] = True  # a boolean is no number
    return {
        "nested json": (None, nested),
        "not json": (None, b"\xff\xfe{"),
        "documents is a number": (docs_id, docs),
        "no shipment": (ship_id, no_shipment),
        "nul character": (nul_id, nul),
        "deeply nested payload": (deep_id, deep_payload),
        "created is not a time": (ok_id, json.dumps(bad_time).encode()),
        "expires is a boolean": (ok_id, json.dumps(true_time).encode()),
        "a list": (None, b"[1, 2, 3]"),
    }


def _rejections(eu: LocalNode) -> list[tuple[str, str | None]]:
    with eu.db.transaction() as s:
        return [(r.reason, r.envelope_id) for r in s.scalars(sa.select(RejectionRow))]


def _stored(eu: LocalNode) -> set[str]:
    with eu.db.transaction() as s:
        return set(s.scalars(sa.select(InboxRow.envelope_id)))


def test_poison_is_refused_and_the_valid_envelope_behind_each_is_stored(
    pair: tuple[LocalNode, LocalNode],
) -> None:
    sender, eu = pair
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    bus = InProcessBus()
    cases = poison(sender, eu)
    valid = []

    async def run() -> dict[str, int]:
        for i, (_env, raw) in enumerate(cases.values()):
            await bus.publish("eu", "p", raw)
            env_id, body = envelope(sender, eu, "behind", i + 1)
            valid.append(env_id)
            await bus.publish("eu", env_id, body)
        return await pump(eu, bus, trust, lambda: T0, timeout=0.1)

    outcomes = asyncio.run(run())
    assert outcomes["stored"] == len(cases)
    assert _stored(eu) == set(valid)
    rejections = _rejections(eu)
    assert len(rejections) == len(cases)
    assert {reason for reason, _ in rejections} == {"malformed"}
    expected_ids = sorted(str(e) for e, _ in cases.values() if e)
    assert sorted(str(e) for _, e in rejections if e) == expected_ids


class OneMessageBus(InProcessBus):
    """Hands out one message once, first held by the bus `waited` seconds before T0, and
    records acks."""

    def __init__(self, data: bytes, waited: float) -> None:
        super().__init__()
        self.pending = [data]
        self.since = T0.timestamp() - waited
        self.acked = 0

    async def fetch(self, node: str, batch: int, timeout: float) -> list[Delivery]:
        async def ack() -> None:
            self.acked += 1

        out = [Delivery(d, ack, 1, self.since) for d in self.pending]
        self.pending = []
        return out


def test_a_message_that_never_stores_is_dead_lettered_then_replayed(
    pair: tuple[LocalNode, LocalNode], monkeypatch: pytest.MonkeyPatch
) -> None:
    sender, eu = pair
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    _id, stuck = envelope(sender, eu, "stuck", 0)

    def store_down(*_: Any) -> str:
        raise StoreUnavailable("the database refused the operation: DataError")

    real_receive = delivery.receive
    monkeypatch.setattr(delivery, "receive", store_down)
    # Within the retry budget (hours, not a count) the failure propagates: unacknowledged,
    # it is delivered again; a 25-minute store outage dead-letters nothing ...
    early = OneMessageBus(stuck, waited=25 * 60)
    with pytest.raises(StoreUnavailable):
        asyncio.run(pump(eu, early, trust, lambda: T0, timeout=0.1))
    assert early.acked == 0
    # ... past it, it is set aside on the dead-letter subject and acknowledged.
    late = OneMessageBus(stuck, waited=DEAD_AFTER_S + 1)
    assert asyncio.run(pump(eu, late, trust, lambda: T0, timeout=0.1)) == {"dead_lettered": 1}
    assert late.acked == 1
    assert asyncio.run(late.dead_count("eu")) == 1
    # While the store is still down a replay leaves it waiting; once back, it is stored.
    with pytest.raises(StoreUnavailable):
        asyncio.run(replay(eu, late, trust, lambda: T0))
    assert asyncio.run(late.dead_count("eu")) == 1
    monkeypatch.setattr(delivery, "receive", real_receive)
    assert asyncio.run(replay(eu, late, trust, lambda: T0)) == {"stored": 1}
    assert asyncio.run(late.dead_count("eu")) == 0


def test_poison_over_jetstream_does_not_block_the_inbox(pair: tuple[LocalNode, LocalNode]) -> None:
    nats_or_skip()
    sender, eu = pair
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    tag = uuid.uuid4().hex[:10]
    cases = poison(sender, eu)

    async def scenario() -> tuple[float, list[str]]:
        bus = await NatsBus(stream=f"POISON_{tag}", prefix=f"poison{tag}", ack_wait_s=30).connect()
        try:
            valid = []
            for i, (_env, raw) in enumerate(cases.values()):
                await bus.publish("eu", uuid.uuid4().hex, raw)
                env_id, body = envelope(sender, eu, "behind", i + 1)
                valid.append(env_id)
                await bus.publish("eu", env_id, body)
            start = time.monotonic()
            while _stored(eu) != set(valid) and time.monotonic() - start < 5:
                await pump(eu, bus, trust, lambda: T0, timeout=0.5)
            return time.monotonic() - start, valid
        finally:
            await bus.drop_stream()
            await bus.close()

    took, valid = asyncio.run(scenario())
    assert _stored(eu) == set(valid), (
        f"only {len(_stored(eu))} of {len(valid)} stored in {took:.1f} s"
    )
    assert took < 5
    assert len(_rejections(eu)) == len(cases)
