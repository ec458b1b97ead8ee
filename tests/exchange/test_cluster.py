"""A three-server NATS JetStream cluster on loopback, stream and directory kept on all three
(replicas 3): kill -9 one server in the middle of an exchange, bring it back, then kill
another. Every envelope reaches its node exactly once; nothing is lost, nothing is applied
twice, and the relay and the receiver keep going through both failures.

The test starts its own three servers (own ports, own data folders) and stops only those.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from corridor.exchange.intake import pump
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import LocalNode, merged_trust
from corridor.exchange.outbox import relay
from corridor.store.exchange_tables import InboxRow, OutboxRow
from corridor.store.tables import LedgerEntryRow
from tests.conftest import T0
from tests.exchange.conftest import envelope, local_node
from tests.servers import NatsServer, free_port

CLUSTER = "corridor-test"
HONEST_WITHIN_S = 5.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[NatsServer]]:
    """Three clustered JetStream servers, each knowing the others' route ports."""
    routes = [free_port() for _ in range(3)]
    servers = []
    for i, route in enumerate(routes):
        others = ",".join(f"nats://127.0.0.1:{r}" for j, r in enumerate(routes) if j != i)
        servers.append(
            NatsServer(
                tmp_path / f"nats-{i}",
                extra=[
                    "--server_name",
                    f"n{i}",
                    "--cluster_name",
                    CLUSTER,
                    "--cluster",
                    f"nats://127.0.0.1:{route}",
                    "--routes",
                    others,
                ],
            )
        )
    try:
        for s in servers:
            s.start()
        yield servers
    finally:
        for s in servers:
            s.stop(kill=True)


async def _connected(url: str, tag: str, deadline_s: float = 60) -> NatsBus:
    """A bus on the cluster once JetStream has a leader and can hold a 3-replica stream."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return await NatsBus(
                url=url, stream=f"CLUSTER_{tag}", prefix=f"cluster{tag}", replicas=3
            ).connect()
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _serving(cluster: list[NatsServer], bus: NatsBus) -> NatsServer:
    """The server of the cluster a client is connected to."""
    return next(s for s in cluster if s.url.endswith(f":{bus.server.split(':')[-1]}"))  # type: ignore[union-attr]


def _queue(sender: LocalNode, receiver: LocalNode, first: int, n: int) -> None:
    with sender.db.transaction() as s:
        for i in range(first, first + n):
            env_id, body = envelope(sender, receiver, "cluster", i)
            s.add(OutboxRow(id=env_id, to_node="eu", body=body, created_at=T0, sent_at=None))


def _unsent(sender: LocalNode) -> int:
    with sender.db.transaction() as s:
        return int(
            s.scalar(
                sa.select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None))
            )
            or 0
        )


async def _drain_outbox(sender: LocalNode, bus: NatsBus, within_s: float = 60) -> int:
    """Relay until the outbox is empty, retrying through a leader election; the failures
    seen on the way."""
    failures = 0
    deadline = time.monotonic() + within_s
    while _unsent(sender):
        try:
            await asyncio.wait_for(relay(sender.db, bus, lambda: T0), timeout=5)
        except Exception:  # a server died under the client: the exchange loop retries
            failures += 1
            await asyncio.sleep(0.5)
        assert time.monotonic() < deadline, "the outbox never drained"
    return failures


def _inbox(node: LocalNode) -> int:
    with node.db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(InboxRow)) or 0)


async def _take(
    node: LocalNode, bus: NatsBus, trust: object, until: int, within_s: float = 60
) -> dict[str, int]:
    """Pump the node's subject until its inbox holds `until` envelopes, retrying through a
    failure; then once more, to see that nothing else (no second copy) is waiting."""
    total: dict[str, int] = {}
    deadline = time.monotonic() + within_s
    while True:
        try:
            got = await pump(node, bus, trust, lambda: T0, timeout=1.0)  # type: ignore[arg-type]
        except Exception:  # a server died under the client: the exchange loop retries
            await asyncio.sleep(0.5)
            got = {}
        for k, v in got.items():
            total[k] = total.get(k, 0) + v
        if _inbox(node) >= until and not got:
            return total
        assert time.monotonic() < deadline, f"the receiver never caught up: {total}"


def test_a_three_server_cluster_loses_nothing_when_servers_die(
    tmp_path: Path, cluster: list[NatsServer]
) -> None:
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = local_node(tmp_path / "eu", "eu", "ro-customs")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    url = ",".join(s.url for s in cluster)
    tag = uuid.uuid4().hex[:10]

    async def scenario() -> tuple[dict[str, int], int]:
        bus = await _connected(url, tag)
        receiver = await _connected(url, tag)
        failures = 0
        try:
            _queue(sender, eu, 0, 10)
            failures += await _drain_outbox(sender, bus)
            first = await pump(eu, receiver, trust, lambda: T0, batch=4, timeout=1.0)
            assert 0 < sum(first.values()) <= 10

            # kill -9 the server the sender is connected to, mid-exchange: part taken, more
            # queued.
            first_down = _serving(cluster, bus)
            await asyncio.to_thread(first_down.stop, True)
            _queue(sender, eu, 10, 10)
            failures += await _drain_outbox(sender, bus)
            got = await _take(eu, receiver, trust, until=20)

            # It comes back and catches up; then the receiver's server dies (or another one,
            # if the receiver is on the one that just came back).
            await asyncio.to_thread(first_down.start)
            await asyncio.sleep(3)
            second_down = _serving(cluster, receiver)
            if second_down is first_down:
                second_down = next(s for s in cluster if s is not first_down)
            await asyncio.to_thread(second_down.stop, True)
            _queue(sender, eu, 20, 10)
            failures += await _drain_outbox(sender, bus)
            more = await _take(eu, receiver, trust, until=30)
            totals = dict(first)
            for part in (got, more):
                for k, v in part.items():
                    totals[k] = totals.get(k, 0) + v
            return totals, failures
        finally:
            for b in (bus, receiver):
                # Teardown of a cluster the test broke: nothing to keep from a failure.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(b.close(), timeout=10)

    totals, _failures = asyncio.run(scenario())
    # Thirty envelopes, each stored once; a redelivered one is recognised, not stored again.
    assert totals.get("stored") == 30, totals
    assert set(totals) <= {"stored", "duplicate"}, totals
    assert _unsent(sender) == 0
    with sender.db.transaction() as s:
        sent = set(s.scalars(sa.select(OutboxRow.id)).all())
    with eu.db.transaction() as s:
        received = set(s.scalars(sa.select(InboxRow.envelope_id)).all())
        applied = s.scalar(
            sa.select(sa.func.count())
            .select_from(LedgerEntryRow)
            .where(LedgerEntryRow.shipment_id == "cluster", LedgerEntryRow.kind == "received")
        )
    assert len(sent) == 30
    assert received == sent
    assert applied == 30


# nats-py leaves the socket to a stopped (hung) server closing for ever when it moves on; its
# StreamWriter is collected unclosed. That is the library's, with the peer frozen: collected
# here, inside this test, so it never surfaces in another.
@pytest.mark.filterwarnings("ignore:unclosed <StreamWriter:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_hung_server_is_left_within_seconds(tmp_path: Path, cluster: list[NatsServer]) -> None:
    """A server stopped with SIGSTOP keeps its sockets open but answers nothing: the clients
    connected to it notice within seconds (pings, timed-out requests) and carry on with the
    two healthy servers; nothing is lost, nothing applied twice."""
    sender = local_node(tmp_path / "shipper", "shipper", "kz-ferroalloy")
    eu = local_node(tmp_path / "eu", "eu", "ro-customs")
    trust = merged_trust([sender.own_trust(), eu.own_trust()])
    url = ",".join(s.url for s in cluster)
    tag = uuid.uuid4().hex[:10]

    async def scenario() -> tuple[dict[str, int], float]:
        bus = await _connected(url, tag)
        receiver = await _connected(url, tag)
        hung = _serving(cluster, bus)
        hung_at = bus.server
        assert hung.process is not None
        try:
            _queue(sender, eu, 0, 5)
            await _drain_outbox(sender, bus)
            got = await _take(eu, receiver, trust, until=5)
            hung.process.send_signal(signal.SIGSTOP)
            started = time.monotonic()
            # Health is honest within 5 s: the client has left the hung server (it says
            # "down" while it reconnects, "up" once on a healthy one).
            while bus.connected and bus.server == hung_at:
                await asyncio.sleep(0.1)
                assert time.monotonic() - started < HONEST_WITHIN_S, "still on the hung server"
            _queue(sender, eu, 5, 5)
            await _drain_outbox(sender, bus, within_s=90)
            more = await _take(eu, receiver, trust, until=10, within_s=90)
            took = time.monotonic() - started
            for k, v in more.items():
                got[k] = got.get(k, 0) + v
            return got, took
        finally:
            hung.process.send_signal(signal.SIGCONT)
            for b in (bus, receiver):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(b.close(), timeout=10)

    totals, took = asyncio.run(scenario())
    gc.collect()
    assert totals.get("stored") == 10, totals
    assert set(totals) <= {"stored", "duplicate"}, totals
    # Found out and left in well under the minutes nats-py's defaults would take.
    assert took < 60, f"the exchange stalled {took:.0f} s behind a hung server"
