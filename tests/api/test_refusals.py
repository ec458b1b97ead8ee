"""Over the API, a refused request of every kind leaves no row and no file behind — not even
a signing key for the caller."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corridor.model import Organisation
from corridor.services import NODE_ADMIN, Context, credentials, organisations
from tests.conftest import T0, auth, state
from tests.documents.conftest import INVOICE
from tests.factories import draft

NEWCOMER = {"id": "kz-newcomer", "name": "Newcomer LLP", "country": "KZ", "role": "shipper"}


@pytest.fixture
def newcomer(ctx: Context, api_keys: dict[str, str]) -> dict[str, str]:
    """A shipper set up by the node's administrator: it has an API key but no signing key
    until it signs something."""
    org = Organisation.model_validate(NEWCOMER)
    organisations.register(ctx, NODE_ADMIN, org, T0)
    key = credentials.issue_key(ctx, NODE_ADMIN, org.id, "test", T0).key
    return {"Authorization": f"Bearer {key}"}


def _shipment(client: TestClient, api_keys: dict[str, str]) -> str:
    body = draft("R-1").model_dump(mode="json")
    r = client.post("/shipments", json=body, headers=auth(api_keys, "kz-ferroalloy"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _own_draft(**changes: Any) -> dict[str, Any]:
    body = draft("NEW-1").model_dump(mode="json")
    body.update({"consignor": NEWCOMER["id"], **changes})
    return body


REFUSALS: dict[str, tuple[int, Callable[[TestClient, str, dict[str, str]], Any]]] = {
    "submit naming an unknown party": (
        422,
        lambda c, sid, h: c.post("/shipments", json=_own_draft(consignee="nobody"), headers=h),
    ),
    "submit through an unknown node": (
        422,
        lambda c, sid, h: c.post(
            "/shipments",
            json=_own_draft(route={"origin": "dostyk", "destination": "atlantis"}),
            headers=h,
        ),
    ),
    "attach to someone else's shipment": (
        404,
        lambda c, sid, h: c.post(
            f"/shipments/{sid}/documents",
            data={"kind": "packing_list"},
            files={"file": ("pl.txt", b"x", "text/plain")},
            headers=h,
        ),
    ),
    "issue for someone else's shipment": (
        404,
        lambda c, sid, h: c.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": "commercial_invoice", "fields": INVOICE},
            headers=h,
        ),
    ),
    "issue a kind its role may not issue": (
        404,
        lambda c, sid, h: c.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": "customs_release", "fields": {}},
            headers=h,
        ),
    ),
    "readiness of someone else's shipment": (
        404,
        lambda c, sid, h: c.get(f"/shipments/{sid}/readiness", headers=h),
    ),
    "disclose on a node without an exchange": (
        409,
        lambda c, sid, h: c.post(f"/shipments/{sid}/disclose", headers=h),
    ),
    "register an organisation without being the operator": (
        403,
        lambda c, sid, h: c.post("/organisations", json={**NEWCOMER, "id": "x-2"}, headers=h),
    ),
    "issue an API key for another organisation": (
        403,
        lambda c, sid, h: c.post("/organisations/kz-rail/api-keys", headers=h),
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_request_leaves_nothing_behind(
    case: str,
    client: TestClient,
    api_keys: dict[str, str],
    newcomer: dict[str, str],
    ctx: Context,
    tmp_path: Path,
) -> None:
    sid = _shipment(client, api_keys)
    before = state(ctx.db, tmp_path)
    status, request = REFUSALS[case]
    response = request(client, sid, newcomer)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert state(ctx.db, tmp_path) == before
    assert not (tmp_path / "keys" / NEWCOMER["id"]).exists() or not any(
        (tmp_path / "keys" / NEWCOMER["id"]).iterdir()
    )


def test_the_same_requests_succeed_for_a_party_and_make_its_key(
    client: TestClient, newcomer: dict[str, str], ctx: Context, tmp_path: Path
) -> None:
    r = client.post("/shipments", json=_own_draft(), headers=newcomer)
    assert r.status_code == 201, r.text
    assert len(list((tmp_path / "keys" / NEWCOMER["id"]).iterdir())) == 1


@pytest.mark.parametrize(
    ("kind", "fields", "status"),
    [
        ("customs_release", {}, 403),  # a shipper does not issue releases
        ("commercial_invoice", {"document_number": "only this"}, 422),
    ],
)
def test_a_party_without_a_key_refused_after_signing_began_keeps_no_key(
    kind: str,
    fields: dict[str, Any],
    status: int,
    client: TestClient,
    api_keys: dict[str, str],
    newcomer: dict[str, str],
    ctx: Context,
    tmp_path: Path,
) -> None:
    body = draft("R-2").model_dump(mode="json")
    body["consignee"] = NEWCOMER["id"]
    r = client.post("/shipments", json=body, headers=auth(api_keys, "kz-ferroalloy"))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert client.get(f"/shipments/{sid}", headers=newcomer).status_code == 200
    before = state(ctx.db, tmp_path)
    refused = client.post(
        f"/shipments/{sid}/documents/signed",
        json={"kind": kind, "fields": fields},
        headers=newcomer,
    )
    assert refused.status_code == status, refused.text
    assert state(ctx.db, tmp_path) == before


def test_guessing_keys_is_throttled_with_when_to_retry(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    good = api_keys["kz-ferroalloy"]
    key_id = good.split(".")[0]
    # Five wrong secrets for one key id: the sixth attempt is refused whatever it carries,
    # the right key included, with when to try again.
    for i in range(5):
        wrong = client.get("/shipments", headers={"Authorization": f"Bearer {key_id}.wrong{i}"})
        assert wrong.status_code == 401
    throttled = client.get("/shipments", headers={"Authorization": f"Bearer {good}"})
    assert throttled.status_code == 429
    assert throttled.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert "try again in" in throttled.json()["detail"]
    # Another organisation's key from the same address still works (its own counters).
    assert client.get("/shipments", headers=auth(api_keys, "ro-consignee")).status_code == 200
    counters = client.get("/metrics").text
    assert "corridor_auth_failures_total 5" in counters
    assert "corridor_auth_throttled_total 1" in counters


def test_guessing_enrolment_codes_is_throttled(client: TestClient) -> None:
    for _ in range(20):
        r = client.post(
            "/enrol", json={"organisation_id": "kz-rail", "code": "guess", "label": "x"}
        )
        assert r.status_code == 401
    r = client.post("/enrol", json={"organisation_id": "kz-rail", "code": "guess", "label": "x"})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_every_problem_type_resolves_to_a_page_the_node_serves(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    """A problem's `type` is a page of the node (relative to its address) saying what the
    problem means and its status; every type the node can answer with resolves; a 422
    always names what it refused."""
    from corridor.api import problems

    me = {"Authorization": f"Bearer {api_keys['kz-ferroalloy']}"}
    answers = [
        client.post(
            "/shipments", content=b"{not json", headers={**me, "Content-Type": "application/json"}
        ),
        client.post("/shipments", json={"reference": ""}, headers=me),
        client.get("/shipments/no-such-shipment", headers=me),
        client.get("/shipments", headers={"Authorization": "Bearer cor_nobody.nothing"}),
        client.get("/network/route", params={"origin": "dostyk", "destination": "dostyk"}),
        client.get("/no/such/endpoint"),
        client.delete("/health"),
    ]
    for answer in answers:
        found = answer.json()
        assert found["type"].startswith("/problems/"), found
        page = client.get(found["type"])
        assert page.status_code == 200, found["type"]
        assert (page.json()["status"], page.json()["title"]) == (found["status"], found["title"])
        if found["status"] == 422:
            assert found["errors"], found
    for code, (status, title, meaning) in problems.catalogue().items():
        page = client.get(f"/problems/{code}").json()
        assert (page["status"], page["title"]) == (status, title)
        assert meaning
        assert page["meaning"] == meaning
        assert 400 <= status < 600, code
    assert client.get("/problems/no-such-problem").status_code == 404
