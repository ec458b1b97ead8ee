"""The EPCIS 2.0 REST binding under /epcis, and the emissions statement, over HTTP."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from corridor.services import Context, shipments
from corridor.tracking import epcis
from corridor.tracking.epcis import Step
from tests.conftest import ORGS, T0
from tests.factories import STORY

BOX = epcis.container_epc("CSQU3054383")


def auth(keys: dict[str, str], org: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[org]}"}


def test_capture_then_query_over_http(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("HTTP-EPCIS"), T0)
    # Hand-overs of the last days and hours, recorded now (the node's clock is T0).
    events = [
        epcis.build(Step.DEPARTING, T0 - timedelta(hours=61 - h), made.id, node, [BOX])
        for h, node in ((1, "dostyk"), (30, "almaty"), (60, "arys"))
    ]
    body = json.dumps(epcis.document(events, T0))
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    sent = client.post("/epcis/capture", content=body, headers=headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["stored"] == 3
    job = client.get(sent.headers["Location"], headers=auth(api_keys, "kz-rail"))
    assert (job.status_code, job.json()["success"]) == (200, True)
    assert (
        client.get(sent.headers["Location"], headers=auth(api_keys, "kz-ferroalloy")).status_code
        == 404
    )
    again = client.post("/epcis/capture", content=body, headers=headers)
    assert again.json()["duplicates"] == 3
    page = client.get(
        "/epcis/events",
        params={"MATCH_epc": BOX, "perPage": 2},
        headers=auth(api_keys, "kz-ferroalloy"),
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("application/ld+json")
    first = page.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in first] == [e["eventID"] for e in events[:2]]
    following = client.get(
        page.headers["Link"].split(";")[0].strip("<>"), headers=auth(api_keys, "kz-ferroalloy")
    )
    rest = following.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in rest] == [events[2]["eventID"]]
    assert "Link" not in following.headers
    outsider = client.get(
        "/epcis/events", params={"MATCH_epc": BOX}, headers=auth(api_keys, "node-operator")
    )
    assert outsider.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_bad_capture_bodies_say_what_is_wrong(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    # Malformed JSON is 400 here as on every other endpoint; JSON that is wrong is 422.
    not_json = client.post("/epcis/capture", content=b"{nope", headers=headers)
    assert not_json.status_code == 400
    assert not_json.json()["type"].endswith("/malformed-json")
    assert "not JSON" in not_json.json()["detail"]
    nested = client.post("/epcis/capture", content=b"[" * 5000 + b"]" * 5000, headers=headers)
    assert nested.status_code == 400
    event = epcis.build(Step.DEPARTING, T0, "no-such-shipment", "dostyk", [BOX])
    missing = client.post(
        "/epcis/capture", content=json.dumps(epcis.document([event], T0)), headers=headers
    )
    assert missing.status_code == 404
    token = client.get("/epcis/events", params={"nextPageToken": "bm9wZQ"}, headers=headers)
    assert token.status_code == 422
    # Crafted tokens: a time without its zone, a year out of range, an id with a NUL, bytes
    # that are not text. Each is the caller's error (422), never a store error (5xx).
    for crafted in (
        "2026-03-02T08:00:00|abc",
        "9999-12-31T23:59:59+00:00|abc",
        "2026-03-02T08:00:00+00:00|a\x00b",
        "2026-03-02T08:00:00+00:00|" + "f" * 200,
    ):
        raw = base64.urlsafe_b64encode(crafted.encode().decode("unicode_escape").encode()).decode()
        got = client.get("/epcis/events", params={"nextPageToken": raw}, headers=headers)
        assert got.status_code in (200, 422), (crafted, got.text)
        assert got.status_code < 500
    binary = base64.urlsafe_b64encode(b"\xff\xfe|\x00").decode()
    got = client.get("/epcis/events", params={"nextPageToken": binary}, headers=headers)
    assert got.status_code == 422


def test_emissions_statement_over_http(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("HTTP-CO2"), T0)
    got = client.get(f"/shipments/{made.id}/emissions", headers=auth(api_keys, "ro-consignee"))
    assert got.status_code == 200
    body = got.json()
    assert abs(body["wtw_kg"] - sum(e["wtw_kg"] for e in body["elements"])) < 0.01
    assert body["framework"].startswith("GLEC Framework v3.0")
    assert (
        client.get(
            f"/shipments/{made.id}/emissions", headers=auth(api_keys, "node-operator")
        ).status_code
        == 404
    )
    url = f"/shipments/{made.id}/emissions/statement"
    signed = client.post(url, headers=auth(api_keys, "kz-ferroalloy"))
    assert signed.status_code == 201, signed.text
    document = signed.json()["document"]
    assert document["kind"] == "emissions_statement"
    pdf = client.get(
        f"/shipments/{made.id}/documents/{document['id']}/pdf",
        headers=auth(api_keys, "ro-consignee"),
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert client.post(url, headers=auth(api_keys, "node-operator")).status_code == 404


def test_the_query_parameters_of_the_binding_filter_as_written(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """Each of the binding's filters narrows the answer, pipe-separated lists match any of
    their values, MATCH_epc no longer matches a parent, and a parameter this repository does
    not know is refused with the binding's exception instead of ignored."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("QUERY"), T0)
    vessel = epcis.vessel_epc("9246645")
    events = [
        epcis.build(Step.DEPARTING, T0 - timedelta(hours=50), made.id, "dostyk", [BOX]),
        epcis.build(Step.ARRIVING, T0 - timedelta(hours=40), made.id, "aktau", [BOX]),
        epcis.build(
            Step.LOADING, T0 - timedelta(hours=30), made.id, "aktau", [BOX], vehicle=vessel
        ),
        epcis.build(Step.SEAL_CHECK, T0 - timedelta(hours=20), made.id, "baku-alat", [BOX]),
    ]
    headers = {**auth(api_keys, "caspian-ferry"), "Content-Type": "application/ld+json"}
    sent = client.post(
        "/epcis/capture", content=json.dumps(epcis.document(events, T0)), headers=headers
    )
    assert sent.status_code == 202, sent.text
    me = auth(api_keys, "kz-ferroalloy")

    def ids(**params: str) -> list[str]:
        r = client.get("/epcis/events", params={"shipment": made.id, **params}, headers=me)
        assert r.status_code == 200, r.text
        return [
            e["eventID"] for e in r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]

    every = [e["eventID"] for e in events]
    assert ids() == every
    assert ids(eventType="AggregationEvent") == [every[2]]
    assert ids(eventType="ObjectEvent|AggregationEvent") == every
    assert ids(EQ_action="ADD") == [every[2]]
    assert ids(EQ_action="OBSERVE") == [every[0], every[1], every[3]]
    assert ids(EQ_bizStep="departing|arriving") == every[:2]
    assert ids(EQ_disposition="conformant") == [every[3]]
    assert ids(EQ_disposition="https://ref.gs1.org/cbv/Disp-conformant") == [every[3]]
    assert ids(EQ_readPoint="aktau") == every[1:3]
    assert ids(EQ_readPoint="dostyk|baku-alat") == [every[0], every[3]]
    assert ids(EQ_eventID=every[1]) == [every[1]]
    assert ids(MATCH_parentID=vessel) == [every[2]]
    assert ids(MATCH_epc=vessel) == []  # a parent is not an epcList member
    assert ids(MATCH_anyEPC=vessel) == [every[2]]
    assert ids(MATCH_epc=BOX, MATCH_anyEPC=vessel) == [every[2]]
    assert ids(MATCH_epc=BOX) == every
    assert ids(EXISTS_errorDeclaration="true") == []
    r = client.get("/epcis/events", params={"EQ_nonsense": "x"}, headers=me)
    assert r.status_code == 400
    assert r.json()["type"] == "epcisException:QueryParameterException"
    assert "EQ_nonsense" in r.json()["detail"]
    bad_type = client.get("/epcis/events", params={"eventType": "CarEvent"}, headers=me)
    assert bad_type.status_code == 400
    # The binding's resources: one event by its id, and the event types.
    one = client.get(f"/epcis/events/{quote(every[2], safe='')}", headers=me)
    assert one.status_code == 200, one.text
    assert one.json()["eventID"] == every[2]
    assert one.json()["parentID"] == vessel
    outsider = client.get(
        f"/epcis/events/{quote(every[2], safe='')}", headers=auth(api_keys, "node-operator")
    )
    assert outsider.status_code == 404
    # Content negotiation: JSON-LD by default, plain JSON on request, anything else 406.
    as_json = client.get(
        "/epcis/events", params={"shipment": made.id}, headers={**me, "Accept": "application/json"}
    )
    assert as_json.headers["content-type"].startswith("application/json")
    as_xml = client.get(
        "/epcis/events", params={"shipment": made.id}, headers={**me, "Accept": "application/xml"}
    )
    assert as_xml.status_code == 406
    assert "application/ld+json" in as_xml.json()["detail"]
    types = client.get("/epcis/eventTypes").json()["member"]
    assert "ObjectEvent" in types
    assert "AggregationEvent" in types


def test_extension_fields_units_order_and_limits_over_http(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """A TransactionEvent with a quantity, a business transaction of its own type and a
    user extension field, captured over HTTP and found by parameters whose names carry a
    type, a unit and an extension field; the client's own prefix for the extension
    (`GS1-Extensions`) finds it as the stored event's does; the order and the limits of
    the binding hold over pages; more events than maxEventCount is 413."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("EXT-HTTP"), T0)
    base = epcis.build(Step.DEPARTING, T0 - timedelta(hours=5), made.id, "dostyk", [BOX])
    base.pop("eventID")
    trade = {
        **base,
        "eventTime": epcis.stamp(T0 - timedelta(hours=4)),
        "type": "TransactionEvent",
        "action": "ADD",
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200, "uom": "KGM"}
        ],
        "bizTransactionList": [
            *base["bizTransactionList"],
            {"type": "po", "bizTransaction": "urn:epc:id:gdti:0614141.00001.1618034"},
        ],
        "mill:heat": "H-2291",
    }
    doc = epcis.document([base, trade], T0)
    doc["@context"] = [*doc["@context"], {"mill": "https://mill.example.kz/epcis/"}]
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    sent = client.post("/epcis/capture", content=json.dumps(doc), headers=headers)
    assert sent.status_code == 202, sent.text
    base_id, trade_id = sent.json()["eventIDs"]
    me = auth(api_keys, "kz-ferroalloy")

    def ids(params: dict[str, str], extra: dict[str, str] | None = None) -> list[str]:
        r = client.get(
            "/epcis/events", params={"shipment": made.id, **params}, headers={**me, **(extra or {})}
        )
        assert r.status_code == 200, r.text
        found = r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        return [e["eventID"] for e in found]

    assert ids({"EQ_bizTransaction_po": "https://id.gs1.org/253/06141410000121618034"}) == [
        trade_id
    ]
    assert ids({"GE_quantity_KGM": "200", "LT_quantity_KGM": "200.5"}) == [trade_id]
    assert ids({"GT_quantity_KGM": "200"}) == []
    assert ids({"MATCH_epcClass": "https://id.gs1.org/01/04012345123456/10/998877"}) == [trade_id]
    assert ids({"EQ_mill:heat": "H-2291"}) == [trade_id]
    assert ids({"EXISTS_mill:heat": ""}) == [trade_id]
    assert ids({"EQ_m:heat": "H-2291"}, {"GS1-Extensions": "m=https://mill.example.kz/epcis/"}) == [
        trade_id
    ]
    assert ids({"EQ_m:heat": "H-2291"}, {"GS1-Extensions": "m=https://other.example/"}) == []
    assert ids({}) == [base_id, trade_id], (base_id, trade_id)
    assert ids({"orderDirection": "DESC"}) == [trade_id, base_id]
    first = client.get(
        "/epcis/events",
        params={"shipment": made.id, "orderDirection": "DESC", "perPage": 1},
        headers=me,
    )
    assert "orderDirection=DESC" in first.headers["Link"]
    second = client.get(first.headers["Link"].split(";")[0].strip("<>"), headers=me)
    assert [
        e["eventID"] for e in second.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ] == [base_id]
    too_many = client.get(
        "/epcis/events", params={"shipment": made.id, "maxEventCount": "1"}, headers=me
    )
    assert too_many.status_code == 413
    assert too_many.json()["type"] == "epcisException:QueryTooLargeException"
    bad_header = client.get(
        "/epcis/events", params={"shipment": made.id}, headers={**me, "GS1-Extensions": "nonsense"}
    )
    assert bad_header.status_code == 400
    returned = client.get(f"/epcis/events/{quote(trade_id, safe='')}", headers=me).json()
    assert returned["mill:heat"] == "H-2291"
    assert returned["@context"] == [epcis.CONTEXT, {"mill": "https://mill.example.kz/epcis/"}]


def test_the_bindings_resources_list_what_a_party_may_see(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """The top-level resources (event types, identifiers, business steps, locations, read
    points, dispositions) list what the caller's events hold, a page at a time; a member's
    events are the events query's; an outsider sees no member; OPTIONS says the versions."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("RESOURCES"), T0)
    other = epcis.container_epc("MSKU9070323")
    events = [
        epcis.build(Step.DEPARTING, T0 - timedelta(hours=9), made.id, "dostyk", [BOX]),
        epcis.build(Step.ARRIVING, T0 - timedelta(hours=5), made.id, "aktau", [BOX, other]),
        epcis.build(Step.SEAL_CHECK, T0 - timedelta(hours=2), made.id, "aktau", [other]),
    ]
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    sent = client.post(
        "/epcis/capture", content=json.dumps(epcis.document(events, T0)), headers=headers
    )
    assert sent.status_code == 202, sent.text
    me = auth(api_keys, "kz-ferroalloy")

    def members(resource: str, **params: Any) -> list[str]:
        found: list[str] = []
        url: str | None = f"/epcis/{resource}"
        while url:
            r = client.get(
                url,
                params=params if url.startswith(f"/epcis/{resource}") and "?" not in url else None,
                headers=me,
            )
            assert r.status_code == 200, r.text
            found += r.json()["member"]
            url = r.headers["Link"].split(";")[0].strip("<>") if "Link" in r.headers else None
            params = {}
        return found

    assert members("epcs", perPage=1) == sorted({BOX, other})
    assert members("bizSteps") == ["arriving", "departing", "inspecting"]
    assert members("readPoints") == [epcis.node_uri("aktau"), epcis.node_uri("dostyk")]
    assert members("bizLocations", perPage=1) == [epcis.node_uri("aktau"), epcis.node_uri("dostyk")]
    assert members("dispositions") == ["conformant", "in_transit"]
    assert client.get("/epcis/eventTypes", headers=me).json()["member"] == sorted(
        ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent",
         "AssociationEvent"]
    )  # fmt: skip

    def member_events(resource: str, value: str, **params: str) -> list[str]:
        r = client.get(
            f"/epcis/{resource}/{quote(value, safe='')}/events", params=params, headers=me
        )
        assert r.status_code == 200, r.text
        return [
            e["eventID"] for e in r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        ]

    every = [e["eventID"] for e in events]
    assert member_events("epcs", other) == every[1:]
    assert member_events("epcs", other, EQ_bizStep="inspecting") == every[2:]
    assert member_events("bizSteps", "departing") == every[:1]
    assert member_events("readPoints", epcis.node_uri("aktau")) == every[1:]
    assert member_events("bizLocations", epcis.node_uri("dostyk")) == every[:1]
    assert member_events("dispositions", "conformant") == every[2:]
    assert member_events("eventTypes", "ObjectEvent") == every
    assert member_events("eventTypes", "AssociationEvent") == []
    sub = client.get(f"/epcis/epcs/{quote(BOX, safe='')}", headers=me)
    assert sub.json()["member"] == ["events"]
    top = client.get("/epcis", headers=me).json()["member"]
    assert {"events", "epcs", "bizSteps", "capture"} <= set(top)
    outsider = auth(api_keys, "node-operator")
    assert client.get("/epcis/epcs", headers=outsider).json()["member"] == []
    found = client.get(f"/epcis/epcs/{quote(BOX, safe='')}/events", headers=outsider)
    assert found.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    bad = client.get("/epcis/bizSteps/departing/events", params={"EQ_colour": "x"}, headers=me)
    assert bad.status_code == 400
    options = client.options("/epcis/events")
    assert options.status_code == 204
    assert options.headers["GS1-EPCIS-Max"] == "2.0.0"
    assert "GET" in options.headers["Allow"]


def test_proceed_stores_what_passes_and_lists_what_does_not(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """GS1-Capture-Error-Behaviour: with `rollback` one bad event refuses the document;
    with `proceed` the good events are stored and the job names each bad one and why (an
    event from the future, a place that is no corridor node, a broken container number)."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("PROCEED"), T0)
    good = [
        epcis.build(Step.DEPARTING, T0 - timedelta(hours=9), made.id, "dostyk", [BOX]),
        epcis.build(Step.ARRIVING, T0 - timedelta(hours=5), made.id, "aktau", [BOX]),
    ]
    future = epcis.build(Step.ARRIVING, T0 + timedelta(days=2), made.id, "baku-alat", [BOX])
    nowhere = epcis.build(Step.ARRIVING, T0 - timedelta(hours=4), made.id, "aktau", [BOX])
    nowhere.pop("eventID")
    nowhere["bizLocation"] = {"id": epcis.node_uri("atlantis")}
    broken = epcis.build(Step.ARRIVING, T0 - timedelta(hours=3), made.id, "aktau", [BOX])
    broken.pop("eventID")
    broken["epcList"] = ["urn:epc:id:bic:CSQU3054384"]
    doc = epcis.document([good[0], future, nowhere, good[1], broken], T0)
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    body = json.dumps(doc)
    whole = client.post("/epcis/capture", content=body, headers=headers)
    assert whole.status_code == 422
    me = auth(api_keys, "kz-ferroalloy")
    listed = client.get("/epcis/events", params={"shipment": made.id}, headers=me).json()
    assert listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    sent = client.post(
        "/epcis/capture",
        content=body,
        headers={**headers, "GS1-Capture-Error-Behaviour": "proceed"},
    )
    assert sent.status_code == 202, sent.text
    job = sent.json()
    assert (job["stored"], job["success"], job["captureErrorBehaviour"]) == (2, False, "proceed")
    assert [e["event"] for e in job["errors"]] == [1, 2, 4]
    assert "after the time it is recorded" in job["errors"][0]["detail"]
    assert "not a corridor node" in job["errors"][1]["detail"]
    assert "check digit" in job["errors"][2]["detail"]
    again = client.get(sent.headers["Location"], headers=auth(api_keys, "kz-rail")).json()
    assert again["errors"] == job["errors"]
    assert again["success"] is False
    listed = client.get("/epcis/events", params={"shipment": made.id}, headers=me).json()
    found = listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert [e["eventID"] for e in found] == [e["eventID"] for e in good]
    wrong = client.post(
        "/epcis/capture", content=body, headers={**headers, "GS1-Capture-Error-Behaviour": "maybe"}
    )
    assert wrong.status_code == 422


def test_named_queries_run_and_stream_what_their_owner_may_see(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """A query saved under a name (checked when saved), listed, run page by page, and
    followed on a WebSocket: each new event it selects arrives as recorded, and nothing
    its owner may not see; another organisation sees none of it; deleted, it is gone."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("NAMED"), T0)
    other = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("NAMED-2"), T0)
    me = auth(api_keys, "kz-ferroalloy")
    bad = client.post(
        "/epcis/queries", json={"name": "x", "query": {"EQ_colour": "red"}}, headers=me
    )
    assert bad.status_code == 400
    saved = client.post(
        "/epcis/queries",
        json={"name": "departures", "query": {"EQ_bizStep": ["departing"], "MATCH_epc": BOX}},
        headers=me,
    )
    assert saved.status_code == 201, saved.text
    assert saved.headers["Location"] == "/epcis/queries/departures"
    again = client.post("/epcis/queries", json={"name": "departures", "query": {}}, headers=me)
    assert again.status_code == 409
    # Under /epcis, problems carry the binding's exception types.
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    unnamed = client.get("/epcis/queries/nothing/events", headers=me)
    assert (unnamed.status_code, unnamed.json()["type"]) == (
        404,
        "epcisException:NoSuchNameException",
    )
    anonymous = client.get("/epcis/queries")
    assert (anonymous.status_code, anonymous.json()["type"]) == (
        401,
        "epcisException:SecurityException",
    )
    no_event = client.get("/epcis/events/ni%3A%2F%2F%2Fsha-256%3Babc", headers=me)
    assert no_event.json()["type"] == "epcisException:NoSuchResourceException"
    assert client.get("/epcis/queries", headers=me).json()["member"] == ["departures"]
    assert client.get("/epcis/queries", headers=auth(api_keys, "kz-rail")).json()["member"] == []
    assert (
        client.get("/epcis/queries/departures", headers=auth(api_keys, "kz-rail")).status_code
        == 404
    )
    carrier = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}

    def record(step: Step, hours: int, shipment: str) -> str:
        event = epcis.build(step, T0 - timedelta(hours=hours), shipment, "dostyk", [BOX])
        sent = client.post(
            "/epcis/capture", content=json.dumps(epcis.document([event], T0)), headers=carrier
        )
        assert sent.status_code == 202, sent.text
        return str(event["eventID"])

    first = record(Step.DEPARTING, 9, made.id)
    record(Step.ARRIVING, 8, made.id)
    ran = client.get("/epcis/queries/departures/events", headers=me).json()
    assert [e["eventID"] for e in ran["epcisBody"]["queryResults"]["resultsBody"]["eventList"]] == [
        first
    ]
    with client.websocket_connect("/epcis/queries/departures/events", headers=me) as socket:
        time.sleep(0.2)
        second = record(Step.DEPARTING, 7, other.id)
        record(Step.ARRIVING, 6, other.id)
        doc = socket.receive_json()
        assert doc["type"] == "EPCISQueryDocument"
        sent = [e["eventID"] for e in doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        assert sent == [second]
        # Deleted while followed: the stream ends.
        assert client.delete("/epcis/queries/departures", headers=me).status_code == 204
        with pytest.raises(WebSocketDisconnect):
            socket.receive_json()
    resaved = client.post(
        "/epcis/queries",
        json={"name": "departures", "query": {"EQ_bizStep": ["departing"], "MATCH_epc": BOX}},
        headers=me,
    )
    assert resaved.status_code == 201
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "/epcis/queries/departures/events", headers=auth(api_keys, "kz-rail")
        ) as socket,
    ):
        socket.receive_json()
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/epcis/queries/departures/events") as socket,
    ):
        socket.receive_json()
    # A suspended member's stream ends at the next look.
    from corridor.services import NODE_ADMIN, credentials

    with client.websocket_connect("/epcis/queries/departures/events", headers=me) as socket:
        credentials.suspend(ctx, NODE_ADMIN, "kz-ferroalloy", T0)
        with pytest.raises(WebSocketDisconnect):
            socket.receive_json()
    credentials.suspend(ctx, NODE_ADMIN, "kz-ferroalloy", T0, suspended=False)
    assert client.delete("/epcis/queries/departures", headers=me).status_code == 204
    assert client.get("/epcis/queries/departures/events", headers=me).status_code == 404


def test_one_event_captured_on_its_own(
    client: TestClient, ctx: Context, api_keys: dict[str, str]
) -> None:
    """POST /epcis/events: the binding's single-event capture, answered with the event as
    stored and its address; the same event again is stored once; a bad one is refused."""
    made = shipments.submit(ctx, ORGS["kz-ferroalloy"], STORY.draft("SINGLE"), T0)
    event = epcis.build(Step.DEPARTING, T0 - timedelta(hours=2), made.id, "dostyk", [BOX])
    event.pop("eventID")
    headers = {**auth(api_keys, "kz-rail"), "Content-Type": "application/ld+json"}
    sent = client.post("/epcis/events", content=json.dumps(event), headers=headers)
    assert sent.status_code == 201, sent.text
    stored = sent.json()
    assert stored["eventID"] == epcis.event_id(event)
    assert stored["recordTime"]
    found = client.get(sent.headers["Location"], headers=auth(api_keys, "kz-ferroalloy"))
    assert found.json()["eventID"] == stored["eventID"]
    again = client.post("/epcis/events", content=json.dumps(event), headers=headers)
    assert again.status_code == 201
    listed = client.get("/epcis/events", params={"shipment": made.id}, headers=headers).json()
    assert len(listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 1
    wrong = client.post("/epcis/events", content=b"[1, 2]", headers=headers)
    assert wrong.status_code == 422
