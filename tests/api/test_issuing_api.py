"""A certificate asked for and answered over the API: the shipper on its node, the issuing
authority's officer on the KZ node; problems that say what is wrong."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from corridor.asgi import create_app
from corridor.services import credentials
from corridor.services.context import NODE_ADMIN
from tests.conftest import T0, off_the_event_loop
from tests.customs_corridor import Walked


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def clients(walked: Walked) -> Iterator[tuple[TestClient, str, TestClient, str]]:
    kz = walked.corridor.nodes["kz"]
    officer_key = credentials.issue_key(kz, NODE_ADMIN, "kz-customs", "api", T0).key
    shipper_key = credentials.issue_key(walked.shipper, NODE_ADMIN, "kz-ferroalloy", "api", T0).key
    with (
        off_the_event_loop(walked.shipper.db),
        off_the_event_loop(kz.db),
        TestClient(create_app(walked.shipper), raise_server_exceptions=False) as shipper,
        TestClient(create_app(kz), raise_server_exceptions=False) as issuer,
    ):
        made = issuer.post(
            "/organisations/kz-customs/officers",
            json={"id": "kz.dana", "name": "Dana", "role": "examiner"},
            headers=_h(officer_key),
        )
        assert made.status_code == 201, made.text
        yield shipper, shipper_key, issuer, made.json()["key"]


def test_a_certificate_is_asked_for_and_refused_over_the_api(
    walked: Walked, clients: tuple[TestClient, str, TestClient, str]
) -> None:
    shipper, shipper_key, issuer, officer_key = clients
    path = f"/shipments/{walked.shipment_id}/requests"
    asked = shipper.post(path, json={"kind": "certificate_of_origin"}, headers=_h(shipper_key))
    assert asked.status_code == 202, asked.text
    assert (asked.json()["state"], asked.json()["node"]) == ("queued", "kz")
    again = shipper.post(path, json={"kind": "certificate_of_origin"}, headers=_h(shipper_key))
    assert again.status_code == 409
    assert "not answered yet" in again.json()["detail"]
    walked.settle()
    # A shipper's key reads no authority's requests; the officer's does.
    assert issuer.get("/issuing/requests", headers=_h(shipper_key)).status_code == 401
    (item,) = issuer.get("/issuing/requests", headers=_h(officer_key)).json()
    assert item["reference"]
    bad = issuer.post(
        f"/issuing/requests/{item['envelope_id']}/issue",
        json={"fields": {**item["fields"], "country_of_origin": "XX"}},
        headers=_h(officer_key),
    )
    assert bad.status_code == 422
    assert "country_of_origin" in bad.text
    refused = issuer.post(
        f"/issuing/requests/{item['envelope_id']}/refusal",
        json={"reason": "The origin expert's report is missing."},
        headers=_h(officer_key),
    )
    assert refused.status_code == 201, refused.text
    walked.settle()
    (state,) = shipper.get(path, headers=_h(shipper_key)).json()
    assert (state["state"], state["reason"]) == (
        "refused",
        "The origin expert's report is missing.",
    )
