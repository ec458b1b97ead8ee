"""The corridor model: its data, determinism, accounting, and each component moving the
median the way its source says, without counting anything twice."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from importlib import resources
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import yaml

from corridor.exceptions import InvalidInput
from corridor.network import corridor
from corridor.sim import World, simulate
from corridor.sim.fit import Fits, LogNormal, durations, fit_lognormal, fit_timelines
from corridor.sim.params import parse, shipped
from corridor.sim.results import breakdown


def _raw() -> dict[str, Any]:
    return yaml.safe_load((resources.files("corridor.sim") / "model.yaml").read_text())


def _mean_p50(scenario: str, n: int = 300, seeds: tuple[int, ...] = (1, 2, 3), **kw: Any) -> float:
    return float(np.mean([simulate(scenario, n, s, **kw).percentile(50) for s in seeds]))


def _hours_at(r: Any, place: str, kind: str | None = None) -> float:
    """Hours per delivered container booked at a place (of one kind, or all)."""
    total = sum(h for (p, k), h in r.hours.items() if p == place and kind in (None, k))
    return total / max(r.delivered, 1)


# ----- data ---------------------------------------------------------------------------------


def test_every_value_carries_a_source_an_assumption_or_fit_bounds() -> None:
    values = shipped().values()
    assert len(values) > 60
    for path, value in values.items():
        kinds = [k for k in ("src", "assume", "fit") if getattr(value, k) is not None]
        assert len(kinds) == 1, path
        if value.fit:
            assert value.fit[0] <= value.v <= value.fit[1], path
            assert value.target, path
            assert value.note, path


def test_a_value_without_its_basis_is_refused() -> None:
    raw = _raw()
    raw["physical"]["leg_cv"] = {"v": 0.2}
    with pytest.raises(ValueError, match="exactly one of 'src'"):
        parse(yaml.safe_dump(raw))
    raw = _raw()
    raw["physical"]["leg_cv"] = {"v": 0.2, "fit": [0.1, 0.3]}
    with pytest.raises(ValueError, match="names its 'target'"):
        parse(yaml.safe_dump(raw))


def test_a_fitted_file_may_only_set_fitted_parameters_within_their_bounds() -> None:
    text = (resources.files("corridor.sim") / "model.yaml").read_text()
    with pytest.raises(InvalidInput, match="not fitted"):
        parse(text, yaml.safe_dump({"values": {"physical/leg_cv": 0.3}}))
    with pytest.raises(InvalidInput, match="outside its fit bounds"):
        parse(text, yaml.safe_dump({"values": {"demand/2022/scale": 9}}))
    fitted = parse(text, yaml.safe_dump({"values": {"demand/2022/scale": 0.7}}))
    assert fitted.demand_level("2022")["caspian_other_feu_day"] == pytest.approx(
        0.7 * fitted.demand_level("2025")["caspian_other_feu_day"]
    )


def test_the_shipped_fit_covers_exactly_the_fitted_parameters() -> None:
    text = (resources.files("corridor.sim") / "fitted.yaml").read_text()
    doc = yaml.safe_load(text)
    assert set(doc["values"]) == set(shipped().free())
    assert doc["residuals"], "the fit's residuals are shipped with it"


def test_unknown_names_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="choose one of paper, today, digital"):
        simulate("telepathy", 10, 1)
    with pytest.raises(InvalidInput, match="unknown season"):
        simulate("today", 10, 1, season="monsoon")
    with pytest.raises(InvalidInput, match="unknown fleet"):
        simulate("today", 10, 1, fleet="armada")


def test_a_post_is_named_node_and_direction() -> None:
    raw = _raw()
    raw["regimes"]["today"]["posts"]["dostyk"] = {"v": 1, "assume": "x"}
    with pytest.raises(ValueError, match="'node/exit' or 'node/entry'"):
        parse(yaml.safe_dump(raw))


def test_demand_beyond_a_resources_capacity_is_refused_with_what_to_do() -> None:
    # 10 Mt/yr on today's fleet: the Caspian and the Black Sea cannot carry it.
    with pytest.raises(InvalidInput, match=r"demand at \d+% of capacity.*Add capacity"):
        simulate("today", 100, 1, demand="2027")
    # It says what would carry it: the 2027 fleet's new ships, not yet new feeders.
    with pytest.raises(InvalidInput, match=r"black sea services.*\d more Black Sea feeder"):
        simulate("digital-2027", 100, 1)


# ----- determinism and accounting -----------------------------------------------------------


def test_the_same_seed_gives_the_same_run_and_another_seed_differs() -> None:
    a, b, c = simulate("today", 300, 7), simulate("today", 300, 7), simulate("today", 300, 8)
    assert np.array_equal(a.transit_h(), b.transit_h())
    assert a.hours == b.hours
    assert not np.array_equal(a.transit_h(), c.transit_h())


@pytest.mark.parametrize("scenario", ["paper", "today", "digital", "northern"])
def test_every_hour_of_every_container_is_booked_to_a_place(scenario: str) -> None:
    r = simulate(scenario, 400, 3)
    assert r.delivered == 400
    # From the gate at the origin terminal to delivery, every hour is somewhere.
    door = float(np.nansum(r.delivered_at - r.gate_in))
    assert sum(r.hours.values()) == pytest.approx(door, rel=1e-9)
    assert {p for p, _ in breakdown(r)} <= set(r.places)


def test_percentiles_are_ordered_and_the_clocks_differ_by_the_booking_lead() -> None:
    r = simulate("today", 400, 2)
    assert r.percentile(50) <= r.percentile(90) <= r.percentile(99)
    lead = (r.departed - r.booked) / 24
    params = shipped().physical
    assert lead.min() >= params["booking_lead_min_h"].v / 24
    assert lead.max() <= params["booking_lead_max_h"].v / 24


def test_a_time_limit_stops_the_run_early() -> None:
    warmup = shipped().physical_value("warmup_h")
    r = simulate("paper", 5000, 1, until_h=warmup + 24 * 30)
    assert r.horizon_h == warmup + 24 * 30
    assert r.delivered < 5000


# ----- components move the median the way their sources say -------------------------------


def test_a_winter_of_port_closures_slows_the_corridor() -> None:
    """Kuryk (and Aktau) closed about half of November-December: winter is slower than
    summer, and the hours are spent waiting at the Caspian ports."""
    winter = [simulate("today", 300, s, season="winter") for s in (1, 2, 3, 4)]
    summer = [simulate("today", 300, s, season="summer") for s in (1, 2, 3, 4)]
    assert (
        np.mean([r.percentile(50) for r in winter])
        > np.mean([r.percentile(50) for r in summer]) + 0.5
    )
    assert (
        np.mean([_hours_at(r, "aktau", "waiting") for r in winter])
        > np.mean([_hours_at(r, "aktau", "waiting") for r in summer]) + 8
    )


def test_an_added_feeder_speeds_up_the_black_sea() -> None:
    params = shipped()
    base = World.of(params, "today")
    more = params.with_values({"fleets/today/black_sea_extra_feeders": 3})
    assert World.of(more, "today").black_sea_capacity_feu_day() > base.black_sea_capacity_feu_day()
    slow = [simulate("today", 300, s) for s in (1, 2, 3)]
    fast = [simulate("today", 300, s, params=more) for s in (1, 2, 3)]
    seg = lambda rs: np.mean([np.median(r.segment_h("poti", "constanta")) for r in rs])  # noqa: E731
    assert seg(fast) < seg(slow) - 12


def test_a_surge_queues_on_the_shared_resources() -> None:
    """More traffic on the same Black Sea services: below their capacity little changes (a
    sailing takes what waits), near it the boxes queue at Poti and the trip lengthens."""
    params = shipped()
    runs = {
        other: [
            simulate(
                "today",
                400,
                s,
                params=params.with_values({"demand/2025/black_sea_other_feu_day": other}),
            )
            for s in (1, 2, 3, 4)
        ]
        for other in (2.0, 8.2)
    }
    wait = {k: np.mean([_hours_at(r, "poti", "waiting") for r in v]) for k, v in runs.items()}
    p50 = {k: np.mean([r.percentile(50) for r in v]) for k, v in runs.items()}
    assert runs[8.2][0].loads["black sea services"] > 0.95
    assert wait[8.2] > wait[2.0] + 8
    assert p50[8.2] > p50[2.0] + 0.4


def test_the_interchange_queues_only_beyond_the_observed_crossing() -> None:
    """The crossing figure already holds the border's normal queues: while the interchange's
    queue is shorter than it, a train spends exactly that figure there (today's fitted
    figure: a train waits beyond it only now and then, under 1 % of the figure on average);
    where the figure is short (digital: 4.25 h) a tight interchange adds waiting."""
    params = shipped()
    figure = params.regime("today").post("dostyk", "entry").v
    for r in (simulate("today", 300, s) for s in (1, 2)):
        assert _hours_at(r, "dostyk", "waiting") < 0.01 * figure
        assert _hours_at(r, "dostyk", "processing") == pytest.approx(figure, rel=0.15)
    roomy = params.with_values({"fleets/today/interchange_trains_per_day": 40})
    tight = params.with_values({"fleets/today/interchange_trains_per_day": 12})
    wait = {
        name: np.mean(
            [_hours_at(simulate("digital", 300, s, params=p), "dostyk", "waiting") for s in (1, 2)]
        )
        for name, p in (("roomy", roomy), ("tight", tight))
    }
    assert wait["tight"] > wait["roomy"] + 2


def test_documentary_holds_slow_the_post_they_are_at() -> None:
    params = shipped()
    none = params.with_values({"regimes/today/holds/baku-alat/entry": 0.0})
    # Trains at Alat also wait to fill with other traffic: six seeds, so that the holds'
    # days stand out of that noise.
    seeds = range(1, 7)
    held = [simulate("today", 400, s) for s in seeds]
    free = [simulate("today", 400, s, params=none) for s in seeds]
    assert (
        np.mean([_hours_at(r, "baku-alat", "waiting") for r in held])
        > np.mean([_hours_at(r, "baku-alat", "waiting") for r in free]) + 5
    )


def test_the_farther_origins_take_longer_to_the_border() -> None:
    """Zhengzhou's and Yiwu's trains run over Xi'an: their containers reach Alashankou later
    after departure than those that left from Xi'an."""
    r = simulate("today", 600, 1)
    assert len(r.reached_h("alashankou")) == 600
    farther = ~np.isnan(r.at["xian"])  # reached Xi'an on the way: left from elsewhere
    assert 0 < farther.sum() < 600
    hours = r.at["alashankou"] - r.departed
    assert np.median(hours[farther]) > np.median(hours[~farther]) + 10


def test_no_customs_post_inside_a_customs_union() -> None:
    """Kazakhstan-Russia and Russia-Belarus are EAEU borders: the northern route stops there
    only for the railway's own hand-over (the network's dwell), and clears customs at Dostyk
    and Małaszewicze."""
    params, net = shipped(), corridor()
    assert not params.customs_between("KZ", "RU")
    assert params.customs_between("BY", "PL")
    r = simulate("northern", 300, 1)
    for node in ("petropavl", "petukhovo", "krasnoe", "osinovka"):
        booked = _hours_at(r, node)
        assert booked in (0.0, pytest.approx(net.nodes[node].dwell_h)), node
    assert _hours_at(r, "malaszewicze") > 0


def test_no_border_crossing_is_counted_twice_in_any_regime() -> None:
    """A post holding a whole-crossing figure has a partner post that adds nothing, and the
    model books no time at that partner."""
    params, net = shipped(), corridor()
    spec = params.route
    route = net.route(spec.origin, spec.destination, via=spec.via)
    crossings = [
        (leg.origin, leg.destination)
        for leg in route.legs
        if params.customs_between(net.nodes[leg.origin].country, net.nodes[leg.destination].country)
    ]
    assert ("alashankou", "dostyk") in crossings
    for regime in params.regimes.values():
        for exit_node, entry_node in crossings:
            out, into = regime.post(exit_node, "exit"), regime.post(entry_node, "entry")
            assert not (out.crossing and into.crossing)
            if out.crossing or into.crossing:
                assert (into if out.crossing else out).v == 0, (regime.name, exit_node)
    for name in ("paper", "today", "digital"):
        r = simulate(name, 200, 1)
        assert not any(place == "alashankou" for place, _ in r.hours)


def test_digitisation_cuts_processing_and_waiting_not_moving() -> None:
    paper, digital = simulate("today", 400, 5), simulate("digital", 400, 5)
    moving = lambda r: sum(h for (_, k), h in r.hours.items() if k == "moving")  # noqa: E731
    assert digital.percentile(50) < paper.percentile(50)
    assert moving(digital) == pytest.approx(moving(paper), rel=0.1)


def test_the_model_and_the_network_agree_on_dwell() -> None:
    """Where the model takes a node's time from the network (junctions, gauge changes,
    borders inside a customs union), it takes the network's value; where it works the time
    out itself (ports, customs posts), the network's planning dwell is the model's median
    for today, within a quarter (or six hours)."""
    net = corridor()
    runs = [simulate("today", 600, s) for s in (1, 2, 3)]
    for place in ("almaty", "arys", "beineu", "tbilisi"):
        assert np.mean([_hours_at(r, place) for r in runs]) == pytest.approx(
            net.nodes[place].dwell_h, rel=0.01
        )
    for port in ("dostyk", "aktau", "baku-alat", "poti", "constanta", "boyuk-kesik", "gardabani"):
        model = float(np.mean([_hours_at(r, port) for r in runs]))
        planned = net.nodes[port].dwell_h
        assert abs(model - planned) <= max(0.25 * planned, 6.0), (port, model, planned)
    fitted = shipped().regime("today").post("malaszewicze", "entry").v
    assert net.nodes["malaszewicze"].dwell_h == pytest.approx(fitted, abs=0.5)


# ----- fitting from observed tracking events ------------------------------------------------


def test_lognormal_fit_recovers_known_parameters() -> None:
    rng = random.Random(42)
    fit = fit_lognormal(rng.lognormvariate(math.log(20), 0.3) for _ in range(5000))
    assert fit.mu == pytest.approx(math.log(20), abs=0.02)
    assert fit.sigma == pytest.approx(0.3, abs=0.02)
    with pytest.raises(InvalidInput, match="at least 3"):
        fit_lognormal([1.0, 2.0])


def _timeline(leg_h: float, dwell_h: float) -> list[SimpleNamespace]:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    ev = SimpleNamespace
    return [
        ev(at=t0, kind="departed", place="dostyk"),
        ev(at=t0 + timedelta(hours=leg_h), kind="arrived", place="almaty"),
        ev(at=t0 + timedelta(hours=leg_h + dwell_h), kind="departed", place="almaty"),
        ev(at=t0 + timedelta(hours=2 * leg_h + dwell_h), kind="arrived", place="arys"),
        ev(at=t0 + timedelta(hours=1), kind="document_attached", place=None),
    ]


def test_durations_come_from_departed_and_arrived_events() -> None:
    legs, dwell = durations([_timeline(10, 3), _timeline(12, 5)])
    assert legs[("dostyk", "almaty")] == [10, 12]
    assert dwell["almaty"] == [3, 5]


def test_observed_fits_drive_the_simulation() -> None:
    fits = fit_timelines([_timeline(h, 2) for h in (300, 320, 310, 305)])
    assert set(fits.legs) == {("dostyk", "almaty"), ("almaty", "arys")}
    slow = simulate("digital", 300, 1, fits=fits)
    base = simulate("digital", 300, 1)
    # Two legs observed at ~300 h instead of ~37 h: about 22 more days to Almaty and Arys.
    assert slow.percentile(50, "arys") - base.percentile(50, "arys") == pytest.approx(22, abs=4)


def test_fits_object_is_empty_by_default() -> None:
    assert Fits().legs == {}
    assert LogNormal(0.0, 0.0, 3).mean == 1.0


def test_utilisation_is_a_share() -> None:
    util = simulate("today", 200, 1).utilisation()
    assert {"caspian fleet", "black sea services", "interchange"} <= set(util)
    assert all(0.0 <= u <= 1.0 for u in util.values()), util
