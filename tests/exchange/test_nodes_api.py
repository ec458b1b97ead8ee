"""Two national nodes served side by side: a disclosure through the shipper node's API
reaches the Azerbaijani node's inbox through their background exchange loops."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from corridor import demo
from corridor.asgi import create_app
from corridor.config import Settings
from corridor.exchange.bus import InProcessBus
from corridor.services import Context
from tests.conftest import off_the_event_loop
from tests.documents.conftest import INVOICE
from tests.factories import STORY


def _serve(
    folder: Path, node: str, org: str, bus: InProcessBus, directory: Path
) -> tuple[Any, dict[str, str]]:
    now = datetime.now(UTC)
    ctx = demo.national_node(folder, node, org, now, bus=bus, root=directory.parent, story=STORY)
    api_keys = demo.seed(ctx, now, STORY)
    assert ctx.exchange is not None
    ctx.exchange.interval_s = 0.05
    return create_app(ctx), api_keys


def test_disclosure_travels_between_served_nodes(tmp_path: Path) -> None:
    bus = InProcessBus()
    directory = tmp_path / "directory.json"
    shipper_app, shipper_keys = _serve(
        tmp_path / "shipper", "shipper", "kz-ferroalloy", bus, directory
    )
    az_app, az_keys = _serve(tmp_path / "az", "az", "az-customs", bus, directory)
    h = {"Authorization": f"Bearer {shipper_keys['kz-ferroalloy']}"}
    with (
        off_the_event_loop(shipper_app.state.context.db),
        off_the_event_loop(az_app.state.context.db),
        TestClient(shipper_app) as shipper,
        TestClient(az_app) as az,
    ):
        assert {n["node"] for n in az.get("/exchange/directory").json()} == {"shipper", "az"}
        sid = shipper.post(
            "/shipments", json=STORY.draft("N-1").model_dump(mode="json"), headers=h
        ).json()["id"]
        declaration = {
            "document_number": "26KZ00000000000001",
            "issue_date": "2026-03-01",
            "declarant": INVOICE["seller"],
            "office_of_departure": "Aktau port customs",
            "office_of_destination": "Constanța Sud customs",
            "countries_of_routing": ["KZ", "AZ", "GE", "RO"],
            "goods": INVOICE["goods"],
        }
        for kind, fields in (("transit_declaration", declaration), ("commercial_invoice", INVOICE)):
            r = shipper.post(
                f"/shipments/{sid}/documents/signed",
                json={"kind": kind, "fields": fields},
                headers=h,
            )
            assert r.status_code == 201, r.text
        queued = shipper.post(f"/shipments/{sid}/disclose", headers=h)
        assert queued.status_code == 200, queued.text
        assert len(queued.json()["envelopes"]) == 1  # only AZ has a node in this corridor
        officer = {"Authorization": f"Bearer {az_keys['az-customs']}"}
        deadline = time.monotonic() + 15
        inbox: list[dict[str, Any]] = []
        while not inbox and time.monotonic() < deadline:
            time.sleep(0.05)
            inbox = az.get("/exchange/inbox", headers=officer).json()
        assert len(inbox) == 1
        item = inbox[0]
        assert item["shipment_id"] == sid
        assert item["procedure"] == "transit"
        assert set(item["content"]) == {"transit_declaration"}  # no invoice for transit
        assert "seller" not in str(item["content"])
        # Only the authority that runs the node reads its inbox.
        other = {"Authorization": f"Bearer {az_keys['tr-customs']}"}
        assert az.get("/exchange/inbox", headers=other).status_code == 403
        # A node without an exchange says how to start one.
        plain = TestClient(
            create_app(
                Context.open(
                    Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}")
                )
            )
        )
        refused = plain.get("/exchange/directory")
        assert refused.status_code == 409
        assert "corridor serve --node" in refused.json()["detail"]
