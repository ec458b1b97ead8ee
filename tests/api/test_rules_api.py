"""Rules over HTTP: check, packs, diff, lint, and readiness stored with shipments."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from corridor.documents import MEDIA_TYPE
from corridor.model import DocumentKind
from corridor.services import Context, papers, shipments
from tests.api.helpers import SHIPPER, is_problem, submit
from tests.conftest import ORGS, auth
from tests.factories import STORY, draft
from tests.rules.samples import GOOD


def test_check_reports_missing_and_complete(client: TestClient, api_keys: dict[str, str]) -> None:
    body: dict[str, Any] = {
        "shipment": draft("C-1").model_dump(mode="json"),
        "documents": ["commercial_invoice", "packing_list"],
        "departure": "2026-03-02",
    }
    r = client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER))
    assert r.status_code == 200, r.text
    assert r.json()["ready"] is False
    # GE's transit declaration and guarantee, AZ's transit document, the EU's origin proof;
    # the EU's CBAM authorisation and Art. 3g steel evidence stop the ferro-chromium.
    assert r.json()["missing"] == 4
    assert r.json()["blocking"] == 2
    stopped = {
        x["rule_id"]
        for c in r.json()["crossings"]
        for x in c["results"]
        if x["outcome"] == "blocking"
    }
    assert stopped == {"EU-CBAM-DECLARANT", "EU-STEEL-ORIGIN-3G"}
    body["documents"] += [k.value for k, _ in STORY.completing]
    assert client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER)).json()["ready"]


def test_check_refuses_unknown_document_kinds(client: TestClient, api_keys: dict[str, str]) -> None:
    body = {"shipment": draft("C-1").model_dump(mode="json"), "documents": ["bribe"]}
    problem = is_problem(
        client.post("/rules/check", json=body, headers=auth(api_keys, SHIPPER)), 422
    )
    assert problem["errors"][0]["field"] == "documents.0"


def test_submission_stores_a_report_and_recheck_sees_new_documents(
    client: TestClient, api_keys: dict[str, str], ctx: Context
) -> None:
    created = submit(client, api_keys)
    assert created["readiness"]["ready"] is False
    sid = created["id"]
    h = auth(api_keys, SHIPPER)
    kinds = ["commercial_invoice", "packing_list", *[k.value for k, _ in STORY.completing]]
    # Raw files of kinds that have a signed form are unverified attachments: they do not
    # make the shipment ready, whoever uploads them (the review's carrier did exactly this).
    for kind in kinds:
        r = client.post(
            f"/shipments/{sid}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.json", b"{}", "application/json")},
            headers=auth(api_keys, "kz-rail"),
        )
        assert r.status_code == 201
    faked = client.get(f"/shipments/{sid}/readiness", headers=h).json()
    assert faked["ready"] is False
    # Evidence the carrier attached counts for nothing, and the report says who attached it
    # and who provides it.
    said = [x["message"] for c in faked["crossings"] for x in c["results"]]
    assert any(
        "transit guarantee attached by kz-rail (carrier); the forwarder or shipper provides it" in m
        for m in said
    ), said
    # Signed documents from issuers whose role may sign them do.
    shipment = shipments.get(ctx, ORGS[SHIPPER], sid)
    fields = STORY.papers(shipment)
    for kind in ("commercial_invoice", "packing_list", "transit_declaration"):
        r = client.post(
            f"/shipments/{sid}/documents/signed",
            json={"kind": kind, "fields": fields[DocumentKind(kind)]},
            headers=h,
        )
        assert r.status_code == 201, r.text
    r = client.post(
        f"/shipments/{sid}/documents/signed",
        json={
            "kind": "rail_consignment_note",
            "fields": fields[DocumentKind.RAIL_CONSIGNMENT_NOTE],
        },
        headers=auth(api_keys, "kz-rail"),
    )
    assert r.status_code == 201, r.text
    origin = papers.sign(
        ctx,
        ORGS["kz-customs"],
        DocumentKind.CERTIFICATE_OF_ORIGIN,
        fields[DocumentKind.CERTIFICATE_OF_ORIGIN],
        ctx.clock(),
        sid,
    )
    r = client.post(
        f"/shipments/{sid}/documents",
        data={"kind": "certificate_of_origin"},
        files={"file": ("co.sd-jwt", origin.encode(), MEDIA_TYPE)},
        headers=h,
    )
    assert r.status_code == 201
    # The evidence, each from the party that provides it: the guarantee the declaration
    # names, the consignee's CBAM authorisation, the shipper's mill certificate.
    providers = {
        "transit_guarantee": SHIPPER,
        "cbam_authorisation": "ro-consignee",
        "steel_input_origin": SHIPPER,
    }
    declared = fields[DocumentKind.TRANSIT_DECLARATION]
    guarantee = {
        "grn": declared["guarantee_reference"],
        "amount": "25000.00",
        "currency": declared["guarantee_currency"],
        "valid_until": "2027-03-01",
        "guarantor": "A bank",
    }
    for kind, who in providers.items():
        body = json.dumps(guarantee if kind == "transit_guarantee" else {"kind": kind}).encode()
        r = client.post(
            f"/shipments/{sid}/documents",
            data={"kind": kind},
            files={"file": (f"{kind}.json", body, "application/json")},
            headers=auth(api_keys, who),
        )
        assert r.status_code == 201, r.text
    report = client.get(f"/shipments/{sid}/readiness", headers=h).json()
    # The guarantee counts as checked against the declaration; the CBAM authorisation and
    # the mill certificate count where the rule says why unverified evidence will do, and
    # say so.
    said = [x["message"] for c in report["crossings"] for x in c["results"]]
    assert any("On unverified evidence (authorised CBAM declarant status" in m for m in said)
    assert not any("transit guarantee attached by" in m for m in said if "passed" in m)
    assert report["ready"] is True, [
        x["message"] for c in report["crossings"] for x in c["results"] if x["outcome"] != "passed"
    ]
    stored = client.get(f"/shipments/{sid}", headers=auth(api_keys, "ro-consignee")).json()
    assert stored["readiness"]["ready"] is True
    is_problem(client.get(f"/shipments/{sid}/readiness", headers=auth(api_keys, "az-customs")), 404)
    # Checking readiness is a read: it adds nothing to the timeline.
    events = client.get(f"/shipments/{sid}/events", headers=h).json()
    assert "readiness_checked" not in {e["kind"] for e in events}


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
    yaml = {"Content-Type": "application/yaml"}
    ok = client.post("/rules/lint", content=GOOD, headers=yaml).json()
    assert ok["valid"] is True
    assert (ok["jurisdiction"], ok["version"], ok["rules"]) == ("KZ", "1", 1)
    # Valid, but a rule nobody has checked against its source is worth a warning ...
    assert [(w["rule_id"], w["reason"]) for w in ok["warnings"]] == [("KZ-NUC", "not_reviewed")]
    # ... as is one checked more than a year before the node's day (the test clock's 2026),
    # or one marked unconfirmed.
    stale = GOOD.replace('note: "test"}', 'note: "test", reviewed: 2024-05-01}')
    warned = client.post("/rules/lint", content=stale, headers=yaml).json()["warnings"]
    assert [w["reason"] for w in warned] == ["review_overdue"]
    assert "2024-05-01" in warned[0]["message"]
    fresh = GOOD.replace(
        'legal: {status: illustrative, note: "test"}',
        'legal: {status: unconfirmed, source: "x", note: "deadline unknown", reviewed: 2026-02-01}',
    )
    warned = client.post("/rules/lint", content=fresh, headers=yaml).json()["warnings"]
    assert [w["reason"] for w in warned] == ["unconfirmed"]
    assert "deadline unknown" in warned[0]["message"]
    bad = client.post(
        "/rules/lint",
        content=GOOD.replace("2844", "28x4"),
        headers={"Content-Type": "application/yaml"},
    )
    problem = is_problem(bad, 422)
    assert problem["errors"][0]["field"] == "pack.yaml:12"
