"""Rules over HTTP: check, packs, diff, lint, and readiness stored with shipments."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from corridor.services.demo import COMPLETING, draft
from tests.api.test_api import SHIPPER, is_problem, submit
from tests.conftest import auth
from tests.rules.test_packs import GOOD


def test_check_reports_missing_and_complete(client: TestClient, api_keys: dict[str, str]) -> None:
    body: dict[str, Any] = {
        "shipment": draft("C-1").model_dump(mode="json"),
        "documents": ["commercial_invoice", "packing_list"],
        "departure": "2026-03-02",
    }
    r = client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER))
    assert r.status_code == 200, r.text
    assert r.json()["ready"] is False
    assert r.json()["missing"] == 3
    body["documents"] += [k.value for k, _ in COMPLETING]
    assert client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER)).json()["ready"]


def test_check_refuses_unknown_document_kinds(client: TestClient, api_keys: dict[str, str]) -> None:
    body = {"shipment": draft("C-1").model_dump(mode="json"), "documents": ["bribe"]}
    problem = is_problem(
        client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER)), 422
    )
    assert problem["errors"][0]["field"] == "documents.0"


def test_submission_stores_a_report_and_recheck_sees_new_documents(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    created = submit(client, api_keys)
    assert created["readiness"]["ready"] is False
    sid = created["id"]
    h = auth(api_keys, SHIPPER)
    for kind in ["commercial_invoice", "packing_list", *[k.value for k, _ in COMPLETING]]:
        r = client.post(
            f"/shipments/{sid}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.json", b"{}", "application/json")},
            headers=h,
        )
        assert r.status_code == 201
    report = client.get(f"/shipments/{sid}/readiness", headers=h).json()
    assert report["ready"] is True
    stored = client.get(f"/shipments/{sid}", headers=auth(api_keys, "ro-consignee")).json()
    assert stored["readiness"]["ready"] is True
    is_problem(client.get(f"/shipments/{sid}/readiness", headers=auth(api_keys, "az-customs")), 404)


def test_packs_and_diff_are_public(client: TestClient) -> None:
    packs = client.get("/rules/packs").json()
    assert {p["jurisdiction"] for p in packs} >= {"KZ", "AZ", "GE", "TR", "EU"}
    m = client.get(
        "/rules/diff", params={"origin": "dostyk", "destination": "constanta", "on": "2026-03-01"}
    ).json()
    assert m["jurisdictions"] == ["KZ", "AZ", "GE", "EU"]
    assert m["differing"] > 0
    is_problem(client.get("/rules/diff", params={"origin": "dostyk"}), 422)


def test_lint_accepts_a_good_pack_and_locates_errors(client: TestClient) -> None:
    ok = client.post("/rules/lint", content=GOOD, headers={"Content-Type": "application/yaml"})
    assert ok.json() == {"valid": True, "jurisdiction": "KZ", "version": "1", "rules": 1}
    bad = client.post(
        "/rules/lint",
        content=GOOD.replace("2844", "28x4"),
        headers={"Content-Type": "application/yaml"},
    )
    problem = is_problem(bad, 422)
    assert problem["errors"][0]["field"] == "pack.yaml:12"
