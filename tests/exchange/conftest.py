"""Shared fixtures of the exchange tests: a corridor of national nodes with a shipment whose
papers are signed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from corridor import demo
from corridor.documents import MEDIA_TYPE
from corridor.exchange import broker
from corridor.exchange.bus import InProcessBus
from corridor.exchange.envelope import seal
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import LocalNode
from corridor.model import DocumentKind
from corridor.services import NODE_ADMIN, Context, credentials, keys, papers, shipments
from corridor.services.shipments import Shipment
from tests.conftest import ORGS, T0
from tests.factories import STORY
from tests.servers import NatsServer, end, free_port, listening, until

AUTHORITIES = {
    "kz": "kz-customs",
    "az": "az-customs",
    "ge": "ge-customs",
    "eu": "ro-customs",
    "tr": "tr-customs",
}


@dataclass
class Corridor:
    shipper: Context
    authorities: dict[str, Context]
    shipment_id: str
    clock: Any

    def node(self, name: str) -> LocalNode:
        ctx = self.shipper if name == "shipper" else self.authorities[name]
        assert ctx.exchange is not None
        return ctx.exchange.node

    def trust(self) -> Any:
        """What the shipper's node trusts: the same on every node of the corridor."""
        return keys.trust_list(self.shipper)


@pytest.fixture
def corridor_nodes(tmp_path: Path) -> Iterator[Corridor]:
    directory_bus = InProcessBus()
    nodes = {
        n: demo.national_node(tmp_path / n, n, org, T0, bus=directory_bus, story=STORY)
        for n, org in {**AUTHORITIES, "shipper": "kz-ferroalloy"}.items()
    }
    federation = demo.Corridor(tmp_path, dict(nodes), directory_bus, STORY)
    shipper = nodes.pop("shipper")
    authorities = nodes
    me = ORGS["kz-ferroalloy"]
    s = shipments.submit(shipper, me, STORY.draft("X-1"), T0)
    fields = STORY.papers(s)
    for kind in (
        DocumentKind.COMMERCIAL_INVOICE,
        DocumentKind.PACKING_LIST,
        DocumentKind.TRANSIT_DECLARATION,
        DocumentKind.RAIL_CONSIGNMENT_NOTE,
    ):
        if kind in STORY.issued_by and STORY.issued_by[kind] != me.id:
            issuer = ORGS[STORY.issued_by[kind]]
            token = papers.sign(shipper, issuer, kind, fields[kind], T0, s.id)
            papers.attach(shipper, me, s.id, kind, "d", MEDIA_TYPE, token.encode(), T0)
        else:
            papers.issue_signed(shipper, me, s.id, kind, fields[kind], T0)
    asyncio.run(federation.sync())  # the keys made above reach every node's directory
    for n in [shipper, *authorities.values()]:
        assert keys.trust_list(n).entries == keys.trust_list(shipper).entries
    yield Corridor(shipper, authorities, s.id, lambda: T0 + timedelta(hours=1))
    for n in [shipper, *authorities.values()]:
        n.close()


# Served nodes: `corridor serve` processes over an authenticating NATS server of the test's own.
# The shipper's node (run by the consignor), an export, a transit and an import authority.
NODES = {"shipper": "kz-ferroalloy", "kz": "kz-customs", "ge": "ge-customs", "eu": "ro-customs"}
# The holder of the transit procedure, hosted on the shipper's node, signs as itself.
HOLDER = "kz-forwarder"


def prepare_served(root: Path, now: datetime) -> dict[str, str]:
    """Each node's folder: store, keys, certificate from its country's demo root, broker
    user; an API key for the organisation running it."""
    keys = {}
    for name, org in NODES.items():
        ctx = demo.national_node(root / name, name, org, now, story=STORY)
        keys[name] = credentials.issue_key(ctx, NODE_ADMIN, org, "test", now).key
        if name == "shipper":
            keys[HOLDER] = credentials.issue_key(ctx, NODE_ADMIN, HOLDER, "test", now).key
        broker.ensure_user(root / name)
        ctx.close()
    return keys


@pytest.fixture
def authenticating_nats(tmp_path: Path) -> Iterator[NatsServer]:
    users = {n: broker.public_key(broker.ensure_user(tmp_path / n)[0]) for n in NODES}
    admin_seed, admin = broker.ensure_user(tmp_path / "operator")
    conf = tmp_path / "nats.conf"
    conf.write_text(broker.server_config(users, admin))
    with NatsServer(tmp_path / "nats-data", extra=["-c", str(conf)]) as server:
        # The operator makes the stream and the directory the nodes may only use.
        async def setup() -> None:
            bus = await NatsBus(url=server.url, nkey_seed=admin_seed).connect()
            await bus.directory_all()
            await bus.close()

        asyncio.run(setup())
        yield server


def serve_node(root: Path, name: str, nats_url: str, port: int) -> subprocess.Popen[bytes]:
    folder = root / name
    env = {
        **os.environ,
        "CORRIDOR_DATA_DIR": str(folder),
        "CORRIDOR_DATABASE_URL": f"sqlite:///{folder / 'node.db'}",
        "CORRIDOR_NATS_NKEY": str(folder / broker.SEED_FILE),
    }
    args = ["serve", "--node", name, "--org", NODES[name], "--nats", nats_url]
    args += ["--roots", str(root / "roots.json"), "--port", str(port)]
    corridor = Path(sys.executable).parent / "corridor"
    with (folder / "serve.log").open("wb") as log:
        return subprocess.Popen([str(corridor), *args], env=env, stdout=log, stderr=log)


def sign_transit(base: str, created: dict[str, Any], holder_key: str) -> None:
    """The holder signs the shipment's transit declaration on the shipper's served node, so
    the route's transit authorities hear from it (`created`: the shipment as submitted)."""
    fields = STORY.papers(Shipment.model_validate(created))[DocumentKind.TRANSIT_DECLARATION]
    signed = httpx.post(
        f"{base}/shipments/{created['id']}/documents/signed",
        json={"kind": "transit_declaration", "fields": fields},
        headers={"Authorization": f"Bearer {holder_key}"},
        timeout=30,
    )
    assert signed.status_code == 201, signed.text


@dataclass
class Served:
    """The served corridor of a test: each node's process, port, base URL and API keys."""

    root: Path
    nats_url: str
    keys: dict[str, str]
    ports: dict[str, int]
    procs: dict[str, subprocess.Popen[bytes]]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def health(self, name: str) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url(name)}/health", timeout=10).json())

    def restart(self, name: str) -> None:
        """Start a node's process again (after it was killed), on its own port."""
        self.procs[name] = serve_node(self.root, name, self.nats_url, self.ports[name])
        assert listening(self.ports[name], 60), f"{name} did not start again"


@contextmanager
def served_corridor(root: Path, nats_url: str) -> Iterator[Served]:
    """Every node of `NODES` served as its own process, each started, listening and knowing
    the others through the directory; all stopped at the end."""
    keys = prepare_served(root, datetime.now(UTC))
    ports = {name: free_port() for name in NODES}
    procs = {name: serve_node(root, name, nats_url, ports[name]) for name in NODES}
    served = Served(root, nats_url, keys, ports, procs)
    try:
        for name, port in ports.items():
            log = root / name / "serve.log"
            assert listening(port, 60), f"{name} did not start: {log.read_text()[-2000:]}"
        for name in NODES:
            known = until(
                lambda n=name: served.health(n)["exchange"]["nodes_known"] == len(NODES), 30
            )
            assert known, (name, served.health(name))
        yield served
    finally:
        for proc in served.procs.values():
            end(proc)


# Nodes and envelopes for the tests that drive the exchange below the services.
def local_context(folder: Path, name: str, org_id: str, database_url: str | None = None) -> Context:
    """A national node of the demo corridor in `folder`, as its services see it."""
    ctx = demo.national_node(folder, name, org_id, T0, database_url=database_url, story=STORY)
    assert ctx.exchange is not None
    return ctx


def local_node(folder: Path, name: str, org_id: str, database_url: str | None = None) -> LocalNode:
    """A national node of the demo corridor in `folder`, as the exchange sees it."""
    exchange = local_context(folder, name, org_id, database_url).exchange
    assert exchange is not None
    return exchange.node


def envelope(sender: LocalNode, receiver: LocalNode, shipment: str, n: int) -> tuple[str, bytes]:
    """A numbered pre-arrival envelope from the shipper's node to `receiver`."""
    return seal(
        {"shipment": shipment, "procedure": "import", "documents": {}, "n": n},
        receiver.address(),
        "shipper",
        "kz-ferroalloy",
        sender.signer,
        "pre-arrival",
        T0,
    )


def nats_or_skip() -> None:
    """Skip, with the reason, when NATS JetStream is not reachable (fail in CI)."""

    async def probe() -> None:
        bus = await NatsBus(
            stream=f"PROBE_{uuid.uuid4().hex[:8]}", prefix=f"probe{uuid.uuid4().hex[:8]}"
        ).connect()
        await bus.drop_stream()
        await bus.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"NATS JetStream is required in CI: {exc}")
        pytest.skip(f"NATS JetStream not reachable at 127.0.0.1:4222 ({exc})")
