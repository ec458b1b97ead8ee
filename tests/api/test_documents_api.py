"""Signed documents over HTTP: issue, print, verify, and the trust list."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.helpers import SHIPPER, is_problem, submit
from tests.conftest import auth
from tests.documents.conftest import INVOICE, RELEASE


def test_issue_print_and_verify_over_http(client: TestClient, api_keys: dict[str, str]) -> None:
    sid = submit(client, api_keys)["id"]
    r = client.post(
        f"/shipments/{sid}/documents/signed",
        json={"kind": "commercial_invoice", "fields": INVOICE},
        headers=auth(api_keys, SHIPPER),
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    doc_id = r.json()["document"]["id"]
    verdict = client.post("/verify", content=token, headers={"Content-Type": "text/plain"}).json()
    assert verdict["status"] == "VALID"
    assert verdict["document"]["issuer"]["id"] == SHIPPER
    assert verdict["document"]["shipment"] == sid
    pdf = client.get(
        f"/shipments/{sid}/documents/{doc_id}/pdf", headers=auth(api_keys, "ro-consignee")
    )
    assert pdf.headers["content-type"] == "application/pdf"
    # The paper copy is named after the document's number, as a person files it.
    number = INVOICE["document_number"]
    assert f'filename="{number}.pdf"' in pdf.headers["content-disposition"]
    by_pdf = client.post(
        "/verify", content=pdf.content, headers={"Content-Type": "application/pdf"}
    ).json()
    assert by_pdf["status"] == "VALID"
    is_problem(
        client.get(
            f"/shipments/{sid}/documents/{doc_id}/pdf", headers=auth(api_keys, "az-customs")
        ),
        404,
    )


def test_verify_answers_invalid_with_a_reason_not_an_error(client: TestClient) -> None:
    for body in (b"", b"not a token", b"%PDF-1.7", b"~~~", bytes(range(256))):
        r = client.post("/verify", content=body)
        assert r.status_code == 200
        assert r.json()["status"] == "INVALID"
        assert r.json()["reason"] == "malformed"


def test_issuing_checks_role_schema_and_party(client: TestClient, api_keys: dict[str, str]) -> None:
    sid = submit(client, api_keys)["id"]
    h = auth(api_keys, SHIPPER)
    is_problem(
        client.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": "customs_release", "fields": RELEASE},
            headers=h,
        ),
        403,
    )
    bad = {**INVOICE, "total_amount": "-5"}
    body = is_problem(
        client.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": "commercial_invoice", "fields": bad},
            headers=h,
        ),
        422,
    )
    assert body["errors"][0]["field"] == "total_amount"
    is_problem(
        client.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": "commercial_invoice", "fields": INVOICE},
            headers=auth(api_keys, "az-customs"),
        ),
        404,
    )
    docs = client.get(f"/shipments/{sid}/documents", headers=h).json()
    assert docs == []


def test_trust_list_is_public_and_has_no_private_keys(client: TestClient) -> None:
    text = client.get("/trust-list").text
    data = json.loads(text)
    assert {k["organisation_id"] for k in data["keys"]} >= {"kz-rail", "kz-ferroalloy"}
    assert "PRIVATE" not in text


def test_ledger_over_http_verifies_and_is_party_only(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    sid = submit(client, api_keys)["id"]
    client.post(
        f"/shipments/{sid}/documents/signed",
        json={"kind": "commercial_invoice", "fields": INVOICE},
        headers=auth(api_keys, SHIPPER),
    )
    view = client.get(f"/shipments/{sid}/ledger", headers=auth(api_keys, "ro-consignee")).json()
    assert view["verified"] == 2
    assert [e["kind"] for e in view["entries"]] == ["submitted", "document_attached"]
    assert view["head"] == view["entries"][-1]["hash"]
    is_problem(client.get(f"/shipments/{sid}/ledger", headers=auth(api_keys, "az-customs")), 404)


def test_a_retried_signing_with_its_idempotency_key_signs_once(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    sid = submit(client, api_keys)["id"]
    headers = {**auth(api_keys, SHIPPER), "Idempotency-Key": "sign-invoice-1"}
    body = {"kind": "commercial_invoice", "fields": INVOICE}
    first = client.post(f"/shipments/{sid}/documents/signed", json=body, headers=headers)
    again = client.post(f"/shipments/{sid}/documents/signed", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    listed = client.get(f"/shipments/{sid}/documents", headers=auth(api_keys, SHIPPER)).json()
    assert [d["kind"] for d in listed].count("commercial_invoice") == 1
    # The same key for another request is refused, and a key that cannot be one too.
    other = {"kind": "commercial_invoice", "fields": {**INVOICE, "document_number": "INV-2"}}
    clash = client.post(f"/shipments/{sid}/documents/signed", json=other, headers=headers)
    assert clash.status_code == 409
    assert "used for another request" in clash.json()["detail"]
    bad = client.post(
        f"/shipments/{sid}/documents/signed",
        json=body,
        headers={**auth(api_keys, SHIPPER), "Idempotency-Key": "not a key"},
    )
    assert bad.status_code == 422
