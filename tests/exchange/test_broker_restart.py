"""Stop and restart a NATS server mid-exchange: envelopes accepted while the broker is down
stay in the outbox and go out once it is back; nothing is lost, nothing applied twice; a
client that lived through the outage reconnects by itself.

Each test starts its own nats-server (own port, own data folder) and stops only that.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor.exchange.intake import pump
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import merged_trust
from corridor.exchange.outbox import relay
from corridor.store.exchange_tables import InboxRow, OutboxRow
from tests.conftest import T0
from tests.exchange.conftest import envelope, local_node
from tests.servers import NatsServer


def test_outbox_survives_a_broker_restart(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats").start()
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = local_node(tmp_path / "eu", "eu", "ro-customs")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    tag = uuid.uuid4().hex[:10]
    clock = lambda: T0  # noqa: E731

    def queue(n: int) -> None:
        with sender.db.transaction() as s:
            for i in range(n):
                env_id, body = envelope(sender, eu, "restart", i)
                s.add(OutboxRow(id=env_id, to_node="eu", body=body, created_at=T0, sent_at=None))

    def unsent() -> int:
        with sender.db.transaction() as s:
            return int(
                s.scalar(
                    sa.select(sa.func.count())
                    .select_from(OutboxRow)
                    .where(OutboxRow.sent_at.is_(None))
                )
                or 0
            )

    async def before() -> None:
        bus = await NatsBus(
            url=server.url, stream=f"RESTART_{tag}", prefix=f"restart{tag}"
        ).connect()
        queue(5)
        assert await relay(sender.db, bus, clock) == 5
        await bus.close()

    async def during() -> None:
        bus = NatsBus(url=server.url, stream=f"RESTART_{tag}", prefix=f"restart{tag}")
        queue(5)
        with pytest.raises(Exception):  # noqa: B017 - any transport error: the broker is down
            await asyncio.wait_for(relay(sender.db, bus, clock), timeout=10)

    async def after() -> dict[str, int]:
        bus = await NatsBus(
            url=server.url, stream=f"RESTART_{tag}", prefix=f"restart{tag}"
        ).connect()
        try:
            assert await relay(sender.db, bus, clock) == 5
            return await pump(eu, bus, trust, clock, timeout=1.0)
        finally:
            await bus.drop_stream()
            await bus.close()

    try:
        asyncio.run(before())
        server.stop()
        asyncio.run(during())
        assert unsent() == 5  # accepted, not yet sent, not lost
        server.start()
        time.sleep(1.0)  # JetStream recovers its streams from disk after the port opens
        outcomes = asyncio.run(after())
    finally:
        server.stop()
    assert outcomes == {"stored": 10}
    assert unsent() == 0
    with eu.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) == 10


# Five minutes, ten times the old client's 30 s of retries; CORRIDOR_TEST_OUTAGE_S=40
# shortens it for a quick local run.
OUTAGE_S = float(os.environ.get("CORRIDOR_TEST_OUTAGE_S", "300"))


def test_a_running_exchange_drains_after_a_long_outage_without_a_restart(tmp_path: Path) -> None:
    """An outage longer than the old client's 30 s of retries: the same bus object, in the
    same running loop, reconnects by itself and sends what waited."""
    server = NatsServer(tmp_path / "nats").start()
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = local_node(tmp_path / "eu", "eu", "ro-customs")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    tag = uuid.uuid4().hex[:10]

    def queue(n: int, first: int) -> None:
        with sender.db.transaction() as s:
            for i in range(first, first + n):
                env_id, body = envelope(sender, eu, "outage", i)
                s.add(OutboxRow(id=env_id, to_node="eu", body=body, created_at=T0, sent_at=None))

    async def scenario() -> tuple[int, dict[str, int], float]:
        bus = await NatsBus(url=server.url, stream=f"OUT_{tag}", prefix=f"out{tag}").connect()
        try:
            queue(3, 0)
            assert await relay(sender.db, bus, lambda: T0) == 3
            server.stop()
            queue(3, 3)
            failures = 0
            loop = asyncio.get_running_loop()
            restarted = loop.time() + OUTAGE_S
            drained_at = None
            while drained_at is None:
                if server.process is None and loop.time() >= restarted:
                    await asyncio.to_thread(server.start)
                try:
                    await asyncio.wait_for(relay(sender.db, bus, lambda: T0), timeout=2)
                    if server.process is not None:
                        drained_at = loop.time()
                except Exception:  # the broker is down: the exchange loop would retry
                    failures += 1
                    await asyncio.sleep(1)
                assert loop.time() < restarted + 60, "never drained"
            got = await pump(eu, bus, trust, lambda: T0, timeout=1.0)
            return failures, got, drained_at - restarted
        finally:
            await bus.drop_stream()
            await bus.close()

    try:
        failures, got, after = asyncio.run(scenario())
    finally:
        server.stop()
    assert failures > 0  # it really was down
    assert got == {"stored": 6}
    assert after < 30, f"drained {after:.0f} s after the broker came back"
