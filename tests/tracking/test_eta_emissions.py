"""Live ETA and its backtest; emissions statements against GLEC's worked example."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from corridor import emissions as glec
from corridor.exceptions import InvalidInput, NotFound
from corridor.exchange import delivery
from corridor.exchange.envelope import NodeAddress
from corridor.exchange.policy import shipped_policy
from corridor.model import DocumentKind
from corridor.network import Leg
from corridor.services import (
    Context,
    arrival,
    drafting,
    emissions,
    papers,
    shipments,
    tracking,
)
from corridor.tracking.epcis import Step
from tests.conftest import ORGS, T0
from tests.factories import STORY

SHIPPER, RAIL = ORGS["kz-ferroalloy"], ORGS["kz-rail"]


def test_glec_worked_example_to_the_gram() -> None:
    example = glec.factors()["worked_example"]
    gross = Decimal(str(example["gross_intensity_kg_per_tkm"]))
    cargo_t, vehicle_t = Decimal(example["cargo_t"]), Decimal(example["vehicle_t"])
    per_cargo_tkm = glec.reallocated(gross, cargo_t, vehicle_t)
    assert per_cargo_tkm == Decimal(str(example["cargo_intensity_kg_per_tkm"]))
    # 100 km: the gross tonne-km at the overall intensity equal the cargo's at its own.
    grams = per_cargo_tkm * cargo_t * 100 * 1000
    assert grams == Decimal(228000)
    assert gross * (cargo_t + vehicle_t) * 100 * 1000 == grams


def test_a_truck_in_asia_carries_the_uplift_to_the_gram() -> None:
    leg = Leg.model_validate(
        {
            "from": "almaty",
            "to": "bishkek",
            "mode": "road",
            "distance_km": 100,
            "hours": 4,
            "distance_basis": "assumption",
            "hours_basis": "assumption",
        }
    )
    element = glec.leg_element(leg, Decimal(20), ["42G1"])
    assert element.wtw_g == Decimal(231800)  # 95 g/tkm x 1.22 x 20 t x 100 km
    assert element.ttw_g == Decimal(178120)  # 73 g/tkm x 1.22 x 2,000 tkm


def test_the_demo_statement_names_every_element_and_source(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("EMIT-1"), T0)
    statement = emissions.for_shipment(node, SHIPPER, made.id)
    assert statement.basis == "planned"
    legs = [e for e in statement.elements if e.kind == "leg"]
    hubs = {e.place: e.mode for e in statement.elements if e.kind == "hub"}
    assert [e.place.split("->")[0] for e in legs] == made.route.nodes[:-1]
    assert hubs == {
        "aktau": "transshipment",
        "baku-alat": "transshipment",
        "poti": "container_terminal",
        "constanta": "container_terminal",
    }
    assert all(
        "GLEC Framework v3.0" in e.source and "Table" in e.source for e in statement.elements
    )
    assert statement.wtw_g == sum(e.wtw_g for e in statement.elements)
    ferry = next(e for e in legs if e.mode == "ferry")
    raw = Decimal("128.0") * ferry.activity
    assert ferry.wtw_g > raw  # reallocated from gross to cargo tonne-km
    assert any("assumption" in a or "diesel" in a for e in legs for a in e.assumptions)
    tracking.record(node, RAIL, made.id, Step.DEPARTING, T0, "dostyk", now=T0)
    arrived = T0 + timedelta(hours=20)
    tracking.record(node, RAIL, made.id, Step.ARRIVING, arrived, "almaty", now=arrived)
    assert emissions.for_shipment(node, SHIPPER, made.id).basis == "travelled and planned"


def test_the_signed_statement_states_every_gram_and_prints(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("EMIT-2"), T0)
    statement = emissions.for_shipment(node, SHIPPER, made.id)
    signed = emissions.issue(node, SHIPPER, made.id, T0)
    assert signed.document.kind == DocumentKind.EMISSIONS_STATEMENT
    verdict = papers.check(signed.token.encode(), node.keys.trust_list(), T0)
    assert verdict.status == "VALID", verdict
    fields = verdict.document.disclosed  # type: ignore[union-attr]
    # Each element to the gram; the total is their sum, within half a gram an element of
    # the exact figure.
    grams = [e.wtw_g.quantize(Decimal(1)) for e in statement.elements]
    stated = Decimal(str(fields["wtw_kg"])) * 1000
    assert stated == sum(grams)
    assert abs(stated - statement.wtw_g) <= Decimal("0.5") * len(grams)
    assert len(fields["elements"]) == len(statement.elements)
    assert fields["basis"] == "planned"
    _, pdf = papers.paper_copy(node, SHIPPER, made.id, signed.document.id, T0)
    printed = papers.check(pdf, node.keys.trust_list(), T0)
    assert printed.status == "VALID"
    assert printed.document.disclosed == fields  # type: ignore[union-attr]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Transport chain elements" in text
    assert "container_terminal" in text


def test_a_statement_whose_totals_do_not_add_up_is_refused(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("EMIT-3"), T0)
    fields = emissions.document_fields(emissions.for_shipment(node, SHIPPER, made.id), "E-1", T0)
    fields["wtw_kg"] = Decimal(fields["wtw_kg"]) - Decimal("0.001")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="invalid fields") as refused:
        papers.issue_signed(node, SHIPPER, made.id, DocumentKind.EMISSIONS_STATEMENT, fields, T0)
    assert any("not the sums of the elements" in e.message for e in refused.value.errors)
    # Computed, not typed in: no form offers it.
    assert DocumentKind.EMISSIONS_STATEMENT not in drafting.issuable(SHIPPER)


def test_the_authorities_ahead_are_told_the_live_estimate(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("LIVE-1"), T0)
    assert arrival.live_arrivals(node, SHIPPER, made.id, T0) == {}  # the plan stands
    tracking.record(node, RAIL, made.id, Step.DEPARTING, T0, "dostyk", now=T0)
    arrived = T0 + timedelta(hours=30)
    tracking.record(node, RAIL, made.id, Step.ARRIVING, arrived, "almaty", now=arrived)
    live = arrival.live_arrivals(node, SHIPPER, made.id, arrived)
    assert "dostyk" not in live
    assert all(at > arrived for at in live.values())
    route, draft = made.route, STORY.draft("LIVE-1")
    report = node.engine.check(draft, route, set(), draft.departure or T0)
    directory = [
        NodeAddress(c.lower(), c, f"{c.lower()}-customs", "x") for c in ("KZ", "AZ", "GE", "RO")
    ]
    sent = delivery.envelopes_for(
        made.id, route, node.network, {}, report, directory, shipped_policy(), live
    )
    planned = delivery.envelopes_for(
        made.id, route, node.network, {}, report, directory, shipped_policy()
    )
    assert {e.payload["crossing"] for e in sent} <= set(live)
    for told, plan in zip(sent, planned, strict=True):
        assert told.payload["eta"] == live[told.payload["crossing"]].isoformat()
        assert told.payload["eta"] != plan.payload["eta"]


def test_alternatives_compare_by_days_and_co2(node: Context) -> None:
    found = emissions.compare(node, "dostyk", "constanta", Decimal(20000), ["42G1"])
    names = [a.name for a in found]
    assert {"via Kuryk and Poti", "via Turkmenbashi and Poti", "via Aktau and Batumi"} <= set(names)
    assert [a.wtw_kg for a in found] == sorted(a.wtw_kg for a in found)
    assert all(a.days > 5 for a in found)
    # The northern reference route, all rail through the EAEU to the EU border.
    north = next(a for a in found if a.name.startswith("reference: northern"))
    assert north.nodes[-1] == "malaszewicze"
    assert {e.mode for e in north.statement.elements if e.kind == "leg"} == {"rail"}
    assert "petropavl" in north.nodes


def test_eta_starts_from_the_last_event(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("ETA-1"), T0)
    before = arrival.for_shipment(node, SHIPPER, made.id, T0)
    assert before.position == "dostyk"
    assert [s.node for s in before.stops] == made.route.nodes[1:]
    assert all(s.p50 <= s.p90 for s in before.stops)
    assert [s.p50 for s in before.stops] == sorted(s.p50 for s in before.stops)
    arrived = T0 + timedelta(days=5)
    tracking.record(node, RAIL, made.id, Step.ARRIVING, arrived, "aktau", now=arrived)
    later = arrival.for_shipment(node, SHIPPER, made.id, arrived + timedelta(hours=3))
    assert (later.position, later.since) == ("aktau", arrived)
    assert later.stops[0].node == made.route.nodes[made.route.nodes.index("aktau") + 1]
    assert later.stops[-1].p50 > before.stops[-1].p50


def test_eta_before_departure_runs_from_the_planned_departure(node: Context) -> None:
    """A shipment that has not moved is estimated from its planned departure while that is
    ahead, and from now once it has passed without a movement."""
    planned = STORY.draft("ETA-P").model_copy(update={"departure": (T0 + timedelta(days=9)).date()})
    made = shipments.submit(node, SHIPPER, planned, T0)
    ahead = arrival.for_shipment(node, SHIPPER, made.id, T0)
    leaves = datetime.combine(planned.departure, datetime.min.time(), UTC)  # type: ignore[arg-type]
    assert (ahead.moved, ahead.planned, ahead.since) == (False, True, leaves)
    assert ahead.stops[0].p50 > leaves
    unplanned = shipments.submit(node, SHIPPER, STORY.draft("ETA-N"), T0)
    now_based = arrival.for_shipment(node, SHIPPER, unplanned.id, T0)
    assert (now_based.planned, now_based.since) == (False, T0)
    # The same hops from a start nine days later: every estimate nine days later or more.
    assert ahead.stops[-1].p50 - now_based.stops[-1].p50 > timedelta(days=8)
    late = leaves + timedelta(days=2)
    overdue = arrival.for_shipment(node, SHIPPER, made.id, late)
    assert (overdue.planned, overdue.since) == (False, late)


def test_hops_seen_three_times_are_fitted(node: Context) -> None:
    for n, hours in enumerate((20, 22, 25)):
        made = shipments.submit(node, SHIPPER, STORY.draft(f"ETA-F{n}"), T0)
        tracking.record(node, RAIL, made.id, Step.DEPARTING, T0, "dostyk", now=T0)
        at = T0 + timedelta(hours=hours)
        tracking.record(node, RAIL, made.id, Step.ARRIVING, at, "almaty", now=at)
    fresh = shipments.submit(node, SHIPPER, STORY.draft("ETA-F9"), T0)
    stops = arrival.for_shipment(node, SHIPPER, fresh.id, T0).stops
    assert (stops[0].node, stops[0].basis) == ("almaty", "fitted")
    assert stops[1].basis == "planned"
    assert timedelta(hours=20) < stops[0].p50 - T0 < timedelta(hours=25)


def test_the_backtest_error_falls_as_events_arrive() -> None:
    found = arrival.run_backtest(seeds=range(1, 4), containers=1000)
    first, last = found.checkpoints[0], found.checkpoints[-1]
    assert found.mean[last] < found.mean[first]
    assert all(v > 0 for v in found.mean.values())


def test_a_non_party_gets_no_statement_or_eta(node: Context) -> None:
    made = shipments.submit(node, SHIPPER, STORY.draft("EMIT-2"), T0)
    with pytest.raises(NotFound, match="party to"):
        emissions.for_shipment(node, ORGS["node-operator"], made.id)
    with pytest.raises(NotFound, match="party to"):
        arrival.for_shipment(node, ORGS["ge-customs"], made.id, T0)


def test_a_chinese_origin_carries_the_gauge_change_and_azerbaijan_runs_electric(
    node: Context,
) -> None:
    """From Xi'an the boxes change trains at the 1435/1520 mm border (a transshipment hub at
    Dostyk); the Azerbaijani main line is electrified, so its leg takes the electric factor;
    the northern route changes gauge again at Małaszewicze."""
    net = node.network
    route = net.route("xian", "constanta", via=["dostyk", "aktau", "poti"])
    made = glec.statement(net, route.legs, Decimal(20000), ["42G1"], "planned")
    hubs = {e.place: e.mode for e in made.elements if e.kind == "hub"}
    assert hubs["dostyk"] == "transshipment"
    rail = {e.place: e.factor for e in made.elements if e.kind == "leg" and e.mode == "rail"}
    assert rail["baku-alat->boyuk-kesik"] == "rail_electric"
    assert rail["dostyk->almaty"] == "rail_diesel"
    north = net.route("xian", "malaszewicze", via=["dostyk", "petropavl"])
    made = glec.statement(net, north.legs, Decimal(20000), ["42G1"], "planned")
    hubs = {e.place for e in made.elements if e.kind == "hub"}
    assert hubs == {"dostyk", "malaszewicze"}
