"""Per-node broker users against a NATS server of the test's own: each node publishes only
to other nodes' inboxes, reads only its own, writes only its own directory entries, and
cannot touch the stream; a client without a user is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nats.errors import Error as NatsError

from corridor.exceptions import StoreUnavailable
from corridor.exchange import broker
from corridor.exchange.jetstream import NatsBus
from tests.servers import NatsServer

# What a client sees when the server refuses a request (it answers no request it refuses).
REFUSED = (TimeoutError, NatsError)


@pytest.fixture
def users(tmp_path: Path) -> dict[str, Path]:
    """Seeds of the broker operator and of three nodes."""
    return {name: broker.ensure_user(tmp_path / name)[0] for name in ("admin", "az", "eu", "ge")}


@pytest.fixture
def server(tmp_path: Path, users: dict[str, Path]) -> NatsServer:
    conf = tmp_path / "nats.conf"
    conf.write_text(
        broker.server_config(
            {n: broker.public_key(users[n]) for n in ("az", "eu", "ge")},
            admin=broker.public_key(users["admin"]),
        )
    )
    with NatsServer(tmp_path / "nats", extra=["-c", str(conf)]) as running:
        yield running


def bus(server: NatsServer, users: dict[str, Path], who: str) -> NatsBus:
    node = None if who == "admin" else who
    return NatsBus(url=server.url, node=node, nkey_seed=users[who], ack_wait_s=2.0)


def test_each_node_may_do_its_own_part_and_nothing_else(
    server: NatsServer, users: dict[str, Path]
) -> None:
    async def go() -> None:
        admin = await bus(server, users, "admin").connect()  # makes the stream
        await admin.directory_all()  # and the directory bucket
        az, eu = await bus(server, users, "az").connect(), await bus(server, users, "eu").connect()
        # Allowed: send to another node, read one's own inbox, write one's own entries.
        await az.publish("eu", "m-1", b"sealed for eu")
        got = await eu.fetch("eu", 10, 2.0)
        assert [d.data for d in got] == [b"sealed for eu"]
        for d in got:
            await d.ack()
        await az.directory_put("az.node.az", b"az's statement")
        assert b"az's statement" in await eu.directory_all()
        # A node sets aside its own dead letters and reads them back to replay them.
        await eu.dead_letter("eu", b"could not store")
        assert await eu.dead_count("eu") == 1
        dead = await eu.take_dead("eu", 10, 2.0)
        assert [d.data for d in dead] == [b"could not store"]
        for d in dead:
            await d.ack()
        # ... but never another node's.
        with pytest.raises(REFUSED):
            await asyncio.wait_for(az.take_dead("eu", 10, 1.0), 2)
        # Refused: reading another node's inbox ...
        await az.publish("ge", "m-2", b"sealed for ge")
        with pytest.raises(REFUSED):  # the server refuses; the client's request times out
            await asyncio.wait_for(eu.fetch("ge", 10, 1.0), 2)
        # ... writing another node's directory entries ...
        with pytest.raises(REFUSED):
            await asyncio.wait_for(az.directory_put("eu.node.eu", b"forged"), 2)
        assert b"forged" not in await admin.directory_all()
        # ... and deleting or purging the stream.
        assert az._js is not None
        with pytest.raises(REFUSED):
            await asyncio.wait_for(az._js.delete_stream(az.stream), 2)
        with pytest.raises(REFUSED):
            await asyncio.wait_for(az._js.purge_stream(az.stream), 2)
        # The message for ge is still there, for ge alone.
        ge = await bus(server, users, "ge").connect()
        assert [d.data for d in await ge.fetch("ge", 10, 2.0)] == [b"sealed for ge"]
        for b in (admin, az, eu, ge):
            await b.close()

    asyncio.run(go())


def test_a_client_without_a_user_is_refused(
    server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridor.exchange import jetstream as bus_module

    monkeypatch.setattr(bus_module, "CONNECT_WITHIN_S", 3.0)

    async def go() -> None:
        with pytest.raises(StoreUnavailable, match=r"(?i)refused this node.*authorization"):
            await NatsBus(url=server.url).connect()
        stranger, _ = broker.ensure_user(tmp_path / "stranger")
        with pytest.raises(StoreUnavailable, match="CORRIDOR_NATS_NKEY"):
            await NatsBus(url=server.url, node="az", nkey_seed=stranger).connect()

    asyncio.run(go())


def test_a_config_refuses_a_key_that_is_not_a_user_key(users: dict[str, Path]) -> None:
    from corridor.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="not a NATS user public key"):
        broker.server_config({"az": "SUAIBDPBAUTW"}, admin=broker.public_key(users["admin"]))
