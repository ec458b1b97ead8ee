"""The operator cannot become a member: a member that lost its keys gets back in with its own
recovery code; without it, the operator needs the signed approval of the member's country
authority (used once), and the code it gets works only after a waiting time during which the
member sees it and may refuse. Every step is in the member's key ledger."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from corridor.documents import signing
from corridor.services import Context, recovery
from tests.api.helpers import is_problem
from tests.conftest import ORGS, auth

GE_RAIL = {"id": "ge-rail", "name": "Georgian Railway", "country": "GE", "role": "carrier"}


def _member(client: TestClient, op: dict[str, str]) -> dict[str, Any]:
    """A registered, enrolled member whose keys the operator then revoked."""
    code = client.post("/organisations", json=GE_RAIL, headers=op).json()["enrolment"]["code"]
    enrolled = client.post("/enrol", json={"organisation_id": "ge-rail", "code": code})
    assert enrolled.status_code == 201, enrolled.text
    body: dict[str, Any] = enrolled.json()
    assert body["recovery_code"].startswith("rec_")
    r = client.delete(f"/organisations/ge-rail/api-keys/{body['id']}", headers=op)
    assert r.status_code == 200
    return body


def _approval(ctx: Context, authority: str) -> dict[str, Any]:
    return recovery.approve(ctx, ORGS[authority], "ge-rail", ctx.clock()).model_dump()


def _signed_by(ctx: Context, authority: str) -> dict[str, Any]:
    """An approval for ge-rail signed by another authority than its country's (as a
    hostile operator could get one)."""
    now = ctx.clock()
    body = recovery.ApprovalBody(
        type=recovery.APPROVAL,
        organisation="ge-rail",
        approved_by=authority,
        at=int(now.timestamp()),
        expires=int(now.timestamp()) + 3600,
    )
    with ctx.db.transaction() as s:
        signer = ctx.keys.ensure(s, authority, now)
    sig = signing.sign(signer, signing.canonical(body.model_dump()))
    return recovery.Approval(body=body, kid=signer.kid, sig=sig).model_dump()


def _events(client: TestClient, key: str) -> list[str]:
    r = client.get("/organisations/ge-rail/key-events", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    return [e["kind"] for e in r.json()["entries"]]


def test_the_operator_cannot_take_over_a_member(
    client: TestClient, api_keys: dict[str, str], ctx: Context, clock: Any
) -> None:
    op = auth(api_keys, "node-operator")
    member = _member(client, op)
    url = "/organisations/ge-rail/enrolment"
    # Revoking every key and opening an enrolment is no longer enough.
    refused = is_problem(client.post(url, headers=op), 403)
    assert "recovery code" in refused["detail"]
    assert "approval" in refused["detail"]
    # An approval from another country's authority, or changed, counts for nothing.
    wrong = {"approval": _signed_by(ctx, "kz-customs")}
    assert (
        "customs authority of GE"
        in is_problem(client.post(url, json=wrong, headers=op), 403)["detail"]
    )
    forged = _approval(ctx, "ge-customs")
    forged["body"]["expires"] += 86400 * 365
    is_problem(client.post(url, json={"approval": forged}, headers=op), 403)
    # With the Georgian authority's approval, the code works only after the waiting time.
    approval = _approval(ctx, "ge-customs")
    opened = client.post(url, json={"approval": approval}, headers=op)
    assert opened.status_code == 201, opened.text
    code = opened.json()["code"]
    assert opened.json()["usable_from"] is not None
    early = client.post("/enrol", json={"organisation_id": "ge-rail", "code": code})
    assert "may be used from" in is_problem(early, 403)["detail"]
    # The member refuses it with its recovery code: the code is void, the approval spent.
    refuse = {"organisation_id": "ge-rail", "code": member["recovery_code"]}
    assert client.post("/recover/refuse", json=refuse).status_code == 204
    clock.advance(hours=73)
    is_problem(client.post("/enrol", json={"organisation_id": "ge-rail", "code": code}), 401)
    is_problem(client.post(url, json={"approval": approval}, headers=op), 409)
    # The member gets back in by itself; its old recovery code is used up.
    back = client.post("/recover", json={"organisation_id": "ge-rail", **refuse})
    assert back.status_code == 201, back.text
    assert back.json()["recovery_code"] != member["recovery_code"]
    is_problem(client.post("/recover", json={"organisation_id": "ge-rail", **refuse}), 401)
    assert _events(client, back.json()["key"]) == [
        "registered",
        "enrolled",
        "api_key_revoked",
        "recovery_opened",
        "recovery_refused",
        "recovered",
    ]


def test_an_approved_recovery_the_member_does_not_refuse_goes_through_after_the_wait(
    client: TestClient, api_keys: dict[str, str], ctx: Context, clock: Any
) -> None:
    op = auth(api_keys, "node-operator")
    _member(client, op)
    approval = _approval(ctx, "ge-customs")
    opened = client.post(
        "/organisations/ge-rail/enrolment", json={"approval": approval}, headers=op
    ).json()
    clock.advance(hours=72)
    enrolled = client.post("/enrol", json={"organisation_id": "ge-rail", "code": opened["code"]})
    assert enrolled.status_code == 201, enrolled.text
    key = enrolled.json()["key"]
    events = client.get(
        "/organisations/ge-rail/key-events", headers={"Authorization": f"Bearer {key}"}
    ).json()["entries"]
    opened_event = next(e for e in events if e["kind"] == "recovery_opened")
    assert opened_event["actor_id"] == "node-operator"
    assert opened_event["body"]["approved_by"] == "ge-customs"


def test_recovering_by_code_cancels_the_operators_recovery_which_it_cannot_refuse_itself(
    client: TestClient, api_keys: dict[str, str], ctx: Context, clock: Any
) -> None:
    op = auth(api_keys, "node-operator")
    member = _member(client, op)
    url = "/organisations/ge-rail/enrolment"
    opened = client.post(url, json={"approval": _approval(ctx, "ge-customs")}, headers=op)
    assert opened.status_code == 201, opened.text
    # Only the member refuses: not the operator, not with a wrong code.
    is_problem(client.post(f"{url}/refuse", headers=op), 403)
    wrong = {"organisation_id": "ge-rail", "code": "rec_wrong"}
    is_problem(client.post("/recover/refuse", json=wrong), 401)
    back = client.post(
        "/recover", json={"organisation_id": "ge-rail", "code": member["recovery_code"]}
    )
    assert back.status_code == 201, back.text
    clock.advance(hours=73)
    code = opened.json()["code"]
    is_problem(client.post("/enrol", json={"organisation_id": "ge-rail", "code": code}), 401)
    mine = {"Authorization": f"Bearer {back.json()['key']}"}
    is_problem(client.post(f"{url}/refuse", headers=mine), 422)
    events = client.get("/organisations/ge-rail/key-events", headers=mine).json()["entries"]
    assert events[-1]["kind"] == "recovered"
    assert events[-1]["body"]["cancelled_enrolment"] is True
