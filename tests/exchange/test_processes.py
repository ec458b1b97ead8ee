"""Three `corridor serve` processes, each a national node with its own store, keys and
broker user, over a NATS server of the test's own that authenticates them: the shipper's
node discloses a shipment over HTTP; the Kazakh and EU authorities' nodes each take in what
was sealed to them, and their signed receipts come back to the shipper's node."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx

from corridor import demo
from tests.exchange.conftest import NODES, prepare_served, serve_node, until
from tests.servers import NatsServer, free_port, listening


def test_three_node_processes_exchange_over_an_authenticating_broker(
    tmp_path: Path, authenticating_nats: NatsServer
) -> None:
    keys = prepare_served(tmp_path, datetime.now(UTC))
    ports = {name: free_port() for name in NODES}
    procs = {
        name: serve_node(tmp_path, name, authenticating_nats.url, ports[name]) for name in NODES
    }
    try:
        for name, port in ports.items():
            log = tmp_path / name / "serve.log"
            assert listening(port, 60), f"{name} did not start: {log.read_text()[-2000:]}"
        url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}

        def health(name: str) -> dict[str, Any]:
            return dict(httpx.get(f"{url[name]}/health", timeout=10).json())

        # Every node sees the other two through the directory on the broker.
        for name in NODES:
            known = until(lambda n=name: health(n)["exchange"]["nodes_known"] == 3, 30)
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

            received = until(inbox, 30)
            assert [item["shipment_id"] for item in received] == [sid], (name, received)

        # Their signed receipts travel back to the shipper's process, which notes each in
        # the shipment's ledger as witnessed by that node.
        def witnesses() -> set[str]:
            r = httpx.get(f"{url['shipper']}/shipments/{sid}/ledger", headers=auth, timeout=10)
            entries = r.json()["entries"] if r.status_code == 200 else []
            return {e["body"]["by"] for e in entries if e["kind"] == "witnessed"}

        assert until(lambda: witnesses() == {"kz", "eu"}, 30), witnesses()
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
