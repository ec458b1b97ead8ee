"""What the API tests share: the shipper they act as, a shipment to submit, and how a
problem response is checked."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from corridor.store.db import Database
from tests.conftest import auth
from tests.factories import draft

SHIPPER = "kz-ferroalloy"


def shipment(ref: str = "A-1") -> dict[str, Any]:
    return draft(ref).model_dump(mode="json")


def is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    # A page of the node (relative to its address), or one of the EPCIS binding's types.
    assert body["type"].startswith(("/problems/", "epcisException:")), body["type"]
    return body


def rows(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def submit(client: TestClient, api_keys: dict[str, str], ref: str = "A-1") -> dict[str, Any]:
    r = client.post("/shipments", json=shipment(ref), headers=auth(api_keys, SHIPPER))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert r.headers["location"] == f"/shipments/{body['id']}"
    return body
