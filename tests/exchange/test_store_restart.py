"""Stop PostgreSQL under a receiving node mid-exchange and start it again: the message that
could not be stored is not acknowledged, JetStream delivers it again, and every message is
stored exactly once.

This test controls the machine's own PostgreSQL cluster with the command that starts it on
the development and CI machines, and always starts it again before it ends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor import ledger
from corridor.exceptions import StoreUnavailable
from corridor.exchange.bus import NatsBus
from corridor.exchange.delivery import pump, receive
from corridor.exchange.node import merged_trust
from corridor.store.tables import InboxRow
from tests.conftest import PG_ADMIN_URL, T0
from tests.exchange.test_crash import _node, envelope
from tests.exchange.test_exchange import _nats_or_skip

MESSAGES = 10


def _cluster() -> list[str]:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if os.geteuid() != 0 or not versions or not shutil.which("pg_ctlcluster"):
        pytest.skip(
            "the local PostgreSQL cluster cannot be stopped and started from here "
            "(needs root and pg_ctlcluster)"
        )
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main"]


def _reachable(timeout: float) -> bool:
    engine = sa.create_engine(PG_ADMIN_URL)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                return True
            except sa.exc.OperationalError:
                time.sleep(0.2)
        return False
    finally:
        engine.dispose()


def test_a_store_outage_loses_nothing_and_applies_nothing_twice(
    pg_database_url: str, tmp_path: Path
) -> None:
    _nats_or_skip()
    cluster = _cluster()
    # The receiving node keeps its data in its own PostgreSQL database.
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"corridor_restart_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    eu = _node(tmp_path / "eu", "eu", "ro-customs", database_url=url)
    db = eu.db
    sender = _node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    tag = uuid.uuid4().hex[:10]
    clock = lambda: T0  # noqa: E731

    async def scenario() -> dict[str, int]:
        bus = await NatsBus(
            stream=f"PGRESTART_{tag}", prefix=f"pgrestart{tag}", ack_wait_s=1.0
        ).connect()
        try:
            for i in range(MESSAGES):
                env_id, body = envelope(sender, eu, "pg-restart", i)
                await bus.publish("eu", env_id, body)
            first = await bus.fetch("eu", 3, 2.0)
            for d in first:
                assert receive(eu, d.data, trust, T0) == "stored"
                await d.ack()
            (pending,) = await bus.fetch("eu", 1, 2.0)
            try:
                subprocess.run([*cluster, "stop"], check=True, capture_output=True, timeout=60)
                with pytest.raises(StoreUnavailable):
                    receive(eu, pending.data, trust, T0)  # not stored, so not acknowledged
            finally:
                subprocess.run([*cluster, "start"], check=True, capture_output=True, timeout=60)
                assert _reachable(30), "PostgreSQL did not come back"
            await asyncio.sleep(1.5)  # past the ack wait: JetStream delivers it again
            return await pump(eu, bus, trust, clock, timeout=1.0)
        finally:
            await bus.drop_stream()
            await bus.close()

    try:
        outcomes = asyncio.run(scenario())
        assert outcomes == {"stored": MESSAGES - 3}
        with db.transaction() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) == MESSAGES
            chain = ledger.entries(s, "pg-restart")
        assert len({e.body["envelope"] for e in chain}) == MESSAGES
        assert ledger.verify_chain(chain, trust) == MESSAGES
    finally:
        db.close()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
