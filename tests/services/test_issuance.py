"""A certificate of origin asked from the node that signs for the issuing body: issued there
from the request, filed with the shipment on the shipper's node and counted by readiness;
refused with a reason the shipper reads; and every answer a hostile node could forge refused."""

from __future__ import annotations

from typing import Any

import pytest

from corridor.exceptions import Conflict, InvalidInput, PermissionDenied
from corridor.exchange.admission import ANSWER, REQUEST
from corridor.model import DocumentKind
from corridor.services import issuance, ledgers, papers, readiness, shipments
from tests.conftest import ORGS
from tests.customs_corridor import LATER, Walked, refusals, send, signed

CO = DocumentKind.CERTIFICATE_OF_ORIGIN


def _ask(walked: Walked) -> str:
    env = issuance.ask(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, CO, LATER)
    walked.settle()
    return env


def _state(walked: Walked) -> issuance.RequestState:
    return issuance.requests(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)[-1]


def test_the_shipper_is_offered_the_kazakh_issuing_body_with_its_source(walked: Walked) -> None:
    shipper = ORGS["kz-ferroalloy"]
    draft = shipments.get(walked.shipper, shipper, walked.shipment_id).draft
    (offer,) = issuance.requestable(walked.shipper, shipper, draft)
    assert (offer.kind, offer.country, offer.node) == (CO, "KZ", "kz")
    assert "Atameken" in offer.issuer.body
    assert "454" in offer.issuer.source
    # A carrier asks for nothing; the Kazakh node signs for the body itself.
    assert issuance.requestable(walked.shipper, ORGS["kz-rail"], draft) == []
    kz = walked.corridor.nodes["kz"]
    assert issuance.requestable(kz, ORGS["kz-ferroalloy"], draft) == []


def test_a_certificate_asked_for_is_issued_on_the_kazakh_node_and_filed_with_the_shipment(
    walked: Walked,
) -> None:
    env = _ask(walked)
    assert _state(walked).state == "delivered"
    kz = walked.corridor.nodes["kz"]
    examiner, _ = walked.officers("kz")
    (asked,) = issuance.waiting(kz, examiner)
    assert (asked.envelope_id, asked.kind, asked.from_node) == (env, CO, "shipper")
    assert asked.fields["country_of_origin"] == "KZ"
    assert asked.fields["goods"][0]["hs_code"] == "720241"
    # Asked twice while the first waits: refused, nothing sent.
    with pytest.raises(Conflict, match="not answered yet"):
        issuance.ask(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, CO, LATER)
    before = {
        d.id for d in papers.documents(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    }
    fields = {**asked.fields, "document_number": "KZ-ST-2026-000417"}
    issuance.answer(kz, examiner, env, LATER, fields=fields)
    assert issuance.waiting(kz, examiner) == []
    with pytest.raises(Conflict, match="answered already"):
        issuance.answer(kz, examiner, env, LATER, reason="twice")
    walked.settle()
    assert _state(walked).state == "issued"
    docs = papers.documents(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    (new,) = [d for d in docs if d.id not in before]
    assert new.kind is CO
    token = papers.content(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, new.id)[1]
    verdict = papers.verdict(walked.shipper, token)
    assert verdict.document is not None
    assert verdict.document.issuer.id == "kz-customs"
    assert verdict.document.disclosed["document_number"] == "KZ-ST-2026-000417"
    # The shipper's ledger records the request and the filing, and still verifies.
    view = ledgers.shipment(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    kinds = [e.kind for e in view.entries]
    assert f"{REQUEST}_sent" in kinds
    assert "document_attached" in kinds
    report = readiness.check(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, LATER)
    assert CO not in {k for c in report.crossings for r in c.results for k in r.lacking}


def test_a_refusal_reaches_the_shipper_with_its_reason_and_a_new_request_may_follow(
    walked: Walked,
) -> None:
    env = _ask(walked)
    kz = walked.corridor.nodes["kz"]
    examiner, _ = walked.officers("kz")
    with pytest.raises(InvalidInput, match="reason"):
        issuance.answer(kz, examiner, env, LATER)
    issuance.answer(kz, examiner, env, LATER, reason="The expert's origin report is missing.")
    walked.settle()
    state = _state(walked)
    assert (state.state, state.reason) == ("refused", "The expert's origin report is missing.")
    again = _ask(walked)
    assert again != env
    assert _state(walked).state == "delivered"


def test_only_the_shipper_side_asks_and_only_the_authoritys_officers_answer(
    walked: Walked,
) -> None:
    with pytest.raises(PermissionDenied):
        issuance.ask(walked.shipper, ORGS["kz-rail"], walked.shipment_id, CO, LATER)
    env = _ask(walked)
    # An officer of another authority, on its own node, sees nothing of it.
    az = walked.corridor.nodes["az"]
    az_examiner, _ = walked.officers("az")
    assert issuance.waiting(az, az_examiner) == []
    kz_examiner, _ = walked.officers("kz")
    with pytest.raises(PermissionDenied):
        issuance.waiting(az, kz_examiner)
    assert env


def _co(country: str, origin: str = "KZ") -> dict[str, Any]:
    return {
        "document_number": f"{country}-CO-1",
        "issue_date": LATER.date().isoformat(),
        "exporter": {"name": "X", "country": "KZ"},
        "consignee": {"name": "Y", "country": "RO"},
        "country_of_origin": origin,
        "goods": [{"sequence": 1, "hs_code": "720241", "description": "ferro-chromium"}],
    }


@pytest.mark.parametrize("who", ["other_node", "no_request", "other_authority", "wrong_kind"])
def test_an_answer_counts_only_from_the_node_asked_for_the_request_it_answers(
    walked: Walked, who: str
) -> None:
    env = _ask(walked)
    shipment = walked.shipment_id
    before = len(papers.documents(walked.shipper, ORGS["kz-ferroalloy"], shipment))
    node, answers, expect = walked.corridor.nodes["kz"], env, ""
    kind = CO
    if who == "other_node":  # Georgia answers a request sent to Kazakhstan
        node, expect = walked.corridor.nodes["ge"], "may not answer it"
    elif who == "no_request":
        answers, expect = "00000000-0000-0000-0000-000000000000", "no request this node sent"
    elif who == "wrong_kind":
        kind, expect = DocumentKind.CUSTOMS_DECISION, "asked for, and only it"
    token = (
        signed(node, kind, _co("KZ"), shipment)
        if kind is CO
        else signed(
            node,
            kind,
            {
                "document_number": "KZ-D1",
                "issue_date": LATER.date().isoformat(),
                "office": "KZ551000",
                "procedure": "export",
                "action": "documentary_passed",
                "instructions": "In order.",
            },
            shipment,
        )
    )
    if who == "other_authority":
        # Kazakhstan's node sends a certificate signed by Azerbaijan's authority.
        token = signed(walked.corridor.nodes["az"], CO, _co("AZ"), shipment)
        expect = "not by the authority of KZ"
    payload = {
        "shipment": shipment,
        "procedure": "export",
        "documents": {kind.value: token},
        "answer": {"answers": answers, "outcome": "issued", "reason": None},
    }
    send(walked, node, "shipper", ANSWER, payload, LATER)
    reason, detail = refusals(walked.shipper)[-1]
    assert reason == "not_entitled", detail
    assert expect in detail
    assert len(papers.documents(walked.shipper, ORGS["kz-ferroalloy"], shipment)) == before
    assert _state(walked).state == "delivered"


def test_a_request_is_refused_by_a_node_that_signs_for_no_such_body(walked: Walked) -> None:
    # Goods of Kazakh origin asked from Georgia's node: not its body's to certify.
    payload = {
        "shipment": walked.shipment_id,
        "procedure": "export",
        "documents": {},
        "request": {"kind": CO.value, "reference": "X-1", "fields": _co("KZ")},
    }
    send(walked, walked.shipper, "ge", REQUEST, payload, LATER)
    reason, detail = refusals(walked.corridor.nodes["ge"])[-1]
    assert (reason, "goods of KZ origin") == ("not_entitled", detail[: len("goods of KZ origin")])
    # Fields that make no certificate are refused as malformed, with where.
    payload["request"] = {"kind": CO.value, "reference": "X-1", "fields": {"goods": []}}
    send(walked, walked.shipper, "kz", REQUEST, payload, LATER)
    reason, detail = refusals(walked.corridor.nodes["kz"])[-1]
    assert reason == "malformed"
    assert "do not make a certificate_of_origin" in detail
    examiner, _ = walked.officers("kz")
    assert issuance.waiting(walked.corridor.nodes["kz"], examiner) == []
