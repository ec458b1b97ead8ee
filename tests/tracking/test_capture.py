"""Custody events end to end: the demo journey as EPCIS 2.0 events, capture (idempotent, all
or nothing, corrections as error declarations), the events query and who sees what."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import update

from corridor.exceptions import InvalidInput, LedgerBroken, NotFound, PermissionDenied
from corridor.model import Organisation, Role
from corridor.services import (
    NODE_ADMIN,
    Context,
    event_query,
    ledgers,
    organisations,
    shipments,
    tracking,
)
from corridor.services.capture import PART
from corridor.services.event_query import EventQuery
from corridor.store.tables import EpcisEventRow
from corridor.tracking import epcis
from corridor.tracking.epcis import Step
from tests.conftest import ORGS, T0, state, walked_node
from tests.factories import STORY

SCHEMA = Path(__file__).parents[2] / "src/corridor/tracking/schema/EPCIS-JSON-Schema.json"
SHIPPER, RAIL, FERRY = ORGS["kz-ferroalloy"], ORGS["kz-rail"], ORGS["caspian-ferry"]


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, str]]:
    """A node that walked the demo shipment from Dostyk to Constanța."""
    with walked_node(tmp_path_factory.mktemp("walked")) as walked:
        yield walked


def everything(ctx: Context, who: Any, **query: Any) -> list[dict[str, Any]]:
    """Every page of a query, followed token by token."""
    found: list[dict[str, Any]] = []
    token = None
    while True:
        page = event_query.events(ctx, who, EventQuery(perPage=7, nextPageToken=token, **query))
        found += page.events
        token = page.next_page_token
        if token is None:
            return found


def validator() -> jsonschema.Draft7Validator:
    """The GS1 schema, checked by the reference JSON Schema implementation."""
    return jsonschema.Draft7Validator(
        json.loads(SCHEMA.read_text()),
        format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
    )


def test_the_demo_journey_is_every_hand_over_as_valid_epcis(walked: tuple[Context, str]) -> None:
    ctx, shipment = walked
    events = everything(ctx, SHIPPER, shipment=shipment)
    check = validator()
    for event in events:
        check.validate(epcis.single(event))
        assert event["eventID"] == epcis.event_id(event)
    check.validate(
        event_query.query_document(event_query.EventPage(events=events, next_page_token=None), T0)
    )
    steps = [(e["bizStep"], e["bizLocation"]["id"].removeprefix(epcis.NODE)) for e in events]
    assert steps[0] == ("packing", "dostyk")
    assert steps[-1] == ("unpacking", "constanta")
    assert {
        "loading",
        "unloading",
        "departing",
        "arriving",
        "entering_exiting",
        "inspecting",
        "sensor_reporting",
    } <= {s for s, _ in steps}
    # Ferry: unloaded from a wagon at Aktau, loaded onto an IMO-numbered vessel there.
    aktau = [e for e in events if e["bizLocation"]["id"] == epcis.node_uri("aktau")]
    assert any(e.get("parentID", "").startswith(epcis.IMO) and e["action"] == "ADD" for e in aktau)
    assert any(
        e.get("parentID", "").startswith(epcis.GIAI) and e["action"] == "DELETE" for e in aktau
    )
    times = [e["eventTime"] for e in events]
    assert times == sorted(times)


def test_the_ledger_holds_every_event_and_still_verifies(walked: tuple[Context, str]) -> None:
    ctx, shipment = walked
    events = everything(ctx, SHIPPER, shipment=shipment)
    view = ledgers.shipment(ctx, SHIPPER, shipment)
    logged = [d for e in view.entries if e.kind == "epcis_events" for d in e.body["events"]]
    assert sorted(logged) == sorted(e["eventID"].split(";")[1][:64] for e in events)
    assert view.verified == len(view.entries)


def test_query_by_container_window_and_step(walked: tuple[Context, str]) -> None:
    ctx, shipment = walked
    events = everything(ctx, SHIPPER, shipment=shipment)
    container = epcis.container_epc("MSCU1234566")
    mine = everything(ctx, SHIPPER, MATCH_epc=[container])
    assert mine
    assert all(
        container in e.get("epcList", []) + e.get("childEPCs", []) + [e.get("parentID")]
        for e in mine
    )
    middle = events[len(events) // 2]["eventTime"]
    later = everything(ctx, SHIPPER, GE_eventTime=middle)
    assert later == [e for e in events if e["eventTime"] >= middle]
    departures = everything(ctx, SHIPPER, EQ_bizStep=["https://ref.gs1.org/cbv/BizStep-departing"])
    assert departures == [e for e in events if e["bizStep"] == "departing"]
    at_poti = everything(ctx, SHIPPER, EQ_bizLocation=[epcis.node_uri("poti")])
    assert {e["bizLocation"]["id"] for e in at_poti} == {epcis.node_uri("poti")}


def test_who_sees_what(walked: tuple[Context, str]) -> None:
    ctx, _ = walked
    assert everything(ctx, ORGS["node-operator"]) == []
    georgian = everything(ctx, ORGS["ge-customs"])
    countries = {
        ctx.network.nodes[e["bizLocation"]["id"].removeprefix(epcis.NODE)].country for e in georgian
    }
    assert countries == {"GE"}
    assert len(everything(ctx, ORGS["ro-consignee"])) > len(georgian)


def test_capture_is_idempotent_and_ordered_by_event_time(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-1"), T0)
    container = [epcis.container_epc("MSCU1234566")]
    late = epcis.build(Step.ARRIVING, T0 + timedelta(days=2), made.id, "aktau", container)
    early = epcis.build(Step.DEPARTING, T0 + timedelta(days=1), made.id, "dostyk", container)
    at = T0 + timedelta(days=2)  # recorded once both have happened
    first = tracking.capture(node, RAIL, epcis.document([late, early], at), at)
    again = tracking.capture(node, RAIL, epcis.document([early, late], at), at)
    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates) == (0, 2)
    got = event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events
    assert [e["bizStep"] for e in got] == ["departing", "arriving"]
    chain = ledgers.shipment(node, SHIPPER, made.id).entries
    [entry] = [e for e in chain if e.kind == "epcis_events"]
    assert entry.body["events"] == [epcis.digest_of(early), epcis.digest_of(late)]
    assert shipments.get(node, SHIPPER, made.id).status == "in_transit"


def test_an_event_changed_in_the_store_breaks_the_ledger(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-0"), T0)
    container = [epcis.container_epc("MSCU1234566")]
    event = epcis.build(Step.ARRIVING, T0, made.id, "aktau", container)
    tracking.capture(node, RAIL, epcis.document([event], T0), T0)
    assert ledgers.shipment(node, SHIPPER, made.id).verified > 0
    moved = {**event, "bizLocation": {"id": epcis.node_uri("kuryk")}}
    with node.db.transaction() as s:
        s.execute(
            update(EpcisEventRow)
            .where(EpcisEventRow.id == epcis.digest_of(event))
            .values(event=moved)
        )
    with pytest.raises(LedgerBroken, match="missing or changed") as broken:
        ledgers.shipment(node, SHIPPER, made.id)
    assert broken.value.reason == "event_changed"


def test_a_correction_declares_the_error_and_edits_nothing(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-2"), T0)
    wrong = epcis.build(Step.ARRIVING, T0, made.id, "kuryk", [epcis.container_epc("MSCU1234566")])
    tracking.capture(node, FERRY, epcis.document([wrong], T0), T0)
    declared = copy.deepcopy(wrong) | {
        "errorDeclaration": {"declarationTime": "2026-03-03T08:00:00Z", "reason": "incorrect_data"}
    }
    job = tracking.capture(node, FERRY, epcis.document([declared], T0), T0)
    assert job.declarations == 1
    [stored] = event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events
    assert stored["errorDeclaration"]["reason"] == "incorrect_data"
    assert stored["bizLocation"] == wrong["bizLocation"]
    # The binding's filters read the stored event on either backend (JSON paths).
    right = epcis.build(Step.DEPARTING, T0, made.id, "aktau", [epcis.container_epc("MSCU1234566")])
    tracking.capture(node, FERRY, epcis.document([right], T0), T0)

    def found(**query: Any) -> list[str]:
        page = event_query.events(node, SHIPPER, EventQuery(shipment=made.id, **query))
        return [e["eventID"] for e in page.events]

    assert found(EXISTS_errorDeclaration=True) == [wrong["eventID"]]
    assert found(EQ_readPoint=["kuryk"]) == [wrong["eventID"]]
    assert found(EQ_bizLocation=["urn:corridor:node:aktau"]) == [right["eventID"]]
    # (Both at T0: in event-time order, then by id, which the random shipment id decides.)
    both = found(eventType=["ObjectEvent"], EQ_action=["OBSERVE"])
    assert sorted(both) == sorted([wrong["eventID"], right["eventID"]])
    assert found(EQ_eventID=[right["eventID"]]) == [right["eventID"]]
    never = epcis.build(Step.ARRIVING, T0, made.id, "aktau", [epcis.container_epc("MSCU1234566")])
    with pytest.raises(InvalidInput, match="not stored here"):
        tracking.capture(
            node,
            FERRY,
            epcis.document([never | {"errorDeclaration": declared["errorDeclaration"]}], T0),
            T0,
        )


def test_one_bad_event_stores_nothing(node: Context, tmp_path: Path) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-3"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    good = epcis.build(Step.DEPARTING, T0, made.id, "dostyk", box)
    forged = epcis.build(Step.ARRIVING, T0, made.id, "aktau", box) | {"eventID": good["eventID"]}
    nowhere = {**good, "readPoint": {"id": "urn:corridor:node:atlantis"}}
    nowhere.pop("eventID")
    nowhere.pop("bizLocation")
    before = state(node.db, tmp_path)
    with pytest.raises(InvalidInput, match=r"is not this event's CBV 2\.0 hash id"):
        tracking.capture(node, RAIL, epcis.document([good, forged], T0), T0)
    with pytest.raises(InvalidInput, match="not a corridor node"):
        tracking.capture(node, RAIL, epcis.document([good, nowhere], T0), T0)
    hot = epcis.build(
        Step.ARRIVING, T0, made.id, "aktau", box, sensors={"Temperature": (1.0, "CEL")}
    )
    hot["sensorElementList"][0]["sensorReport"][0]["value"] = float("inf")
    with pytest.raises(InvalidInput, match="a sensor reading is a finite number, not inf"):
        tracking.capture(node, RAIL, epcis.document([good, hot], T0), T0)
    with pytest.raises(InvalidInput, match=r"not an EPCIS 2\.0 document"):
        tracking.capture(
            node,
            RAIL,
            {**epcis.document([good], T0), "epcisBody": {"eventList": [{"type": "ObjectEvent"}]}},
            T0,
        )
    assert state(node.db, tmp_path) == before


def test_only_parties_record_and_only_the_territorys_customs_hold(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-4"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    with pytest.raises(NotFound):
        tracking.record(node, ORGS["node-operator"], made.id, Step.DEPARTING, T0, "dostyk", now=T0)
    with pytest.raises(PermissionDenied, match="customs authority of GE"):
        tracking.record(node, RAIL, made.id, Step.CUSTOMS_HOLD, T0, "gardabani", now=T0)
    with pytest.raises(PermissionDenied, match="customs authority of GE"):
        tracking.record(
            node, ORGS["kz-customs"], made.id, Step.CUSTOMS_HOLD, T0, "gardabani", now=T0
        )
    # An auditor reads what it is shown and records nothing: it is party to no shipment.
    auditor = Organisation(id="ro-audit", name="Audit SRL", country="RO", role=Role.AUDITOR)
    organisations.register(node, NODE_ADMIN, auditor, T0)
    departure = epcis.build(Step.DEPARTING, T0, made.id, "dostyk", box)
    with pytest.raises(NotFound):
        tracking.capture(node, auditor, epcis.document([departure], T0), T0)
    hold = epcis.build(Step.CUSTOMS_HOLD, T0, made.id, "gardabani", box)
    job = tracking.capture(node, ORGS["ge-customs"], epcis.document([hold], T0), T0)
    assert job.stored == 1
    seen = event_query.events(node, ORGS["ge-customs"], EventQuery()).events
    assert [e["bizStep"] for e in seen] == [epcis.BIZSTEP + "customs_hold"]
    assert event_query.events(node, ORGS["az-customs"], EventQuery()).events == []


def test_a_document_of_many_parts_is_stored_whole_or_not_at_all(
    node: Context, tmp_path: Path
) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-5"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    n = 2 * PART + 10

    def moves(start: int) -> list[dict[str, Any]]:
        return [
            epcis.build(Step.ARRIVING, T0 - timedelta(minutes=start + i), made.id, "aktau", box)
            for i in range(n)
        ]

    events = moves(0)
    events.insert(PART + 3, events[0])  # the same event again, in another part
    job = tracking.capture(node, RAIL, epcis.document(events, T0), T0)
    assert (job.stored, job.duplicates) == (n, 1)
    assert len(job.eventIDs) == n + 1
    chain = ledgers.shipment(node, SHIPPER, made.id).entries
    [entry] = [e for e in chain if e.kind == "epcis_events"]
    assert entry.body["events"] == [epcis.digest_of(e) for e in reversed(moves(0))]

    before = state(node.db, tmp_path)
    forged, later = moves(n), moves(n)
    forged[PART + 1] = forged[PART + 1] | {"eventID": forged[0]["eventID"]}
    with pytest.raises(InvalidInput) as refused:
        tracking.capture(node, RAIL, epcis.document(forged, T0), T0)
    assert [e.field for e in refused.value.errors] == [f"epcisBody.eventList[{PART + 1}]"]
    later[2 * PART + 2] = {"type": "ObjectEvent"}
    with pytest.raises(InvalidInput, match=r"not an EPCIS 2\.0 document") as refused:
        tracking.capture(node, RAIL, epcis.document(later, T0), T0)
    assert f"eventList[{2 * PART + 2}]" in refused.value.errors[0].field
    hold = epcis.build(Step.CUSTOMS_HOLD, T0, made.id, "gardabani", box)
    with pytest.raises(NotFound):
        tracking.capture(node, ORGS["ge-customs"], epcis.document([hold, *moves(n)], T0), T0)
    assert state(node.db, tmp_path) == before


def test_only_the_recorder_may_declare_its_event_wrong(node: Context) -> None:
    """Another party to the shipment cannot mark the ferry's arrival as wrong."""
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-DECL"), T0)
    arrival = epcis.build(Step.ARRIVING, T0, made.id, "aktau", [epcis.container_epc("MSCU1234566")])
    tracking.capture(node, FERRY, epcis.document([arrival], T0), T0)
    declared = copy.deepcopy(arrival) | {
        "errorDeclaration": {"declarationTime": "2026-03-03T08:00:00Z", "reason": "incorrect_data"}
    }
    for other in (SHIPPER, RAIL):
        with pytest.raises(PermissionDenied, match="only the organisation that recorded"):
            tracking.capture(node, other, epcis.document([declared], T0), T0)
    [stored] = event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events
    assert "errorDeclaration" not in stored
    assert tracking.capture(node, FERRY, epcis.document([declared], T0), T0).declarations == 1


@pytest.mark.parametrize(
    ("when", "why"),
    [
        (T0.replace(year=2099), "after the time it is recorded"),
        (T0 + timedelta(hours=1), "after the time it is recorded"),
        (T0.replace(year=2001), "before the shipment was entered"),
    ],
)
def test_a_custody_event_out_of_time_is_refused_and_nothing_moves(
    node: Context, when: Any, why: str
) -> None:
    """An arrival dated 2099 (or an hour ahead, or in 2001) is refused whole: the shipment's
    status does not move and nothing is stored."""
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-TIME"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    ok = epcis.build(Step.DEPARTING, T0, made.id, "dostyk", box)
    late = epcis.build(Step.ARRIVING, when, made.id, "constanta", box)
    with pytest.raises(InvalidInput, match=why) as refused:
        tracking.capture(node, RAIL, epcis.document([ok, late], T0), T0)
    assert refused.value.errors
    assert event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events == []
    assert shipments.get(node, SHIPPER, made.id).status == made.status
    # A clock a few minutes ahead is not an error.
    soon = epcis.build(Step.ARRIVING, T0 + timedelta(minutes=10), made.id, "almaty", box)
    assert tracking.capture(node, RAIL, epcis.document([ok, soon], T0), T0).stored == 2


def test_a_vessel_is_loaded_only_at_a_seaport(node: Context) -> None:
    """A hand-over onto a vessel at a rail junction is refused with what to name instead;
    at a port it is taken."""
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-VESSEL"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    vessel = epcis.vessel_epc("9246645")
    inland = epcis.build(Step.LOADING, T0, made.id, "almaty", box, vehicle=vessel)
    with pytest.raises(InvalidInput, match="loaded or unloaded at a seaport") as refused:
        tracking.capture(node, FERRY, epcis.document([inland], T0), T0)
    assert "Almaty" in refused.value.detail
    assert event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events == []
    at_port = epcis.build(Step.LOADING, T0, made.id, "aktau", box, vehicle=vessel)
    assert tracking.capture(node, FERRY, epcis.document([at_port], T0), T0).stored == 1


def test_hand_overs_follow_the_route(node: Context) -> None:
    """The goods move along the route: an arrival at Almaty dated after the arrival at Poti
    (further along) is refused, as is one at Poti dated before the departure from Dostyk;
    the same arrival dated between them is taken. A declared-wrong event no longer counts."""
    made = shipments.submit(node, SHIPPER, STORY.draft("TRACK-ORDER"), T0)
    box = [epcis.container_epc("MSCU1234566")]
    start = T0 - timedelta(days=6)
    left = epcis.build(Step.DEPARTING, start, made.id, "dostyk", box)
    poti = epcis.build(Step.ARRIVING, start + timedelta(days=4), made.id, "poti", box)
    assert tracking.capture(node, RAIL, epcis.document([left, poti], T0), T0).stored == 2
    late = epcis.build(Step.ARRIVING, start + timedelta(days=5), made.id, "almaty", box)
    with pytest.raises(InvalidInput, match="out of order along the route") as refused:
        tracking.capture(node, RAIL, epcis.document([late], T0), T0)
    assert "Almaty" in refused.value.detail
    assert "Poti port" in refused.value.detail
    assert refused.value.said is not None
    assert refused.value.said[0] == "events_out_of_order"
    early = epcis.build(Step.ARRIVING, start - timedelta(hours=1), made.id, "tbilisi", box)
    with pytest.raises(InvalidInput, match="out of order"):
        tracking.capture(node, RAIL, epcis.document([early], T0), T0)
    # Two events of one document out of order with each other are refused together.
    a = epcis.build(Step.DEPARTING, start + timedelta(days=2), made.id, "baku-alat", box)
    b = epcis.build(Step.ARRIVING, start + timedelta(days=1), made.id, "gardabani", box)
    with pytest.raises(InvalidInput, match="2 hand-overs are out of order"):
        tracking.capture(node, RAIL, epcis.document([a, b], T0), T0)
    between = epcis.build(Step.ARRIVING, start + timedelta(days=1), made.id, "almaty", box)
    assert tracking.capture(node, RAIL, epcis.document([between], T0), T0).stored == 1
    assert len(event_query.events(node, SHIPPER, EventQuery(shipment=made.id)).events) == 3
