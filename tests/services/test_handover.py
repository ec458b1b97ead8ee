"""The border hand-over tried as a hostile node and a careless officer would: each statement
is accepted only from the one party that may make it, refused with its reason otherwise, and
nothing refused is merged into a declaration, shown to a trader or lets goods go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from corridor.customs import chain
from corridor.exceptions import Conflict, InvalidInput
from corridor.exchange.admission import HANDOVER
from corridor.exchange.delivery import DECISION, KIND
from corridor.model import DocumentKind
from corridor.network import corridor as corridor_network
from corridor.services import (
    Context,
    customs,
    decisions,
    disclosure,
    endorsements,
    handover,
)
from corridor.services.decisions import Action
from corridor.store.tables import DecisionRow
from tests.conftest import ORGS, T0
from tests.customs_corridor import LATER, Walked
from tests.customs_corridor import refusals as _refusals
from tests.customs_corridor import send as _send
from tests.customs_corridor import signed as _signed


def _decision_doc(office: str, action: str = "hold") -> dict[str, Any]:
    return {
        "document_number": f"{office}-X1",
        "issue_date": LATER.date().isoformat(),
        "office": office,
        "procedure": "transit",
        "action": action,
        "instructions": "Held: smuggling suspected.",
    }


def _notice(action: str = "hold") -> dict[str, str]:
    return {"action": action, "status": "held", "instructions": "Held: smuggling suspected."}


def test_a_foreign_nodes_data_is_never_merged_into_another_authoritys_declaration(
    walked: Walked,
) -> None:
    kz = walked.corridor.nodes["kz"]
    examiner, _ = walked.officers("kz")
    before = customs.show(kz, examiner, walked.item("kz").id, LATER)
    # The Turkish node, off the route, signs what it may (its authority's certificate of
    # origin, naming the shipment) and sends it to Kazakhstan as pre-arrival data.
    tr = walked.corridor.nodes["tr"]
    forged = _signed(
        tr,
        DocumentKind.CERTIFICATE_OF_ORIGIN,
        {
            "document_number": "TR-1",
            "issue_date": LATER.date().isoformat(),
            "exporter": {"name": "X", "country": "TR"},
            "consignee": {"name": "Y", "country": "RO"},
            "country_of_origin": "TR",
            "goods": [{"sequence": 1, "hs_code": "720241", "description": "ferro-chromium"}],
        },
        walked.shipment_id,
    )
    payload = {
        "shipment": walked.shipment_id,
        "procedure": "export",
        "crossing": "dostyk",
        "eta": (LATER + timedelta(days=200)).isoformat(),
        "documents": {"certificate_of_origin": forged},
    }
    _send(walked, tr, "kz", KIND, payload, LATER)
    reason, detail = _refusals(kz)[-1]
    assert reason == "not_entitled"
    assert "comes only from node 'shipper'" in detail
    after = customs.show(kz, examiner, walked.item("kz").id, LATER)
    assert after.content == before.content
    assert after.eta == before.eta
    assert after.hits == before.hits


@pytest.mark.parametrize("who", ["tr", "unsigned", "wrong_country", "mismatch"])
def test_a_decision_counts_only_from_the_authority_that_holds_the_leg(
    walked: Walked, who: str
) -> None:
    ge = walked.corridor.nodes["ge"]
    sender = walked.corridor.nodes["tr" if who == "tr" else "ge"]
    if who == "tr":  # an off-route node, with its own authority's signature
        documents = {
            "customs_decision": _signed(
                sender, DocumentKind.CUSTOMS_DECISION, _decision_doc("TR1"), walked.shipment_id
            )
        }
        expect = "holds no leg"
    elif who == "unsigned":  # the route's own authority, but nothing signed
        documents = {}
        expect = "must be a document"
    elif who == "wrong_country":  # Georgia's node forwarding Azerbaijan's signed paper
        az = walked.corridor.nodes["az"]
        documents = {
            "customs_decision": _signed(
                az, DocumentKind.CUSTOMS_DECISION, _decision_doc("AZ1"), walked.shipment_id
            )
        }
        expect = "not by the authority 'ge-customs'"
    else:  # a signed hold, announced as a release
        documents = {
            "customs_decision": _signed(
                ge, DocumentKind.CUSTOMS_DECISION, _decision_doc("GE1"), walked.shipment_id
            )
        }
        expect = "no signed document proves"
    notice = _notice("release" if who == "mismatch" else "not_released")
    payload = {
        "shipment": walked.shipment_id,
        "procedure": "transit",
        "documents": documents,
        "notice": notice,
    }
    _send(walked, sender, "shipper", DECISION, payload, LATER)
    reason, detail = _refusals(walked.shipper)[-1]
    assert reason == "not_entitled"
    assert expect in detail
    shown = disclosure.customs_decisions(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    assert shown == []


def _proof(node: Context, shipment: str, leg: int, next_country: str) -> str:
    return _signed(
        node,
        DocumentKind.LEG_END,
        {
            "document_number": "END-1",
            "issue_date": LATER.date().isoformat(),
            "office": "X",
            "regime": "kz-export",
            "leg": leg,
            "next_country": next_country,
            "declaration_reference": "D-1",
            "ended_at": LATER.isoformat(),
            "seals_intact": True,
            "equipment": [{"number": "CSQU3054383", "seal": "KZ0012345"}],
        },
        shipment,
    )


@pytest.mark.parametrize("case", ["other_shipment", "wrong_leg", "not_next", "from_elsewhere"])
def test_a_proof_of_end_is_taken_only_for_the_leg_before_the_receivers(
    walked: Walked, case: str
) -> None:
    ge = walked.corridor.nodes["ge"]
    kz, az = walked.corridor.nodes["kz"], walked.corridor.nodes["az"]
    sender, to, shipment, leg, next_country = az, "ge", walked.shipment_id, 1, "GE"
    expect = ("not_entitled", "")
    if case == "other_shipment":
        shipment = "another-shipment"
        expect = ("not_entitled", "holds no pre-arrival data")
    elif case == "wrong_leg":  # Kazakhstan's proof of its own leg, sent past Azerbaijan
        sender, leg = kz, 0
        expect = ("not_entitled", "the leg before GE's own is leg 1 (AZ)")
    elif case == "not_next":  # a proof handing the goods to Romania, sent to Georgia
        next_country = "RO"
        expect = ("not_entitled", "hands the goods to 'RO'")
    else:  # a proof for this shipment, but for a different shipment's payload
        expect = ("forged", "belongs to another shipment")
    token = _proof(
        sender, walked.shipment_id if case == "from_elsewhere" else shipment, leg, next_country
    )
    payload = {
        "shipment": "yet-another" if case == "from_elsewhere" else shipment,
        "procedure": "transit",
        "documents": {"leg_end": token},
    }
    _send(walked, sender, to, HANDOVER, payload, LATER)
    reason, detail = _refusals(ge)[-1]
    assert reason == expect[0]
    assert expect[1] in detail
    # Georgia still waits for Azerbaijan's proof: nothing was taken for it.
    examiner, chief = walked.officers("ge")
    shown = customs.show(ge, examiner, walked.item("ge").id, LATER)
    assert shown.handovers == []
    assert shown.awaiting is not None
    with pytest.raises(Conflict, match="not been proved ended"):
        decisions.decide(ge, chief, shown.id, Action.RELEASE, LATER, reason="x")


def test_a_single_examiner_cannot_let_a_red_lane_go_through_any_door(walked: Walked) -> None:
    walked.arrive_at("ge")
    ge = walked.corridor.nodes["ge"]
    examiner, chief = walked.officers("ge")
    item = walked.item("ge")
    assert item.channel == "red"
    # The examiner inspects, then tries to release the same declaration himself.
    decisions.decide(ge, examiner, item.id, Action.INSPECTION, LATER)
    with pytest.raises(InvalidInput, match="another officer"):
        decisions.decide(ge, examiner, item.id, Action.RELEASE, LATER)
    pending = decisions.decide(ge, examiner, item.id, Action.RELEASE, LATER, reason="I checked")
    assert pending.status == "awaiting_endorsement"
    # The chief refuses the override: the declaration is open again, nothing released.
    refused = endorsements.endorse(ge, chief, pending.id, LATER, "no check was done", approve=False)
    assert refused.declaration_status == "open"
    # A second officer's release goes through.
    done = decisions.decide(ge, chief, item.id, Action.RELEASE, LATER)
    assert done.declaration_status == "released"


def test_findings_once_recorded_stand_until_a_chief_endorses(walked: Walked) -> None:
    walked.arrive_at("ge")
    ge = walked.corridor.nodes["ge"]
    examiner, chief = walked.officers("ge")
    item = walked.item("ge")
    decisions.decide(ge, examiner, item.id, Action.INSPECTION, LATER, findings="seal KZ0012345 cut")
    # A clean inspection by another officer is added; it does not overwrite the findings.
    decisions.decide(ge, chief, item.id, Action.INSPECTION, LATER)
    with ge.db.transaction() as s:
        kept = s.scalars(
            select(DecisionRow.findings).where(DecisionRow.declaration_id == item.id)
        ).all()
    assert "seal KZ0012345 cut" in kept
    with pytest.raises(InvalidInput, match="findings on record"):
        decisions.decide(ge, chief, item.id, Action.RELEASE, LATER)
    pending = decisions.decide(ge, examiner, item.id, Action.RELEASE, LATER, reason="resealed")
    assert pending.status == "awaiting_endorsement"


def test_the_shipper_sees_each_leg_declaration_authority_deadline_and_guarantee(
    walked: Walked,
) -> None:
    view = handover.chain(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    rows = [(leg.leg.country, leg.leg.regime, leg.authority) for leg in view.legs]
    assert rows == [
        ("KZ", "kz-export", "kz-customs"),
        ("AZ", "az-transit", "az-customs"),
        ("GE", "ge-ncts", "ge-customs"),
        ("GE", "ctc-t1", "ge-customs"),
        ("RO", "import", "ro-customs"),
    ]
    t1 = view.legs[3]
    assert t1.leg.ncts
    assert t1.leg.ends_in == "RO"
    assert t1.leg.guarantee.status == "required"
    # Kazakhstan's leg has no NCTS and its facts still unconfirmed are flagged as such.
    assert not view.legs[0].leg.ncts
    assert view.legs[1].unconfirmed
    assert any("UNCONFIRMED" in n for n in view.notes)
    # Each leg's declaration is due before the goods reach it.
    for leg in view.legs:
        if leg.lodge_by is not None:
            assert leg.lodge_by <= leg.leg.opens
    b = handover.chain(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, "B")
    assert [leg.leg.regime for leg in b.legs] == ["kz-export", "az-transit", "ctc-t1", "import"]
    with pytest.raises(InvalidInput):
        handover.chain(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, "C")  # type: ignore[arg-type]


def test_no_ncts_office_is_placed_outside_the_convention() -> None:
    regimes = chain.shipped()
    assert not regimes.is_ctc("KZ")
    assert not regimes.is_ctc("AZ")
    assert regimes.is_ctc("GE")
    assert regimes.is_ctc("TR")
    net = corridor_network()
    for route in (
        net.route("dostyk", "constanta", via=["aktau"]),
        net.route("khorgos", "kars"),
    ):
        for option in ("A", "B"):
            for leg in chain.work_out(route, net, T0, option):  # type: ignore[arg-type]
                if leg.ncts:
                    assert regimes.is_ctc(leg.country)
                    assert regimes.is_ctc(leg.ends_in)


def test_a_truck_runs_one_tir_operation_per_country(walked: Walked) -> None:
    view = handover.plan(
        walked.shipper, "khorgos-road", "sarp", T0, via=("nur-zholy", "kuryk", "red-bridge")
    )
    assert [(leg.leg.country, leg.leg.regime) for leg in view.legs] == [
        ("CN", "cn-export"),
        ("KZ", "tir-operation"),
        ("AZ", "tir-operation"),
        ("GE", "tir-operation"),
        ("TR", "import"),
    ]
    for leg in view.legs[1:4]:
        assert leg.leg.guarantee.status == "required"
        assert "termination" in leg.leg.proof_of_end
        assert not leg.leg.ncts  # Georgia's NCTS obligation excludes TIR carriage
    assert any("carnet" in n and "UNCONFIRMED" in n for n in view.notes)
    # The same corridor by rail: no TIR at all.
    rail = handover.plan(walked.shipper, "khorgos", "kars", T0)
    assert "tir-operation" not in {leg.leg.regime for leg in rail.legs}
