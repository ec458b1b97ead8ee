"""Customs on the authorities' own nodes, end to end over the demo corridor: assessment on
receipt, the officers' decisions, the transit movement and its NCTS messages, and what
never leaves an authority's node."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from corridor import demo
from corridor.customs import ncts
from corridor.customs.profiles import parse_profiles
from corridor.customs.trader_interface import ConformanceDouble
from corridor.demo import customs as demo_customs
from corridor.exceptions import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from corridor.model import Officer, OfficerRole
from corridor.services import (
    assessment,
    authentication,
    credentials,
    customs,
    decisions,
    disclosure,
    endorsements,
    handover,
    ledgers,
    lodging,
    targeting,
    timeline,
)
from corridor.services.context import NODE_ADMIN
from corridor.services.decisions import Action
from corridor.store.tables import DeclarationRow
from tests.conftest import ORGS, T0
from tests.customs_corridor import LATER, Walked
from tests.factories import STORY


def test_each_leg_is_decided_and_ended_on_its_own_authoritys_node(walked: Walked) -> None:
    result = demo_customs.walk(
        walked.corridor, walked.shipment_id, T0, walked.folder, walked.shipper
    )
    where = {(b.node, b.procedure): b for b in result.borders}
    assert set(where) == {("kz", "export"), ("az", "transit"), ("ge", "transit"), ("eu", "import")}
    # Georgia's 2026 priority control selects the ferro-alloys for a physical inspection: a
    # signed inspection act by the examiner, then the release by a second officer.
    ge = where[("ge", "transit")]
    assert ge.channel == "red"
    assert ge.hits == ["GE-FERRO-2026"]
    assert ge.documents == ["inspection_act", "customs_release"]
    assert ge.actions[-1] == "released by the chief"
    for b in result.borders:
        assert b.actions[-1].startswith("released")
    # The chain: each leg ended by its own authority, and the next authority held the proof
    # of end before the goods reached it.
    assert [(leg.country, leg.regime) for leg in result.legs] == [
        ("KZ", "kz-export"),
        ("AZ", "az-transit"),
        ("GE", "ctc-t1"),
        ("RO", "import"),
    ]
    for leg in result.legs[:-1]:
        assert leg.ended is not None
        assert leg.proof_received_by_next is not None
        assert leg.hours_before_arrival is not None
        assert leg.hours_before_arrival > 0
    # The T1 was lodged by its holder with the Georgian NCTS (a convention party), as
    # trader software: the national system allocated the MRN, released and wrote it off.
    assert result.mrn is not None
    assert result.mrn[2:4] == "GE"
    assert result.states[-1] == "written_off"
    names = [p.name for p in result.exported]
    assert names[0] == "01-out-CC015C.xml"
    assert names[-1] == f"{len(names):02d}-in-CC045C.xml"
    sent = {n[7:13] for n in names if "-out-" in n}
    answered = {n[6:12] for n in names if "-in-" in n}
    assert sent == {"CC015C", "CC007C"}  # only what a trader sends
    assert {"CC928C", "CC028C", "CC060C", "CC029C", "CC025C", "CC045C"} == answered
    times = []
    for path in result.exported:
        doc = etree.fromstring(path.read_bytes())
        ncts.schema(doc.findtext("messageType") or "").assertValid(doc)
        # Real parties: the holder's and the consignee's identification numbers.
        assert "UNKNOWN" not in path.read_text()
        assert doc.findtext("messageSender") not in ("HOLDER", "TRADER")
        times.append(doc.findtext("preparationDateAndTime"))
    assert times == sorted(times)  # every message after the one it answers
    arrival = etree.fromstring(next(p for p in result.exported if "CC007C" in p.name).read_bytes())
    assert arrival.findtext("TraderAtDestination/identificationNumber") == "RO18547290"
    declared = etree.fromstring(result.exported[0].read_bytes())
    assert declared.findtext("HolderOfTheTransitProcedure/identificationNumber") == "KZ071140004811"
    # The arrival is the custody event's: when the goods were recorded at Constanța.
    recorded = [
        e.at
        for e in timeline.read(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
        if e.kind == "arrived" and e.place == "constanta"
    ]
    stamp = arrival.findtext("TransitOperation/arrivalNotificationDateAndTime")
    assert stamp == max(recorded).astimezone(UTC).replace(tzinfo=None).isoformat()
    # Nothing released at destination before the goods were recorded there.
    assert where[("eu", "import")].decided_at >= max(recorded)
    ge_node = walked.corridor.nodes["ge"]
    examiner, _ = walked.officers("ge")
    # Each Georgian officer's declaration page shows the Azerbaijani proof, verified.
    shown = customs.show(ge_node, examiner, ge.declaration_id, LATER)
    (proof,) = shown.handovers
    assert (proof.country, proof.authority, proof.regime) == ("AZ", "az-customs", "az-transit")
    assert proof.seals_intact
    assert "arrives under AZ seals" in proof.summary
    assert shown.awaiting is None
    # Each decision and each leg's end went back to the shipper's node, signed and verified.
    asyncio.run(demo_customs.deliver(walked.corridor, walked.shipper))
    notices = disclosure.customs_decisions(
        walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id
    )
    released = {(n.from_node, n.procedure) for n in notices if n.action == "release"}
    assert released == {("kz", "export"), ("az", "transit"), ("ge", "transit"), ("eu", "import")}
    ended = {n.from_node for n in notices if n.action == "leg_ended"}
    assert ended == {"kz", "az", "ge", "eu"}
    # The shipper's page shows every leg of the chain ended, in order.
    chain = handover.chain(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id)
    times = [leg.ended_at for leg in chain.legs]
    assert all(times)
    assert times == sorted(times)  # type: ignore[type-var]
    ge_notes = [n for n in notices if n.from_node == "ge" and n.action != "leg_ended"]
    assert sorted(d for n in ge_notes for d in n.documents) == ["customs_release", "inspection_act"]
    assert all(n.instructions for n in notices)
    with pytest.raises(NotFound):
        disclosure.customs_decisions(walked.shipper, ORGS["ro-consignee"], "no-such-shipment")
    # Each authority's decisions are on the shipment's ledger on its own node, verified.
    entries = ledgers.shipment(ge_node, NODE_ADMIN, walked.shipment_id).entries
    assert [e.body["action"] for e in entries if e.kind == "customs_decision"] == [
        "inspection_clear",
        "release",
    ]
    assert [e.kind for e in entries if e.kind == "leg_ended"] == ["leg_ended"]


def test_profiles_hits_and_reasons_never_leave_the_authority(walked: Walked) -> None:
    demo_customs.walk(walked.corridor, walked.shipment_id, T0, walked.folder, walked.shipper)
    asyncio.run(demo_customs.deliver(walked.corridor, walked.shipper))
    secrets: set[str] = set()
    for name in walked.corridor.nodes:
        text_ = targeting.shipped_profiles(STORY.national_nodes[name])
        if text_:
            for p in parse_profiles(text_, "x").profiles:
                secrets |= {p.id, p.reason}
    assert "GE-FERRO-2026" in secrets
    # Everything the shipper's node holds (what traders and other nodes can reach).
    db = walked.shipper.db
    dumped = []
    with db.engine.connect() as conn:
        for table in inspect(db.engine).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dumped.append(repr(tuple(row)))
    # Everything the bus carried, and the signed decisions the authorities issued.
    carried = [repr(b) for b in getattr(walked.corridor.bus, "published", [])]
    for node in walked.corridor.nodes.values():
        with node.db.engine.connect() as conn:
            for (token,) in conn.execute(text("SELECT document FROM customs_decisions")):
                if token:
                    payload = token.split(".")[1]
                    dumped.append(base64.urlsafe_b64decode(payload + "==").decode())
                    dumped.append(token)
    haystack = "\n".join(dumped + carried)
    assert walked.shipment_id in haystack  # the scan does reach the shipment's data
    assert "Released for" in haystack  # and the decisions the shipper's node received
    leaked = sorted(s for s in secrets if s in haystack)
    assert leaked == []


def test_the_queue_names_the_trader_and_the_containers_the_authority_received(
    walked: Walked,
) -> None:
    ge = walked.corridor.nodes["ge"]
    officer, item = _queued(walked, "ge", "ge-customs")
    draft = STORY.draft("x")
    assert item.containers == [c.number for c in draft.containers]
    # The transit authority is not entitled to the parties' fields: it reads the holder of
    # its procedure, who sent the data, never the consignor.
    assert item.trader == STORY.holder
    assert STORY.shipper not in (item.trader or "")
    view = customs.show(ge, officer, item.id, LATER)
    assert (view.trader, view.containers) == (item.trader, item.containers)
    # The importing authority reads the declarant as the documents name it.
    _, imported = _queued(walked, "eu", "ro-customs")
    assert imported.trader == STORY.organisation(STORY.holder).name
    assert imported.containers == item.containers


def _queued(walked: Walked, node: str, authority: str) -> tuple[Officer, customs.QueueItem]:
    """A new examiner of `authority` on `node`, and the walked shipment in its queue."""
    ctx = walked.corridor.nodes[node]
    key = credentials.add_officer(
        ctx, NODE_ADMIN, authority, f"{node}.glance", "Glance", OfficerRole.EXAMINER, T0
    ).key
    officer = authentication.authenticate_officer(ctx, key)
    queued = customs.queue(ctx, officer, LATER)
    return officer, next(i for i in queued if i.shipment_id == walked.shipment_id)


def test_only_the_authoritys_own_officers_work_on_its_node(walked: Walked) -> None:
    kz = walked.corridor.nodes["kz"]
    with pytest.raises(PermissionDenied, match="officers"):
        customs.queue(kz, ORGS["kz-customs"], LATER)  # type: ignore[arg-type]
    key = credentials.issue_key(kz, NODE_ADMIN, "kz-customs", "org key", T0).key
    with pytest.raises(PermissionDenied, match="officer's own API key"):
        authentication.authenticate_officer(kz, key)
    # An officer of another authority registered on this node still cannot work here.
    az_key = credentials.add_officer(
        kz, NODE_ADMIN, "az-customs", "az.visitor", "Visitor", OfficerRole.CHIEF, T0
    ).key
    visitor = authentication.authenticate_officer(kz, az_key)
    with pytest.raises(PermissionDenied, match="run by 'kz-customs'"):
        customs.queue(kz, visitor, LATER)
    with pytest.raises(PermissionDenied, match="not a customs authority"):
        credentials.add_officer(kz, NODE_ADMIN, "kz-rail", "rail.x", "X", OfficerRole.CHIEF, T0)
    with pytest.raises(Conflict, match="already exists"):
        credentials.add_officer(
            kz, NODE_ADMIN, "kz-customs", "az.visitor", "Y", OfficerRole.CHIEF, T0
        )


def test_overriding_a_red_lane_needs_a_reason_and_another_chief(walked: Walked) -> None:
    ge = walked.corridor.nodes["ge"]
    examiner, chief = walked.officers("ge")
    item = walked.item("ge")
    assert item.channel == "red"
    # No release at all before the previous leg's proof of end is here.
    with pytest.raises(Conflict, match="not been proved ended"):
        decisions.decide(ge, chief, item.id, Action.RELEASE, LATER, reason="AEO, sealed")
    walked.arrive_at("ge")
    with pytest.raises(InvalidInput, match="needs a reason"):
        decisions.decide(ge, examiner, item.id, Action.RELEASE, LATER)
    pending = decisions.decide(ge, examiner, item.id, Action.RELEASE, LATER, reason="AEO, sealed")
    assert pending.status == "awaiting_endorsement"
    assert pending.document is None
    with pytest.raises(Conflict, match="awaiting a chief"):
        decisions.decide(ge, examiner, item.id, Action.HOLD, LATER, reason="x")
    with pytest.raises(PermissionDenied, match="only a chief"):
        endorsements.endorse(ge, examiner, pending.id, LATER, "fine")
    second = credentials.add_officer(
        ge, NODE_ADMIN, "ge-customs", "ge.chief2", "Second chief", OfficerRole.CHIEF, T0
    ).key
    other = authentication.authenticate_officer(ge, second)
    # A chief who takes the override himself cannot endorse it.
    mine = endorsements.endorse(ge, other, pending.id, LATER, "needs the check", approve=False)
    assert mine.status == "refused"
    assert mine.declaration_status == "open"
    own = decisions.decide(ge, chief, item.id, Action.RELEASE, LATER, reason="chief's call")
    with pytest.raises(PermissionDenied, match="second person"):
        endorsements.endorse(ge, chief, own.id, LATER, "mine")
    with pytest.raises(InvalidInput, match="chief's reason"):
        endorsements.endorse(ge, other, own.id, LATER, "  ")
    done = endorsements.endorse(ge, other, own.id, LATER, "seals intact on arrival")
    assert done.status == "taken"
    assert done.endorsed_by == other.id
    assert done.endorsement_reason == "seals intact on arrival"
    assert done.document
    assert done.declaration_status == "released"
    with pytest.raises(Conflict, match="already released"):
        decisions.decide(ge, examiner, item.id, Action.HOLD, LATER, reason="late")
    with pytest.raises(NotFound):
        decisions.decide(ge, examiner, "no-such-declaration", Action.HOLD, LATER, reason="x")


def test_an_ncts_declaration_is_lodged_only_where_the_chain_has_an_ncts_leg(
    walked: Walked,
) -> None:
    holder = ORGS["kz-forwarder"]
    double = ConformanceDouble("GE")
    walked.shipper.ncts["GE"] = double
    # The consignor has no identification number to be named as holder with.
    with pytest.raises(Conflict, match="no identification number"):
        lodging.lodge(walked.shipper, ORGS["kz-ferroalloy"], walked.shipment_id, LATER)
    # Option B (one T1 from the Georgian border) still starts in Georgia; a chain without
    # an NCTS leg in Georgia would be refused.
    view = lodging.lodge(walked.shipper, holder, walked.shipment_id, LATER)
    assert (view.country, view.state) == ("GE", "submitted")
    with pytest.raises(Conflict, match="already lodged"):
        lodging.lodge(walked.shipper, holder, walked.shipment_id, LATER)
    # Nothing arrives before it was released.
    with pytest.raises(Conflict, match="only for a movement released"):
        lodging.arrival(walked.shipper, ORGS["ro-consignee"], walked.shipment_id, LATER)


def test_a_bad_guarantee_is_answered_and_no_release_follows(walked: Walked) -> None:
    holder = ORGS["kz-forwarder"]
    fields = demo_customs.declaration_fields(walked.shipper, holder, walked.shipment_id)
    grn = fields["transit_declaration"]["guarantee_reference"]
    # Registered with the national office of guarantee, but too small: 17,000 USD to cover.
    double = ConformanceDouble("GE", guarantees={grn: (Decimal("1000"), "USD")})
    walked.shipper.ncts["GE"] = double
    lodging.lodge(walked.shipper, holder, walked.shipment_id, LATER)
    assert lodging.take_answers(walked.shipper, LATER) == 3
    (view,) = lodging.status(walked.shipper, holder, walked.shipment_id)
    assert view.status == "Guarantee rejected"
    assert [m["message"] for m in view.messages] == ["IE015", "IE928", "IE028", "IE055"]
    assert view.mrn is not None
    with pytest.raises(Conflict, match="guarantee was not valid"):
        double.release(view.mrn, LATER)
    double.refuse(view.mrn, LATER, "no cover")
    assert lodging.take_answers(walked.shipper, LATER) == 1
    (view,) = lodging.status(walked.shipper, holder, walked.shipment_id)
    assert view.state == "not_released"
    assert lodging.take_answers(walked.shipper, LATER) == 0


def test_amended_data_is_assessed_again_with_the_same_draw(walked: Walked) -> None:
    az = walked.corridor.nodes["az"]
    examiner, _ = walked.officers("az")
    first = customs.show(az, examiner, walked.item("az").id, LATER)
    # The shipper discloses again (amended pre-arrival data): a second envelope arrives.
    asyncio.run(demo.exchange(walked.shipper, walked.shipment_id, T0, walked.corridor))
    again = customs.show(az, examiner, first.id, LATER)
    assert again.assessment["draw"] == first.assessment["draw"]
    assert again.channel == first.channel
    with az.db.transaction() as s:
        row = customs.load(s, first.id)
        assert row.envelopes == 2


def test_two_assessments_at_once_store_a_declaration_once(
    walked: Walked, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exchange's turn and an officer's page may assess the same new data at once: the
    run that finds the declaration stored by the other reads it and goes on."""
    az = walked.corridor.nodes["az"]
    examiner, _ = walked.officers("az")
    first = customs.show(az, examiner, walked.item("az").id, LATER)
    with az.db.transaction() as s:
        s.delete(customs.load(s, first.id))
    real, raced = targeting.in_force, []

    def racing(s: Session) -> object:
        if not raced:  # another run assesses the same data and stores it first
            raced.append(0)
            raced[0] = assessment.assess_received(az, LATER)
        return real(s)

    monkeypatch.setattr(assessment.targeting, "in_force", racing)
    assessment.assess_received(az, LATER)
    assert raced == [1]
    with az.db.transaction() as s:
        stored = s.scalars(
            select(DeclarationRow).where(DeclarationRow.shipment_id == walked.shipment_id)
        ).all()
    assert len(stored) == 1
    assert stored[0].assessment["draw"] == first.assessment["draw"]


def test_targeting_changes_are_a_chiefs_signed_and_ledgered(walked: Walked) -> None:
    az = walked.corridor.nodes["az"]
    examiner, chief = walked.officers("az")
    text_ = targeting.shipped_profiles("az-customs") or ""
    with pytest.raises(PermissionDenied, match="only a chief"):
        customs.install_profiles(az, examiner, text_.replace("version: 1", "version: 2"), LATER)
    with pytest.raises(PermissionDenied, match="not newer"):
        customs.install_profiles(az, chief, text_, LATER)
    with pytest.raises(PermissionDenied, match="'kz-customs''s"):
        customs.install_profiles(
            az,
            chief,
            (targeting.shipped_profiles("kz-customs") or "").replace("version: 1", "version: 9"),
            LATER,
        )
    done = customs.install_profiles(az, chief, text_.replace("version: 1", "version: 2"), LATER)
    assert done.version == 2
    assert done.reachable
    chain = ledgers.shipment(az, NODE_ADMIN, targeting.profiles_ledger_id("az-customs")).entries
    assert [e.body["version"] for e in chain] == [1, 2]
    assert chain[-1].body["officer"] == chief.id
    assert chain[-1].body["sha256"] == done.sha256
    assert targeting.current_profiles(az, examiner).version == 2
