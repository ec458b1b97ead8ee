"""The corridor simulator: determinism, accounting, calibration and fitting."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from corridor.exceptions import InvalidInput
from corridor.sim import simulate
from corridor.sim.fit import Fits, LogNormal, durations, fit_lognormal, fit_timelines
from corridor.sim.params import parse, shipped_regimes
from corridor.sim.report import breakdown, summarise


def test_every_parameter_carries_a_source_or_an_assumption() -> None:
    params = shipped_regimes()
    for value in [
        *params.physical.values(),
        *(v for r in params.regimes.values() for v in r.values.values()),
    ]:
        assert bool(value.src) != bool(value.assume)


def test_a_parameter_without_its_basis_is_refused() -> None:
    import yaml

    raw = yaml.safe_load(
        (__import__("importlib").resources.files("corridor.sim") / "regimes.yaml").read_text()
    )
    raw["physical"]["leg_cv"] = {"v": 0.2}
    with pytest.raises(ValueError, match="exactly one of 'src'"):
        parse(yaml.safe_dump(raw))


def test_unknown_regime_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="choose one of paper, today, digital"):
        simulate("telepathy", 10, 1)


def test_the_same_seed_gives_the_same_run_and_another_seed_differs() -> None:
    a, b, c = simulate("today", 500, 7), simulate("today", 500, 7), simulate("today", 500, 8)
    assert a.transit_h == b.transit_h
    assert a.booked == b.booked
    assert a.transit_h != c.transit_h


@pytest.mark.parametrize("regime", ["paper", "today", "digital"])
def test_every_hour_of_every_container_is_booked_to_a_place(regime: str) -> None:
    r = simulate(regime, 800, 3)
    assert r.delivered == 800
    assert sum(r.booked.values()) == pytest.approx(sum(r.transit_h), rel=1e-9)
    # The breakdown covers exactly the places on the route.
    assert {p for p, _ in breakdown(r)} <= set(r.places)


def test_each_regime_is_compared_with_a_published_figure_for_its_route() -> None:
    """Every regime names the figure it is compared with (year, route, why it fits); the
    rail and Caspian part of today's run lands on its own published part-way times; the
    digital regime meets its target; and the model orders the regimes as they should be."""
    params = shipped_regimes()
    medians = {}
    for regime in ("paper", "today", "digital"):
        pub = params.published[regime]
        assert pub.year
        assert pub.route
        assert pub.fits
        runs = [simulate(regime, 1500, seed) for seed in (1, 2, 3)]
        medians[regime] = sorted(r.percentile(50) for r in runs)[1]
        for cp in pub.checkpoints:
            reached = sorted(r.percentile(50, cp.node) for r in runs)[1]
            assert abs(cp.distance(reached)) <= 1.0, (regime, cp.node, reached)
    assert params.published["digital"].verdict(medians["digital"]) == "meets target"
    assert params.published["today"].checkpoints
    assert medians["paper"] > medians["today"] > medians["digital"]


def test_no_border_crossing_is_counted_twice_in_any_regime() -> None:
    """A post holding a whole-crossing figure has a partner post that adds nothing, and the
    simulator books no time at that partner."""
    from corridor.network import corridor

    params, net = shipped_regimes(), corridor()
    spec = params.route
    route = net.route(spec.origin, spec.destination, via=spec.via)
    crossings = [
        (leg.origin, leg.destination)
        for leg in route.legs
        if net.nodes[leg.origin].country != net.nodes[leg.destination].country
    ]
    assert ("alashankou", "dostyk") in crossings
    for regime in params.regimes.values():
        for exit_node, entry_node in crossings:
            out, into = regime.post(exit_node, "exit"), regime.post(entry_node, "entry")
            assert not (out.crossing and into.crossing)
            if out.crossing or into.crossing:
                assert (into if out.crossing else out).v == 0, (regime.name, exit_node)
        r = simulate(regime.name, 300, 1)
        assert not any(place == "alashankou" for place, _ in r.booked)


def test_a_post_is_named_node_and_direction() -> None:
    import yaml

    raw = yaml.safe_load(
        (__import__("importlib").resources.files("corridor.sim") / "regimes.yaml").read_text()
    )
    raw["regimes"]["today"]["posts"]["dostyk"] = {"v": 1, "assume": "x"}
    with pytest.raises(ValueError, match="'node/exit' or 'node/entry'"):
        parse(yaml.safe_dump(raw))


def test_digitisation_cuts_processing_and_waiting_not_moving() -> None:
    paper, digital = summarise(simulate("paper", 1000, 5)), summarise(simulate("digital", 1000, 5))
    # Digitisation removes processing and waiting, not kilometres: moving time stays, so
    # the saving is bounded by what paper adds on top of moving (here about 40%).
    assert digital.p50 < paper.p50 * 0.6
    assert digital.processing + digital.waiting < (paper.processing + paper.waiting) / 4
    assert digital.moving == pytest.approx(paper.moving, rel=0.1)


def test_percentiles_are_ordered() -> None:
    r = simulate("paper", 600, 2)
    assert r.percentile(50) <= r.percentile(90) <= r.percentile(99)


def test_a_time_limit_stops_the_run_early() -> None:
    r = simulate("paper", 5000, 1, until_h=24 * 30)
    assert r.horizon_h == 24 * 30
    assert r.delivered < 5000


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
    # Two legs observed at ~300 h instead of ~37 h: about 22 more days.
    assert slow.percentile(50) - base.percentile(50) == pytest.approx(22, abs=4)


def test_fits_object_is_empty_by_default() -> None:
    assert Fits().legs == {}
    assert LogNormal(0.0, 0.0, 3).mean == 1.0


def test_utilisation_covers_idle_resources() -> None:
    # So few containers that some ferries never sail.
    util = simulate("digital", 30, 1).utilisation()
    assert {"ferry 1", "ferry 2", "ferry 3"} <= set(util)
    assert all(0.0 <= u <= 1.0 for u in util.values())
    assert min(util.values()) == 0.0
