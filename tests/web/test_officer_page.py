"""The officer's declaration page: an inspection's result is chosen, never read from whether
the findings box has text in it; findings need their description; a decided declaration
offers no further decisions."""

from __future__ import annotations

from fastapi.testclient import TestClient

from corridor.asgi import create_app
from corridor.services import credentials, customs
from corridor.services import endorsements as overrides
from corridor.services.context import NODE_ADMIN
from tests.conftest import T0
from tests.customs_corridor import Walked
from tests.web.forms import csrf_of


def test_findings_are_a_choice_and_a_decided_declaration_takes_no_more(walked: Walked) -> None:
    node = walked.corridor.nodes["kz"]
    examiner, _chief = walked.officers("kz")
    org = credentials.issue_key(node, NODE_ADMIN, "kz-customs", "web", T0).key
    client = TestClient(create_app(node))
    made = client.post(
        "/organisations/kz-customs/officers",
        json={"id": "kz.dana", "name": "Dana", "role": "examiner"},
        headers={"Authorization": f"Bearer {org}"},
    )
    assert made.status_code == 201, made.text
    page = client.get("/ui/signin")
    client.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": made.json()["key"], "next": ""},
        follow_redirects=False,
    )
    (item, *_) = customs.queue(node, examiner, T0)
    url = f"/ui/customs/declarations/{item.id}"
    form = client.get(url)
    assert "Inspected: nothing found" in form.text
    assert "Inspected: findings" in form.text
    csrf = csrf_of(form.text)
    # "Findings" chosen with nothing described: refused, said next to the form.
    empty = client.post(
        f"{url}/decisions",
        data={"csrf": csrf, "action": "inspection_findings", "reason": "opened the box"},
    )
    assert empty.status_code == 422
    assert "Describe the findings" in empty.text
    # "Nothing found" with text left in the box: a clear inspection, not a hold.
    clear = client.post(
        f"{url}/decisions",
        data={
            "csrf": csrf,
            "action": "inspection_clear",
            "reason": "seals and goods as declared",
            "findings": "note to self",
        },
    )
    assert clear.status_code == 200, clear.text
    shown = customs.show(node, examiner, item.id, T0)
    assert shown.decisions[-1]["action"] == "inspection_clear"
    assert shown.status != "held"
    # Released (or waiting for a chief): the form offers no decision any more.
    client.post(
        f"{url}/decisions", data={"csrf": csrf, "action": "release", "reason": "all in order"}
    )
    after = client.get(url)
    assert "Inspected: findings" not in after.text
    assert "waits for a chief" in after.text or "is decided" in after.text
    if "waits for a chief" not in after.text:
        return  # a green lane needs no endorsement
    # A chief answers only with a reason of their own.
    chief_key = client.post(
        "/organisations/kz-customs/officers",
        json={"id": "kz.marat", "name": "Marat", "role": "chief"},
        headers={"Authorization": f"Bearer {org}"},
    ).json()["key"]
    chief = TestClient(create_app(node))
    page = chief.get("/ui/signin")
    chief.post(
        "/ui/signin",
        data={"csrf": csrf_of(page.text), "key": chief_key, "next": ""},
        follow_redirects=False,
    )
    listed = chief.get("/ui/customs/endorsements")
    (pending,) = [
        p
        for p in overrides.awaiting_endorsement(node, _chief)
        if p.decision.declaration_id == item.id
    ]
    answer = f"/ui/customs/endorsements/{pending.decision.id}"
    token = csrf_of(listed.text)
    bare = chief.post(answer, data={"csrf": token, "answer": "approve"})
    assert bare.status_code == 422
    assert "Give your reason" in bare.text
    done = chief.post(answer, data={"csrf": token, "answer": "approve", "reason": "seals intact"})
    assert done.status_code == 200
    shown = customs.show(node, examiner, item.id, T0)
    assert shown.decisions[-1]["status"] == "taken"
