"""A whole demo corridor served over HTTP for the browser tests, and Debian's Chromium
driven by Playwright. Outside CI the browser tests skip, saying why, when Chromium is not
installed (`make test` installs it); in CI they fail instead."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
import uvicorn

from corridor import demo
from corridor.asgi import create_app
from corridor.config import Settings
from corridor.demo import customs as demo_customs
from corridor.services import Context, customs, handover
from tests.factories import STORY
from tests.servers import free_port

T = TypeVar("T")
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
    keys = demo.seed(ctx, now, STORY)
    corridor = demo.live_corridor(ctx, now, story=STORY)
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


def walk_legs_before(served: Served, shipment_id: str, name: str, timeout_s: float = 60) -> None:
    """Let each authority before node `name` decide its leg on its own node (a second officer
    releasing), end it, and hand its proof of end on: what the officers of Kazakhstan,
    Azerbaijan and Georgia do while the goods travel. Each waits for the previous proof."""
    order = list(served.corridor.nodes)
    for before in order[: order.index(name)]:
        _walk_leg(served.corridor.nodes[before], before, shipment_id, timeout_s)
    arrive(served.corridor.nodes[name], name, shipment_id, timeout_s)


def arrive(node: Context, name: str, shipment_id: str, timeout_s: float = 60) -> str:
    """Wait until the shipment's declaration is on node `name` with the previous leg's
    proof of end; its id."""
    examiner, _ = demo_customs.officers(node, STORY.national_nodes[name], datetime.now(UTC))

    def arrived() -> str | None:
        mine = customs.queue(node, examiner, datetime.now(UTC))
        return next((q.id for q in mine if q.shipment_id == shipment_id), None)

    declaration = _wait(arrived, timeout_s, f"the declaration never reached node {name}")

    def proved() -> bool | None:
        view = customs.show(node, examiner, declaration, datetime.now(UTC))
        return True if view.awaiting is None else None

    _wait(proved, timeout_s, f"node {name} never received the previous leg's proof of end")
    return declaration


def _walk_leg(node: Context, name: str, shipment_id: str, timeout_s: float) -> None:
    declaration = arrive(node, name, shipment_id, timeout_s)
    examiner, chief = demo_customs.officers(node, STORY.national_nodes[name], datetime.now(UTC))
    demo_customs.decide(node, examiner, chief, declaration, datetime.now(UTC))
    handover.end_leg(node, examiner, declaration, datetime.now(UTC))


def _wait(probe: Callable[[], T | None], timeout_s: float, why: str) -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError(why)


# The browser's own language setting for each language of the UI.
BROWSER_LOCALE = {
    "en": "en-GB",
    "ru": "ru-RU",
    "kk": "kk-KZ",
    "az": "az-AZ",
    "ka": "ka-GE",
    "tr": "tr-TR",
}
