"""Dead letters are a state an operator sees and acts on: listed without being taken, replayed
on demand from the node's shell, each then stored once and answered; only the operator (or
the node's shell) may list or replay them."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corridor.cli import app
from corridor.cli import exchange as shell
from corridor.config import Settings
from corridor.demo import demo_roots
from corridor.exceptions import PermissionDenied, StoreUnavailable
from corridor.exchange import delivery
from corridor.exchange.jetstream import NatsBus
from corridor.services import Context, backlog, disclosure, inbound, node_health
from tests.conftest import ORGS, T0
from tests.exchange.conftest import Corridor, nats_or_skip
from tests.servers import NatsServer

SHIPPER = ORGS["kz-ferroalloy"]
runner = CliRunner()
HONEST_WITHIN_S = 5.0


def test_the_operator_lists_and_replays_dead_letters_from_the_shell(
    corridor_nodes: Corridor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nats_or_skip()
    c = corridor_nodes
    az = c.authorities["az"]
    assert az.exchange is not None
    assert c.shipper.exchange is not None
    now = T0 + timedelta(minutes=5)
    az.exchange.clock = c.shipper.exchange.clock = lambda: now
    disclosure.disclose(c.shipper, SHIPPER, c.shipment_id, now)
    asyncio.run(inbound.turn(c.shipper))  # on the (in-process) bus, for az among others
    queue = c.shipper.exchange.bus.queues["az"]  # type: ignore[attr-defined]
    (sealed,) = list(queue)
    queue.clear()

    with NatsServer(tmp_path / "nats") as server:
        # The envelope was set aside on az's dead letters (its store was down for the whole
        # retry budget, say), on the broker the node's shell reaches.
        async def set_aside() -> None:
            bus = await NatsBus(url=server.url).connect()
            await bus.dead_letter("az", sealed)
            await bus.close()

        asyncio.run(set_aside())
        folder = az.settings.data_dir
        monkeypatch.setenv("CORRIDOR_DATA_DIR", str(folder))
        monkeypatch.setenv("CORRIDOR_DATABASE_URL", f"sqlite:///{folder / 'node.db'}")
        # The shell's clock, as the corridor's (its papers were signed at T0).
        monkeypatch.setattr(
            shell, "open_node", lambda: Context.open(Settings.from_env(), clock=lambda: now)
        )
        where = ["--node", "az", "--org", "az-customs", "--nats", server.url]
        where += ["--roots", str(demo_roots(folder.parent))]
        where += ["--cert", str(folder / "node-cert.json")]

        def cli(*args: str) -> str:
            result = runner.invoke(app, [*args, *where])
            assert result.exit_code == 0, result.output
            return str(result.output)

        envelope_id = sealed.split(b'"id":"')[1].split(b'"')[0].decode()
        listed = cli("exchange", "dead-letters", "list")
        assert "Dead letters of node az: 1" in listed
        assert envelope_id[:8] in listed
        assert "shipper" in listed
        # Listing took nothing: the letter is still there, and nothing was stored.
        assert "Dead letters of node az: 1" in cli("exchange", "dead-letters", "list")
        assert disclosure.inbox(az, ORGS["az-customs"]) == []
        assert "Replayed: 1 stored" in cli("exchange", "dead-letters", "replay")
        assert "Dead letters of node az: 0" in cli("exchange", "dead-letters", "list")
        assert "nothing was waiting" in cli("exchange", "dead-letters", "replay")

    (item,) = disclosure.inbox(az, ORGS["az-customs"])
    assert item.envelope_id == envelope_id
    # The receipt the replay queued reaches the shipper, who sees the envelope stored.
    asyncio.run(inbound.turn(az))
    asyncio.run(inbound.turn(c.shipper))
    assert disclosure.answers(c.shipper, SHIPPER, c.shipment_id)["az"] == "stored"


def test_only_the_operator_may_see_or_replay_dead_letters(corridor_nodes: Corridor) -> None:
    az = corridor_nodes.authorities["az"]
    for call in (backlog.dead_letters, backlog.replay_dead_letters, backlog.held):
        with pytest.raises(PermissionDenied, match="only the node operator"):
            asyncio.run(call(az, SHIPPER))


def test_health_tells_of_dead_letters_within_seconds_and_of_their_replay(
    corridor_nodes: Corridor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node whose store refuses what was set aside says so on `/health` within 5 s (its
    loop failing, the dead letters counted); once the store takes writes again its own loop
    replays them, and within 5 s its health is "ok" with none left."""
    c = corridor_nodes
    az, shipper = c.authorities["az"], c.shipper
    assert az.exchange is not None
    assert shipper.exchange is not None
    now = T0 + timedelta(minutes=5)
    az.exchange.clock = shipper.exchange.clock = lambda: now
    az.exchange.interval_s = 0.2
    disclosure.disclose(shipper, SHIPPER, c.shipment_id, now)
    asyncio.run(inbound.turn(shipper))
    queue = shipper.exchange.bus.queues["az"]  # type: ignore[attr-defined]
    (sealed,) = list(queue)
    queue.clear()

    def store_down(*_: object, **__: object) -> str:
        raise StoreUnavailable("the database refused the operation: OperationalError")

    real_receive = delivery.receive

    async def scenario() -> None:
        await az.exchange.bus.dead_letter("az", sealed)  # type: ignore[union-attr]
        monkeypatch.setattr(delivery, "receive", store_down)
        await inbound.start(az)
        try:
            fault = time.monotonic()
            while (report := node_health.check(az)).status == "ok" or not (
                report.exchange and report.exchange["dead_letters"] == 1
            ):
                assert time.monotonic() - fault < HONEST_WITHIN_S, report
                await asyncio.sleep(0.1)
            assert report.exchange is not None
            assert "StoreUnavailable" in (report.exchange["loop_error"] or "")
            monkeypatch.setattr(delivery, "receive", real_receive)
            back = time.monotonic()
            while (report := node_health.check(az)).status != "ok" or (
                report.exchange and report.exchange["dead_letters"]
            ):
                assert time.monotonic() - back < HONEST_WITHIN_S, report
                await asyncio.sleep(0.1)
        finally:
            await inbound.stop(az)

    asyncio.run(scenario())
    (item,) = disclosure.inbox(az, ORGS["az-customs"])
    assert item.envelope_id == sealed.split(b'"id":"')[1].split(b'"')[0].decode()
