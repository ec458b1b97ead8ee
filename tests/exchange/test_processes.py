"""Three `corridor serve` processes, each a national node with its own store, keys and
broker user, over a NATS server of the test's own that authenticates them: the shipper's
node discloses a shipment over HTTP; the Kazakh and EU authorities' nodes each take in what
was sealed to them, and their signed receipts come back to the shipper's node."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from corridor import demo
from corridor.exchange import broker
from corridor.exchange.jetstream import NatsBus
from corridor.services import NODE_ADMIN, credentials
from tests.servers import NatsServer, free_port, listening

NODES = {"shipper": "kz-ferroalloy", "kz": "kz-customs", "eu": "ro-customs"}


def _prepare(root: Path, now: datetime) -> dict[str, str]:
    """Each node's folder: store, keys, certificate from its country's demo root, broker
    user; an API key for the organisation running it."""
    keys = {}
    for name, org in NODES.items():
        ctx = demo.national_node(root / name, name, org, now)
        keys[name] = credentials.issue_key(ctx, NODE_ADMIN, org, "test", now).key
        broker.ensure_user(root / name)
        ctx.close()
    return keys


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
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


def _serve(root: Path, name: str, nats_url: str, port: int) -> subprocess.Popen[bytes]:
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


def _until(check: Any, seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_three_node_processes_exchange_over_an_authenticating_broker(
    tmp_path: Path, nats: NatsServer
) -> None:
    keys = _prepare(tmp_path, datetime.now(UTC))
    ports = {name: free_port() for name in NODES}
    procs = {name: _serve(tmp_path, name, nats.url, ports[name]) for name in NODES}
    try:
        for name, port in ports.items():
            log = tmp_path / name / "serve.log"
            assert listening(port, 60), f"{name} did not start: {log.read_text()[-2000:]}"
        url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}

        def health(name: str) -> dict[str, Any]:
            return dict(httpx.get(f"{url[name]}/health", timeout=10).json())

        # Every node sees the other two through the directory on the broker.
        for name in NODES:
            known = _until(lambda n=name: health(n)["exchange"]["nodes_known"] == 3, 30)
            assert known, (name, health(name))
        auth = {"Authorization": f"Bearer {keys['shipper']}"}
        draft = demo.draft("PROC-1").model_dump(mode="json")
        created = httpx.post(f"{url['shipper']}/shipments", json=draft, headers=auth, timeout=30)
        assert created.status_code == 201, created.text
        sid = created.json()["id"]
        sent = httpx.post(f"{url['shipper']}/shipments/{sid}/disclose", headers=auth, timeout=30)
        assert sent.status_code == 200, sent.text
        assert len(sent.json()["envelopes"]) == 2  # the two authorities running
        assert sent.json()["clock_warning"] is None

        # Each authority's own process stored what was sealed to it, and only that.
        for name in ("kz", "eu"):
            own = {"Authorization": f"Bearer {keys[name]}"}

            def inbox(n: str = name, h: dict[str, str] = own) -> list[Any]:
                r = httpx.get(f"{url[n]}/exchange/inbox", headers=h, timeout=10)
                return list(r.json()) if r.status_code == 200 else []

            received = _until(inbox, 30)
            assert [item["shipment_id"] for item in received] == [sid], (name, received)

        # Their signed receipts travel back to the shipper's process, which notes each in
        # the shipment's ledger as witnessed by that node.
        def witnesses() -> set[str]:
            r = httpx.get(f"{url['shipper']}/shipments/{sid}/ledger", headers=auth, timeout=10)
            entries = r.json()["entries"] if r.status_code == 200 else []
            return {e["body"]["by"] for e in entries if e["kind"] == "witnessed"}

        assert _until(lambda: witnesses() == {"kz", "eu"}, 30), witnesses()
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
