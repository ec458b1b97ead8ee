"""Stop PostgreSQL under a receiving node mid-exchange and start it again: the message that
could not be stored is not acknowledged, JetStream delivers it again, and every message is
stored exactly once.

The test runs its own PostgreSQL server (own folder, own port) and stops only that.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor import ledger
from corridor.exceptions import StoreUnavailable
from corridor.exchange.delivery import receive
from corridor.exchange.intake import pump
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import merged_trust
from corridor.services import node_health
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow, RejectionRow
from tests.conftest import T0, fresh_pg_database
from tests.exchange.conftest import envelope, local_context, local_node, nats_or_skip
from tests.servers import PostgresServer, until

MESSAGES = 10
HONEST_WITHIN_S = 5.0


def _store_answers(ctx: Context) -> bool:
    """What `/health` reports of the store: False while it cannot be read (a 503)."""
    try:
        return bool(node_health.check(ctx).store["writable"])
    except StoreUnavailable:
        return False


def test_a_store_outage_loses_nothing_and_applies_nothing_twice(tmp_path: Path) -> None:
    nats_or_skip()
    # The receiving node keeps its data in a PostgreSQL server of this test's own.
    server = PostgresServer().start()
    url = server.url
    ctx = local_context(tmp_path / "eu", "eu", "ro-customs", database_url=url)
    assert ctx.exchange is not None
    eu = ctx.exchange.node
    db = eu.db
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
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
            assert _store_answers(ctx)
            server.stop()
            # /health says so within 5 s of the store stopping, and of its return.
            stopped = time.monotonic()
            assert until(lambda: not _store_answers(ctx), HONEST_WITHIN_S)
            assert time.monotonic() - stopped <= HONEST_WITHIN_S + 1
            with pytest.raises(StoreUnavailable):
                receive(eu, pending.data, trust, T0)  # not stored, so not acknowledged
            server.start()
            back = time.monotonic()
            assert until(lambda: _store_answers(ctx), HONEST_WITHIN_S)
            assert time.monotonic() - back <= HONEST_WITHIN_S + 1
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
        server.remove()


def test_a_cancelled_statement_leaves_the_envelope_to_be_delivered_again(tmp_path: Path) -> None:
    """While another transaction holds the shipment's chain, the receiving node's lock wait
    is cancelled (a lock timeout, as an operator's pg_cancel_backend or a statement timeout
    would): the envelope is not filed as malformed and not acknowledged; delivered again,
    it is stored once."""
    with fresh_pg_database() as url:
        ctx = local_context(tmp_path / "eu", "eu", "ro-customs", database_url=url)
        assert ctx.exchange is not None
        eu = ctx.exchange.node
        sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
        trust = merged_trust([sender.own_trust(), eu.own_trust()])
        name = sa.engine.make_url(url).database
        with eu.db.engine.connect() as c:
            c.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET lock_timeout = '200ms'")
            c.commit()
        eu.db.engine.dispose()  # new connections take the setting
        _, body = envelope(sender, eu, "pg-cancel", 0)
        key = int.from_bytes(hashlib.sha256(b"pg-cancel").digest()[:8], "big", signed=True)
        try:
            with eu.db.engine.connect() as holder:
                holder.exec_driver_sql(f"SELECT pg_advisory_lock({key})")
                with pytest.raises(StoreUnavailable):
                    receive(eu, body, trust, T0)  # not acknowledged: JetStream delivers again
                # One cancelled statement is not an outage: /health still says the store
                # reads and writes.
                assert _store_answers(ctx)
                holder.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
            assert receive(eu, body, trust, T0) == "stored"
            with eu.db.transaction() as s:
                assert s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) == 1
                assert s.scalar(sa.select(sa.func.count()).select_from(RejectionRow)) == 0
        finally:
            eu.db.close()
            sender.db.close()


def test_a_terminated_backend_leaves_the_envelope_to_be_delivered_again(tmp_path: Path) -> None:
    """The receiving node's backend is terminated (`pg_terminate_backend`, as an operator or a
    failover would) while it waits for the shipment's chain: the envelope is not filed as
    malformed and not acknowledged, `/health` says the store answers again within 5 s, and
    delivered again the envelope is stored once."""
    with fresh_pg_database() as url:
        ctx = local_context(tmp_path / "eu", "eu", "ro-customs", database_url=url)
        assert ctx.exchange is not None
        eu = ctx.exchange.node
        sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
        trust = merged_trust([sender.own_trust(), eu.own_trust()])
        _, body = envelope(sender, eu, "pg-terminate", 0)
        key = int.from_bytes(hashlib.sha256(b"pg-terminate").digest()[:8], "big", signed=True)
        outcome: list[object] = []

        def take() -> None:
            try:
                outcome.append(receive(eu, body, trust, T0))
            except Exception as exc:  # what the exchange loop would see
                outcome.append(exc)

        find = (
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )
        operator = eu.db.engine.execution_options(isolation_level="AUTOCOMMIT")
        try:
            with operator.connect() as holder:
                holder.exec_driver_sql(f"SELECT pg_advisory_lock({key})")
                waiting = threading.Thread(target=take)
                waiting.start()
                try:
                    pids = until(lambda: holder.exec_driver_sql(find).scalars().all(), 10)
                    assert pids, "the receiving node never waited for the chain"
                    for pid in pids:
                        holder.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
                finally:
                    holder.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
                    waiting.join(timeout=10)
            (result,) = outcome
            assert isinstance(result, StoreUnavailable), result
            terminated = time.monotonic()
            assert until(lambda: _store_answers(ctx), HONEST_WITHIN_S)
            assert time.monotonic() - terminated <= HONEST_WITHIN_S + 1
            assert receive(eu, body, trust, T0) == "stored"
            assert receive(eu, body, trust, T0) == "replayed"  # and not stored twice
            with eu.db.transaction() as s:
                assert s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) == 1
                # Only the repeat is logged; nothing was ever taken for malformed.
                assert s.scalars(sa.select(RejectionRow.reason)).all() == ["replayed"]
        finally:
            eu.db.close()
            sender.db.close()
