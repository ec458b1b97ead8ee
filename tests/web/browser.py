"""A whole demo corridor served over HTTP for the browser tests, and Debian's Chromium
driven by Playwright. Outside CI the browser tests skip, saying why, when Chromium is not
installed (`make test` installs it); in CI they fail instead."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from corridor import demo
from corridor.api.app import create_app
from corridor.config import Settings
from corridor.services import Context
from tests.servers import free_port

CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent.parent / "data" / "axe.min.js"


def chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    reason = f"Chromium is not installed at {CHROMIUM} ('make test' installs Debian's chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Served:
    base: str
    ctx: Context
    corridor: demo.Corridor
    keys: dict[str, str]
    officers: dict[str, dict[str, str]]


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # run in a thread
        pass


def serve(folder: Path) -> Iterator[Served]:
    """The shipper's node and the demo corridor's national nodes in one server, as
    `corridor serve --demo-nodes` runs them."""
    ctx = Context.open(Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'n.db'}"))
    now = datetime.now(UTC)
    keys = demo.seed(ctx, now)
    corridor = demo.live_corridor(ctx, now)
    officers = demo.officer_keys(corridor, now)
    port = free_port()
    server = _Server(
        uvicorn.Config(
            create_app(ctx, corridor.nodes), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", ctx, corridor, keys, officers)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        corridor.close()
        ctx.close()
