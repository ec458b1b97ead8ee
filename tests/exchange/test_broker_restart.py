"""Stop and restart the NATS server mid-exchange: envelopes accepted while the broker is down
stay in the outbox and go out once it is back; nothing is lost, nothing applied twice.

This test controls the machine's own NATS server with the same command that starts it on the
development and CI machines, and always starts it again before it ends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor.exchange.bus import NatsBus
from corridor.exchange.delivery import pump, relay
from corridor.exchange.node import merged_trust
from corridor.store.tables import InboxRow, OutboxRow
from tests.conftest import T0
from tests.exchange.test_crash import _node, envelope
from tests.exchange.test_exchange import _nats_or_skip

NATS = "/usr/sbin/nats-server"
START = [
    "start-stop-daemon",
    "--start",
    "--oknodo",
    "--background",
    "--exec",
    NATS,
    "--",
    "-a",
    "127.0.0.1",
    "-p",
    "4222",
    "-js",
    "-sd",
    "/var/lib/nats-server",
    "-l",
    "/var/log/nats-server.log",
]
STOP = ["start-stop-daemon", "--stop", "--oknodo", "--retry", "10", "--exec", NATS]


def _up(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", 4222)) == 0:
                return True
        time.sleep(0.1)
    return False


def _down(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _up(0.2):
            return True
        time.sleep(0.1)
    return False


def _controllable() -> None:
    if os.geteuid() != 0 or not os.path.exists(NATS) or not shutil.which("start-stop-daemon"):
        pytest.skip(
            "the local NATS server cannot be stopped and started from here "
            "(needs root, /usr/sbin/nats-server and start-stop-daemon)"
        )


def test_outbox_survives_a_broker_restart(tmp_path: Path) -> None:
    _nats_or_skip()
    _controllable()
    sender = _node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = _node(tmp_path / "eu", "eu", "ro-customs")
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
        bus = await NatsBus(stream=f"RESTART_{tag}", prefix=f"restart{tag}").connect()
        queue(5)
        assert await relay(sender.db, bus, clock) == 5
        await bus.close()

    async def during() -> None:
        bus = NatsBus(stream=f"RESTART_{tag}", prefix=f"restart{tag}")
        queue(5)
        with pytest.raises(Exception):  # noqa: B017 - any transport error: the broker is down
            await asyncio.wait_for(relay(sender.db, bus, clock), timeout=10)

    async def after() -> dict[str, int]:
        bus = await NatsBus(stream=f"RESTART_{tag}", prefix=f"restart{tag}").connect()
        try:
            assert await relay(sender.db, bus, clock) == 5
            return await pump(eu, bus, trust, clock, timeout=1.0)
        finally:
            await bus.drop_stream()
            await bus.close()

    asyncio.run(before())
    try:
        subprocess.run(STOP, check=True, capture_output=True, timeout=30)
        assert _down(10), "the NATS server did not stop"
        asyncio.run(during())
        assert unsent() == 5  # accepted, not yet sent, not lost
    finally:
        subprocess.run(START, check=True, capture_output=True, timeout=30)
        assert _up(15), "the NATS server did not come back"
    time.sleep(1.0)  # JetStream recovers its streams from disk after the port opens
    outcomes = asyncio.run(after())
    assert outcomes == {"stored": 10}
    assert unsent() == 0
    with eu.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) == 10
