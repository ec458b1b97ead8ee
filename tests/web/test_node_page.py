"""The node's own page, for its operator: health, dead letters and held envelopes, and the
dead letters replayed from the page; nobody else sees it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient

from corridor import demo
from corridor.asgi import create_app
from corridor.exchange.bus import InProcessBus
from corridor.services import NODE_ADMIN, credentials
from tests.conftest import T0
from tests.factories import STORY
from tests.web.forms import csrf_of


def _signed_in(client: TestClient, key: str) -> None:
    page = client.get("/ui/signin")
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": key, "next": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_the_operator_sees_and_replays_dead_letters_and_others_do_not(tmp_path: Path) -> None:
    ctx = demo.national_node(tmp_path / "shipper", "shipper", "kz-ferroalloy", T0, story=STORY)
    try:
        operator = credentials.issue_key(ctx, NODE_ADMIN, "node-operator", "t", T0).key
        shipper = credentials.issue_key(ctx, NODE_ADMIN, "kz-ferroalloy", "t", T0).key
        assert ctx.exchange is not None
        bus = ctx.exchange.bus
        assert isinstance(bus, InProcessBus)
        # Something unreadable was set aside: the page lists it, a replay refuses it.
        asyncio.run(bus.dead_letter("shipper", b'{"id": "0123-dead", "from": "az"}'))
        # Without the server's lifespan the exchange loop does not run (it would replay the
        # letter by itself at once): the page's own replay is what is tested.
        client = TestClient(create_app(ctx))
        _signed_in(client, shipper)
        assert client.get("/ui/node").status_code == 403
        assert "/ui/node" not in client.get("/ui/rules").text
        client = TestClient(create_app(ctx))
        _signed_in(client, operator)
        assert 'href="/ui/node"' in client.get("/ui/rules").text
        page = client.get("/ui/node")
        assert page.status_code == 200, page.text
        assert "0123-dead" in page.text
        assert "Replay the dead letters now" in page.text
        done = client.post(
            "/ui/node/dead-letters/replay",
            data={"csrf": csrf_of(page.text)},
            follow_redirects=True,
        )
        assert done.status_code == 200
        assert "Replayed: 1 malformed" in done.text
        assert "0123-dead" not in done.text
    finally:
        ctx.close()
