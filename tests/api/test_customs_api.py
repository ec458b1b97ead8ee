"""The customs API on an authority's node: officers' keys only, problems that name what is
wrong, and NCTS messages served as XML."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from corridor.asgi import create_app
from corridor.services import credentials, targeting
from corridor.services.context import NODE_ADMIN
from tests.conftest import T0, off_the_event_loop
from tests.customs_corridor import Walked


def _officers_client(
    walked: Walked, name: str, authority: str
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    node = walked.corridor.nodes[name]
    walked.officers(name)  # the demo officers, with their keys in the node's folder
    org = credentials.issue_key(node, NODE_ADMIN, authority, "api", T0).key
    keys = {"org": org}
    with (
        off_the_event_loop(node.db),
        TestClient(create_app(node), raise_server_exceptions=False) as c,
    ):
        made = c.post(
            f"/organisations/{authority}/officers",
            json={"id": f"{name}.aliya", "name": "Aliya", "role": "examiner"},
            headers={"Authorization": f"Bearer {org}"},
        )
        assert made.status_code == 201, made.text
        keys["examiner"] = made.json()["key"]
        yield c, keys


@pytest.fixture
def kz(walked: Walked) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _officers_client(walked, "kz", "kz-customs")


@pytest.fixture
def ge(walked: Walked) -> Iterator[tuple[TestClient, dict[str, str]]]:
    yield from _officers_client(walked, "ge", "ge-customs")


def _h(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_the_queue_needs_an_officers_own_key(kz: tuple[TestClient, dict[str, str]]) -> None:
    c, keys = kz
    assert c.get("/customs/queue").status_code == 401
    refused = c.get("/customs/queue", headers=_h(keys["org"]))
    assert refused.status_code == 403
    assert "officer's own API key" in refused.json()["detail"]
    ok = c.get("/customs/queue", headers=_h(keys["examiner"]))
    assert ok.status_code == 200
    (item,) = ok.json()
    assert item["procedure"] == "export"
    assert item["channel"] in ("green", "blue", "yellow", "red")


def test_one_examiner_cannot_check_and_release_over_the_api(
    ge: tuple[TestClient, dict[str, str]], walked: Walked
) -> None:
    walked.arrive_at("ge")
    c, keys = ge
    h = _h(keys["examiner"])
    (item,) = [i for i in c.get("/customs/queue", headers=h).json() if i["channel"] == "red"]
    url = f"/customs/declarations/{item['id']}/decisions"
    assert c.post(url, json={"action": "inspection"}, headers=h).status_code == 201
    alone = c.post(url, json={"action": "release"}, headers=h)
    assert alone.status_code == 422
    assert "another officer" in alone.json()["detail"]
    waiting = c.post(url, json={"action": "release", "reason": "I checked"}, headers=h)
    assert waiting.status_code == 201
    assert waiting.json()["status"] == "awaiting_endorsement"
    # The office-side movement routes are gone: corridor is not an NCTS office.
    assert c.post(f"/customs/declarations/{item['id']}/movement", headers=h).status_code == 404


def test_only_a_chief_installs_profiles(
    kz: tuple[TestClient, dict[str, str]], walked: Walked
) -> None:
    c, keys = kz
    text = (targeting.shipped_profiles("kz-customs") or "").replace("version: 1", "version: 2")
    yaml = {"Content-Type": "application/yaml"}
    r = c.put("/customs/profiles", content=text, headers={**_h(keys["examiner"]), **yaml})
    assert r.status_code == 403
    assert "only a chief" in r.json()["detail"]
    chief = json.loads(
        (walked.corridor.nodes["kz"].settings.data_dir / "officer-keys.json").read_text()
    )
    chief_key = chief["kz-customs.chief"]
    broken = c.put(
        "/customs/profiles",
        content=text.replace("lane: red", "lane: pink", 1),
        headers={**_h(chief_key), **yaml},
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["field"].startswith("profiles.yaml:")
    ok = c.put("/customs/profiles", content=text, headers={**_h(chief_key), **yaml})
    assert ok.status_code == 200, ok.text
    assert c.get("/customs/profiles", headers=_h(keys["examiner"])).json()["version"] == 2
