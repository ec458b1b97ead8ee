"""A full disk under a served node: `/health` turns degraded within seconds (the store still
reads, but takes no write), a write is refused with 503 and leaves nothing behind, and within
seconds of space coming back the node is healthy and takes the write.

The disk is made full for the node's process alone: its file-size limit (RLIMIT_FSIZE) is set
to nothing from outside, so every write to a file fails as on a full disk, and set back
after. The test starts its own node (own port, own data folder) and touches no other process.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.factories import draft
from tests.servers import DemoNode, until

HEALTH_WITHIN_S = 5.0


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit")
def test_a_full_disk_is_reported_within_seconds_and_loses_nothing(tmp_path: Path) -> None:
    node = DemoNode(tmp_path / "node").start()
    proc = node.process
    assert proc is not None
    key = node.keys["kz-ferroalloy"]
    url = node.url
    headers = {"Authorization": f"Bearer {key}"}

    def health() -> dict[str, Any]:
        return dict(httpx.get(f"{url}/health", timeout=10).json())

    def shipments() -> int:
        r = httpx.get(f"{url}/shipments", headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        return len(r.json()["items"])

    def submit(ref: str) -> httpx.Response:
        body = draft(ref).model_dump(mode="json")
        return httpx.post(f"{url}/shipments", json=body, headers=headers, timeout=30)

    _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    try:
        assert health()["status"] == "ok"
        assert health()["store"] == {"writable": True, "error": None}
        before = shipments()

        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (0, hard))  # the disk is full
        start = time.monotonic()
        degraded = until(lambda: health()["status"] == "degraded", HEALTH_WITHIN_S)
        assert degraded, f"still {health()} {time.monotonic() - start:.1f} s after the disk filled"
        store = health()["store"]
        assert store["writable"] is False
        assert store["error"]
        refused = submit("FULL-1")
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "retry-after" in {h.lower() for h in refused.headers}

        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space again
        healthy = until(lambda: health()["status"] == "ok", HEALTH_WITHIN_S)
        assert healthy, f"still {health()} after space came back"
        assert shipments() == before  # the refused write left nothing behind
        taken = submit("FULL-2")
        assert taken.status_code == 201, taken.text
        assert shipments() == before + 1
    finally:
        node.stop()
