"""The HTTP API: authentication, visibility, problem responses and nothing half-written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from corridor import exceptions as exc
from corridor.api.problems import STATUS, status_for
from corridor.messages import MESSAGES, fill
from corridor.network import Network
from corridor.store.db import Database
from tests.api.helpers import SHIPPER, is_problem, rows, shipment, submit
from tests.conftest import auth, node_context, off_the_event_loop


def test_health_and_network_are_public(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    ids = {n["id"] for n in client.get("/network/nodes").json()}
    assert {"dostyk", "aktau", "constanta"} <= ids
    r = client.get("/network/route", params={"origin": "dostyk", "destination": "kars"})
    assert r.json()["countries"] == ["KZ", "AZ", "GE", "TR"]
    assert r.json()["legs"][0]["from"] == "dostyk"


def test_unknown_node_in_a_route_query_is_a_problem(client: TestClient) -> None:
    body = is_problem(
        client.get("/network/route", params={"origin": "dostyk", "destination": "mars"}), 422
    )
    assert "Unknown node 'mars'" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer cor_0000.xxxx"},
        {"Authorization": "Basic dXNlcjpwdw=="},
    ],
)
def test_private_endpoints_need_a_valid_key(client: TestClient, header: dict[str, str]) -> None:
    r = client.get("/shipments", headers=header)
    body = is_problem(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    assert "API key" in body["detail"]


def test_a_request_takes_one_worker_thread_and_authenticates_in_it(
    client: TestClient, api_keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker thread a request: the caller's key is checked in the thread that runs the
    endpoint (not one thread to authenticate and another to serve), and before the endpoint
    reads anything; a request without a key is refused without any."""
    import anyio.to_thread

    from corridor.services import authentication, listing

    seen: list[str] = []
    hand_off, checked, paged = (
        anyio.to_thread.run_sync,
        authentication.authenticate_any,
        listing.page_json,
    )

    async def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append("thread")
        return await hand_off(*args, **kwargs)

    def check(*args: Any, **kwargs: Any) -> Any:
        seen.append("authenticated")
        return checked(*args, **kwargs)

    def page(*args: Any, **kwargs: Any) -> Any:
        seen.append("served")
        return paged(*args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    monkeypatch.setattr(authentication, "authenticate_any", check)
    monkeypatch.setattr(listing, "page_json", page)
    assert client.get("/shipments", headers=auth(api_keys, SHIPPER)).status_code == 200
    assert seen == ["thread", "authenticated", "served"]
    seen.clear()
    is_problem(client.get("/shipments", headers={"Authorization": "Bearer cor_0000.xxxx"}), 401)
    assert seen == ["thread", "authenticated"]
    seen.clear()
    is_problem(client.get("/shipments"), 401)
    assert seen == []


def test_shipments_are_seen_by_parties_only_and_others_get_404(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    created = submit(client, api_keys)
    sid = created["id"]
    for party in (SHIPPER, "ro-consignee", "kz-rail", "caspian-ferry"):
        assert client.get(f"/shipments/{sid}", headers=auth(api_keys, party)).status_code == 200
        assert [
            s["id"] for s in client.get("/shipments", headers=auth(api_keys, party)).json()["items"]
        ] == [sid]
    for outsider in ("node-operator", "az-customs", "tr-customs", "ro-customs"):
        h = auth(api_keys, outsider)
        assert client.get("/shipments", headers=h).json() == {"items": [], "next": None}
        for path in ("", "/route", "/events", "/documents"):
            body = is_problem(client.get(f"/shipments/{sid}{path}", headers=h), 404)
            assert "ferro" not in json.dumps(body).lower()
    missing = is_problem(
        client.get("/shipments/no-such-id", headers=auth(api_keys, "az-customs")), 404
    )
    hidden = is_problem(client.get(f"/shipments/{sid}", headers=auth(api_keys, "az-customs")), 404)
    # A stranger cannot tell an existing shipment from a missing one, except by its own id.
    assert missing["detail"].replace("no-such-id", sid) == hidden["detail"]


def test_submitted_shipment_has_its_route_and_borders(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    sid = submit(client, api_keys)["id"]
    route = client.get(f"/shipments/{sid}/route", headers=auth(api_keys, "ro-consignee")).json()
    assert route["countries"] == ["KZ", "AZ", "GE", "RO"]
    assert [b["entry_node"] for b in route["borders"]] == ["baku-alat", "gardabani", "constanta"]
    events = client.get(f"/shipments/{sid}/events", headers=auth(api_keys, SHIPPER)).json()
    assert events[0]["kind"] == "submitted"


def _mutate(path: list[Any], value: Any) -> dict[str, Any]:
    body = shipment("BAD")
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        (["goods", 0, "hs_code"], "72024", "goods.0.hs_code", "6 digits"),
        (["containers", 0, "number"], "CSQU3054384", "containers.0.number", "check digit"),
        (["goods", 1, "value", "currency"], "XYZ", "goods.1.value.currency", "ISO 4217"),
        (["goods", 0, "origin_country"], "QQ", "goods.0.origin_country", "ISO 3166"),
        (["route", "destination"], "constanza", "route.destination", "Did you mean"),
        (["route", "via"], ["nowhere"], "route.via.0", "Unknown node"),
        (["consignee"], "nobody", "consignee", "no organisation 'nobody'"),
    ],
)
def test_malformed_shipments_are_refused_and_write_nothing(
    client: TestClient,
    api_keys: dict[str, str],
    sqlite_db: Database,
    path: list[Any],
    value: Any,
    field: str,
    words: str,
) -> None:
    before = rows(sqlite_db, "shipments"), rows(sqlite_db, "shipment_events")
    r = client.post("/shipments", json=_mutate(path, value), headers=auth(api_keys, SHIPPER))
    body = is_problem(r, 422)
    matching = [e for e in body["errors"] if e["field"] == field]
    assert matching, body
    assert words in matching[0]["message"]
    assert (rows(sqlite_db, "shipments"), rows(sqlite_db, "shipment_events")) == before


def test_a_refused_field_carries_its_messages_code_and_parameters(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    """The English sentence stays in `message`; `code` and `params` let a client write it in
    its own language (the corridor's own codes), and pydantic's error type names the rest."""
    body = _mutate(["containers", 0, "number"], "CSQU3054384")
    body["goods"][0]["net_kg"] = "90000"
    r = client.post("/shipments", json=body, headers=auth(api_keys, SHIPPER))
    found = {e["field"]: e for e in is_problem(r, 422)["errors"]}
    box = found["containers.0.number"]
    assert box["code"] == "container_check_digit"
    assert box["params"] == {"value": "'CSQU3054384'", "digit": "3"}
    assert fill(MESSAGES[box["code"]], box["params"]) == box["message"]
    net = found["goods.0"]
    assert net["code"] == "net_above_gross"
    assert net["params"] == {"net": "90000", "gross": "20200"}
    missing = client.post("/shipments", json={"reference": "X"}, headers=auth(api_keys, SHIPPER))
    consignor = {e["field"]: e for e in is_problem(missing, 422)["errors"]}["consignor"]
    assert consignor["code"] == "missing"
    assert consignor.get("params") is None


def test_no_route_between_nodes_is_a_problem(
    sqlite_db: Database, tmp_path: Path, clock: Any, api_keys: dict[str, str]
) -> None:
    from corridor.asgi import create_app
    from corridor.services import Context
    from tests.network.samples import ISLAND

    island = Network.from_yaml(
        ISLAND.replace("id: a,", "id: dostyk,")
        .replace("from: a", "from: dostyk")
        .replace("id: c,", "id: constanta,")
    )
    base = node_context(sqlite_db, tmp_path, clock)
    app = create_app(Context.open(base.settings, db=sqlite_db, network=island, clock=clock))
    payload = shipment()
    payload["route"]["via"] = []
    with TestClient(app) as c:
        body = is_problem(c.post("/shipments", json=payload, headers=auth(api_keys, SHIPPER)), 422)
    assert "No route from 'dostyk'" in body["detail"]
    assert rows(sqlite_db, "shipments") == 0


def test_non_json_body_is_a_400_problem(
    client: TestClient, api_keys: dict[str, str], sqlite_db: Database
) -> None:
    h = {**auth(api_keys, SHIPPER), "Content-Type": "application/json"}
    body = is_problem(client.post("/shipments", content=b"{not json", headers=h), 400)
    assert "not valid JSON" in body["detail"]
    assert rows(sqlite_db, "shipments") == 0


def test_oversized_body_is_a_413_problem(
    client: TestClient, api_keys: dict[str, str], sqlite_db: Database
) -> None:
    big = shipment()
    big["goods"][0]["description"] = "x" * 100_000
    r = client.post(
        "/shipments",
        content=json.dumps(big).encode(),
        headers={**auth(api_keys, SHIPPER), "Content-Type": "application/json"},
    )
    is_problem(r, 413)

    def chunks() -> Any:
        # No Content-Length: the limit must hold on the streamed bytes too.
        for _ in range(100):
            yield b" " * 1024

    r = client.post(
        "/shipments",
        content=chunks(),
        headers={**auth(api_keys, SHIPPER), "Content-Type": "application/json"},
    )
    is_problem(r, 413)
    assert rows(sqlite_db, "shipments") == 0


def test_duplicate_reference_is_a_409(client: TestClient, api_keys: dict[str, str]) -> None:
    submit(client, api_keys, "DUP")
    body = is_problem(
        client.post("/shipments", json=shipment("DUP"), headers=auth(api_keys, SHIPPER)), 409
    )
    assert "already submitted" in body["detail"]


def test_only_shippers_and_forwarders_submit(client: TestClient, api_keys: dict[str, str]) -> None:
    body = is_problem(
        client.post("/shipments", json=shipment(), headers=auth(api_keys, "kz-rail")), 422
    )
    assert "cannot submit" in body["detail"]


def test_documents_upload_list_download(client: TestClient, api_keys: dict[str, str]) -> None:
    sid = submit(client, api_keys)["id"]
    files = {"file": ("invoice.pdf", b"%PDF-1.7 demo", "application/pdf")}
    r = client.post(
        f"/shipments/{sid}/documents",
        data={"kind": "commercial_invoice"},
        files=files,
        headers=auth(api_keys, SHIPPER),
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    listed = client.get(
        f"/shipments/{sid}/documents", headers=auth(api_keys, "ro-consignee")
    ).json()
    assert [d["id"] for d in listed] == [doc["id"]]
    got = client.get(
        f"/shipments/{sid}/documents/{doc['id']}", headers=auth(api_keys, "ro-consignee")
    )
    assert got.content == b"%PDF-1.7 demo"
    # Served as bytes to save, whatever type the uploader claimed; the claim stays listed.
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert listed[0]["media_type"] == "application/pdf"
    is_problem(
        client.get(f"/shipments/{sid}/documents/{doc['id']}", headers=auth(api_keys, "az-customs")),
        404,
    )


def test_bad_documents_are_refused(
    client: TestClient, api_keys: dict[str, str], sqlite_db: Database
) -> None:
    sid = submit(client, api_keys)["id"]
    h = auth(api_keys, SHIPPER)
    body = is_problem(
        client.post(
            f"/shipments/{sid}/documents",
            data={"kind": "love_letter"},
            files={"file": ("a", b"x")},
            headers=h,
        ),
        422,
    )
    assert body["errors"][0]["field"] == "kind"
    is_problem(
        client.post(
            f"/shipments/{sid}/documents",
            data={"kind": "licence"},
            files={"file": ("big", b"x" * (400 * 1024))},
            headers=h,
        ),
        413,
    )
    is_problem(
        client.post(
            f"/shipments/{sid}/documents",
            data={"kind": "licence"},
            files={"file": ("empty", b"")},
            headers=h,
        ),
        422,
    )
    is_problem(
        client.post(
            f"/shipments/{sid}/documents",
            data={"kind": "licence"},
            files={"file": ("a", b"x")},
            headers=auth(api_keys, "az-customs"),
        ),
        404,
    )
    assert rows(sqlite_db, "documents") == 0


def test_operator_registers_a_member_who_enrols_its_own_keys(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    op = auth(api_keys, "node-operator")
    org = {"id": "ge-rail", "name": "საქართველოს რკინიგზა", "country": "GE", "role": "carrier"}
    registered = client.post("/organisations", json=org, headers=op)
    assert registered.status_code == 201, registered.text
    code = registered.json()["enrolment"]["code"]
    is_problem(client.post("/organisations", json=org, headers=op), 409)
    is_problem(
        client.post("/organisations", json={**org, "id": "x2"}, headers=auth(api_keys, SHIPPER)),
        403,
    )
    # The operator cannot mint a key for the member: no impersonation.
    is_problem(client.post("/organisations/ge-rail/api-keys", json={}, headers=op), 403)
    # The member enrols once with the code handed over out of band ...
    enrol = {"organisation_id": "ge-rail", "code": code, "label": "ops"}
    key = client.post("/enrol", json=enrol).json()
    member = {"Authorization": f"Bearer {key['key']}"}
    assert client.get("/me", headers=member).json()["name"] == "საქართველოს რკინიგზა"
    is_problem(client.post("/enrol", json=enrol), 401)  # used up
    # ... and mints further keys itself.
    second = client.post("/organisations/ge-rail/api-keys", json={"label": "2"}, headers=member)
    assert second.status_code == 201
    listed = client.get("/organisations/ge-rail/api-keys", headers=op).json()
    assert len(listed) == 2
    assert "key" not in listed[0]
    assert "secret_sha256" not in listed[0]
    is_problem(client.get("/organisations/ge-rail/api-keys", headers=auth(api_keys, SHIPPER)), 403)
    # While it holds a working key, the operator cannot re-open its enrolment.
    is_problem(client.post("/organisations/ge-rail/enrolment", headers=op), 409)
    # The operator suspends and revokes, and the member sees every event.
    assert client.post("/organisations/ge-rail/suspend", headers=op).status_code == 204
    is_problem(client.get("/me", headers=member), 401)
    assert client.post("/organisations/ge-rail/reinstate", headers=op).status_code == 204
    assert client.get("/me", headers=member).status_code == 200
    client.delete(f"/organisations/ge-rail/api-keys/{key['id']}", headers=op)
    is_problem(client.get("/me", headers=member), 401)
    events = client.get(
        "/organisations/ge-rail/key-events",
        headers={"Authorization": f"Bearer {second.json()['key']}"},
    ).json()
    assert [e["kind"] for e in events["entries"]] == [
        "registered",
        "enrolled",
        "api_key_issued",
        "suspended",
        "reinstated",
        "api_key_revoked",
    ]
    assert [e["actor_id"] for e in events["entries"]][:2] == ["node-operator", "ge-rail"]
    assert events["verified"] == 6
    is_problem(
        client.get("/organisations/ge-rail/key-events", headers=auth(api_keys, SHIPPER)), 403
    )


def test_a_wrong_or_expired_enrolment_code_gets_nothing(
    client: TestClient, api_keys: dict[str, str], clock: Any
) -> None:
    op = auth(api_keys, "node-operator")
    org = {"id": "az-rail", "name": "ADY", "country": "AZ", "role": "carrier"}
    code = client.post("/organisations", json=org, headers=op).json()["enrolment"]["code"]
    is_problem(client.post("/enrol", json={"organisation_id": "az-rail", "code": code + "x"}), 401)
    is_problem(client.post("/enrol", json={"organisation_id": "kz-rail", "code": code}), 401)
    clock.advance(days=8)
    is_problem(client.post("/enrol", json={"organisation_id": "az-rail", "code": code}), 401)


def test_invalid_organisation_fields_are_named(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    body = is_problem(
        client.post(
            "/organisations",
            headers=auth(api_keys, "node-operator"),
            json={"id": "Bad Id", "name": "x", "country": "ZZ", "role": "pirate"},
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"id", "country", "role"}


def test_unknown_endpoint_and_method_are_problems(client: TestClient) -> None:
    is_problem(client.get("/nope"), 404)
    is_problem(client.put("/health"), 405)


def test_every_route_documents_its_problem_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            assert {"422", "500"} <= codes, (method, path)
            if op.get("security") or "shipments" in path or "organisations" in path:
                assert {"401", "404"} <= codes, (method, path)


def test_every_domain_error_has_an_http_status() -> None:
    def walk(cls: type[exc.CorridorError]) -> list[type[exc.CorridorError]]:
        return [cls, *(c for sub in cls.__subclasses__() for c in walk(sub))]

    for cls in walk(exc.CorridorError):
        if cls is exc.CorridorError:
            continue
        samples: dict[type, tuple[Any, ...]] = {
            exc.VerificationFailed: ("malformed", "x"),
            exc.LedgerBroken: (0, "gap", "x"),
            exc.EnvelopeRejected: ("forged", "x"),
        }
        error = cls(*samples.get(cls, ("x",)))
        assert status_for(error) != 500, cls
        assert cls.__doc__, cls
    assert set(STATUS) <= set(walk(exc.CorridorError))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/shipments?offset=9223372036854775808", None),
        ("get", "/rules/diff?on=0", None),
        ("post", "/rules/check", {"departure": "9999-12-31"}),
        ("post", "/rules/check", {"departure": "1900-01-01"}),
        ("post", "/shipments", {"departure": "9999-12-31"}),
    ],
)
def test_out_of_range_numbers_and_dates_are_422_problems(
    client: TestClient, api_keys: dict[str, str], method: str, path: str, body: Any
) -> None:
    h = auth(api_keys, SHIPPER)
    if body is not None:
        if path == "/rules/check":
            body = {"shipment": shipment("D-1"), **body}
        else:
            body = {**shipment("D-1"), **body}
    r = client.request(method.upper(), path, json=body, headers=h)
    is_problem(r, 422)


def test_api_docs_are_served_from_the_node_itself(client: TestClient) -> None:
    """/docs and /redoc name no other host: they work on a node with no Internet access."""
    import re

    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html.text)
        assert urls, page
        for url in urls:
            assert url.startswith("/"), f"{page} loads {url}"
            assert client.get(url).status_code == 200, url
        assert "fonts.googleapis" not in html.text
        assert "cdn." not in html.text


def test_405_names_every_method_the_path_serves(client: TestClient) -> None:
    r = client.put("/shipments")
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, POST"
    assert "use GET or POST" in r.json()["detail"]
    r = client.put("/organisations/x/api-keys/y")
    assert r.headers["allow"] == "DELETE"


def test_the_list_pages_by_cursor_with_a_link_to_the_next(
    client: TestClient, api_keys: dict[str, str], clock: Any
) -> None:
    made = []
    for ref in ("P-1", "P-2", "P-3"):
        made.append(submit(client, api_keys, ref)["id"])
        clock.advance(minutes=1)
    h = auth(api_keys, "kz-rail")
    first = client.get("/shipments", params={"limit": 2}, headers=h)
    body = first.json()
    assert [s["reference"] for s in body["items"]] == ["P-3", "P-2"]
    assert "goods" not in json.dumps(body)
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    second = client.get(link[1 : link.index(">")], headers=h)
    assert [s["id"] for s in second.json()["items"]] == made[:1]
    assert "link" not in second.headers
    assert second.json()["next"] is None
    bad = is_problem(client.get("/shipments", params={"after": "x"}, headers=h), 422)
    assert "previous page" in bad["detail"]
    deep = client.get("/shipments", params={"offset": 5000}, headers=h)
    assert deep.status_code == 422


def test_the_event_loop_guard_catches_an_async_route_that_queries_the_store(ctx: Any) -> None:
    app = FastAPI()

    @app.get("/blocking")
    async def blocking() -> int:
        with ctx.db.transaction() as s:
            return int(s.scalar(sa.select(1)) or 0)

    @app.get("/threaded")
    def threaded() -> int:
        with ctx.db.transaction() as s:
            return int(s.scalar(sa.select(1)) or 0)

    with off_the_event_loop(ctx.db), TestClient(app) as c:
        assert c.get("/threaded").json() == 1
    with (
        pytest.raises(AssertionError, match="queried on the event loop"),
        off_the_event_loop(ctx.db),
        TestClient(app) as c,
    ):
        assert c.get("/blocking").json() == 1


def test_a_get_of_the_signing_path_is_405_not_a_download(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    """`…/documents/signed` is where documents are issued (POST), not a document id."""
    made = submit(client, api_keys)
    r = client.get(f"/shipments/{made['id']}/documents/signed", headers=auth(api_keys, SHIPPER))
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    r = client.get(f"/shipments/{made['id']}/documents/not-an-id", headers=auth(api_keys, SHIPPER))
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_a_shipment_is_sent_as_stored_in_the_shape_of_its_model(
    client: TestClient, api_keys: dict[str, str]
) -> None:
    """GET /shipments/{id} sends the stored JSON without a second validation: it must be
    exactly what the Shipment model makes of it, and what the submission answered."""
    from corridor.services.shipments import Shipment

    made = submit(client, api_keys)
    sent = client.get(f"/shipments/{made['id']}", headers=auth(api_keys, "kz-rail")).json()
    assert sent == Shipment.model_validate(sent).model_dump(mode="json", by_alias=True)
    assert sent == made
    route = client.get(f"/shipments/{made['id']}/route", headers=auth(api_keys, SHIPPER)).json()
    assert route == made["route"]


def test_the_openapi_document_states_what_is_valid(client: TestClient, ctx: Any) -> None:
    """Codes by pattern or enum, node ids from the node's own network, and one schema per
    document kind for issuing: what a client generates from the document is what we accept."""
    from corridor.documents.kinds import SCHEMAS

    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["RouteRequest"]["properties"]["origin"]["enum"] == sorted(ctx.network.nodes)
    route = {p["name"]: p["schema"] for p in doc["paths"]["/network/route"]["get"]["parameters"]}
    assert "dostyk" in route["origin"]["enum"]
    assert "nowhere" not in route["origin"]["enum"]
    container = schemas["Container"]["properties"]["number"]
    assert container["format"] == "iso6346"
    assert container["pattern"]
    goods = schemas["GoodsItem"]["properties"]
    assert goods["hs_code"]["pattern"].startswith("^(0[1-9]")
    # Money and weights are decimal strings, one schema read and written alike.
    amount = schemas["Money"]["properties"]["amount"]
    assert (amount["type"], amount["examples"]) == ("string", ["184000.00"])
    assert re.fullmatch(amount["pattern"], "184000.00")
    assert not re.fullmatch(amount["pattern"], "0.00")
    assert not [n for n in schemas if n.startswith(("Money-", "GoodsItem-", "ShipmentDraft-"))]
    assert "KZ" in goods["origin_country"]["enum"]
    assert "XX" not in goods["origin_country"]["enum"]
    assert "x-corridor-node" not in json.dumps(doc)
    variants = schemas["SignRequest"]["discriminator"]["mapping"]
    assert set(variants) == {k.value for k in SCHEMAS}
    invoice = schemas[variants["commercial_invoice"].rsplit("/", 1)[1]]
    fields = schemas[invoice["properties"]["fields"]["$ref"].rsplit("/", 1)[1]]
    assert {"seller", "buyer", "goods", "total_amount"} <= set(fields["properties"])


def test_a_shipments_chain_of_legs_over_http(client: TestClient, api_keys: dict[str, str]) -> None:
    sid = submit(client, api_keys, "CHAIN-1")["id"]
    r = client.get(f"/shipments/{sid}/chain", headers=auth(api_keys, SHIPPER))
    assert r.status_code == 200, r.text
    legs = r.json()["legs"]
    assert legs[0]["leg"]["country"] == "KZ"
    assert all(leg["leg"]["regime"] and leg["leg"]["guarantee"]["status"] for leg in legs)
    ncts = [leg["leg"]["country"] for leg in legs if leg["leg"]["ncts"]]
    assert ncts
    assert "KZ" not in ncts
    assert "AZ" not in ncts
    b = client.get(
        f"/shipments/{sid}/chain", params={"option": "B"}, headers=auth(api_keys, SHIPPER)
    )
    assert len(b.json()["legs"]) == len(legs) - 1
    wrong = client.get(
        f"/shipments/{sid}/chain", params={"option": "C"}, headers=auth(api_keys, SHIPPER)
    )
    assert wrong.status_code == 422
    stranger = client.get(f"/shipments/{sid}/chain", headers=auth(api_keys, "tr-customs"))
    assert stranger.status_code == 404


def test_the_openapi_document_names_each_schema_and_operation_once(client: TestClient) -> None:
    """A client generator keeps every model and operation: no two schemas share a title
    (FastAPI's -Input/-Output twins and two models both named Leg once did), and operation
    ids are the routes' own names, each used once."""
    spec = client.get("/openapi.json").json()
    titles = [s.get("title") for s in spec["components"]["schemas"].values()]
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
    ops = [
        o["operationId"]
        for path in spec["paths"].values()
        for o in path.values()
        if "operationId" in o
    ]
    assert len(ops) == len(set(ops))
    assert {"list_shipments", "enrol", "health"} <= set(ops)
