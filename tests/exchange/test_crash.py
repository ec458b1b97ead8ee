"""Kill -9 a receiving node mid-exchange and restart it: every accepted message is stored,
none twice (NATS JetStream redelivers what was not acknowledged; the inbox key absorbs it)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from corridor import ledger
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import merged_trust
from corridor.store.db import Database
from tests.conftest import T0
from tests.exchange.conftest import envelope, local_node, nats_or_skip

MESSAGES = 40
SHIPMENT = "crash-test-shipment"
WORKER = r"""
import asyncio, sys, time
from datetime import datetime
from pathlib import Path
from corridor import demo
from corridor.store.db import Database
from corridor.documents import TrustList
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.delivery import receive

folder, stream, prefix, trust_file, t0 = sys.argv[1:6]
now = datetime.fromisoformat(t0)
node = demo.national_node(Path(folder), "eu", "ro-customs", now).exchange.node
trust = TrustList.from_json(Path(trust_file).read_text())

async def main():
    bus = await NatsBus(stream=stream, prefix=prefix, ack_wait_s=1.0).connect()
    idle = 0
    while idle < 4:
        deliveries = await bus.fetch("eu", 1, 1.0)
        if not deliveries:
            idle += 1
            continue
        idle = 0
        for d in deliveries:
            print(receive(node, d.data, trust, now), flush=True)
            time.sleep(0.05)  # a slow node: a kill can land between storing and acknowledging
            await d.ack()
    await bus.close()

asyncio.run(main())
"""


def _stored(folder: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{folder / 'node.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM exchange_inbox")).scalar_one())
    except sa.exc.OperationalError:
        return 0
    finally:
        engine.dispose()


def test_a_killed_node_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    nats_or_skip()
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu_folder = tmp_path / "eu"
    eu = local_node(eu_folder, "eu", "ro-customs")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(trust.to_json())
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"CRASH_{tag}", f"crash{tag}"

    async def publish() -> None:
        bus = await NatsBus(stream=stream, prefix=prefix).connect()
        for i in range(MESSAGES):
            env_id, body = envelope(sender, eu, SHIPMENT, i)
            await bus.publish("eu", env_id, body)
        await bus.close()

    asyncio.run(publish())
    eu.db.close()
    args = [
        sys.executable,
        "-c",
        WORKER,
        str(eu_folder),
        stream,
        prefix,
        str(trust_file),
        T0.isoformat(),
    ]
    try:
        first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while _stored(eu_folder) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        at_kill = _stored(eu_folder)
        assert 10 <= at_kill < MESSAGES
        second = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
    finally:

        async def drop() -> None:
            bus = await NatsBus(stream=stream, prefix=prefix).connect()
            await bus.drop_stream()
            await bus.close()

        asyncio.run(drop())
    assert _stored(eu_folder) == MESSAGES
    db = Database.open(f"sqlite:///{eu_folder / 'node.db'}")
    try:
        with db.transaction() as s:
            chain = ledger.entries(s, SHIPMENT)
        # One 'received' entry per envelope: nothing applied twice, and the chain is intact.
        assert [e.kind for e in chain] == ["received"] * MESSAGES
        assert len({e.body["envelope"] for e in chain}) == MESSAGES
        assert ledger.verify_chain(chain, trust) == MESSAGES
    finally:
        db.close()
