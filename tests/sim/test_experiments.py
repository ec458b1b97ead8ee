"""Experiments on the corridor model: intervals over seeds, the decomposition of a
difference, the fleet a target takes, the sensitivity ranking, and the fit to published
figures recovering parameters it did not see."""

from __future__ import annotations

import math
import statistics
from importlib import resources

import pytest
import yaml
from scipy import stats

from corridor.sim import World, shipped, simulate
from corridor.sim.calibrate import Target, evaluate, fit, published_targets
from corridor.sim.decompose import decompose, fleet_for, path
from corridor.sim.experiments import Estimate, Runner, Task
from corridor.sim.params import parse
from corridor.sim.sensitivity import ranges, tornado


def test_an_estimate_is_the_mean_with_students_interval() -> None:
    xs = [30.1, 31.4, 29.8, 32.0]
    e = Estimate.of(xs)
    half = stats.t.ppf(0.975, 3) * statistics.stdev(xs) / 2
    assert e.mean == pytest.approx(statistics.fmean(xs))
    assert (e.low, e.high) == pytest.approx((e.mean - half, e.mean + half))
    # An unstable run (NaN) is left out and said.
    assert Estimate.of([math.nan, 30.0, 32.0]).n == 2
    assert str(Estimate.of([math.nan])) == "unstable"


def test_the_path_ends_in_the_second_world_and_the_parts_add_up() -> None:
    params = shipped()
    a, b = World.of(params, "today"), World.of(params, "digital")
    worlds = path(a, b)
    assert worlds[-1][2].regime.values == b.regime.values
    assert worlds[-1][2].regime.posts == b.regime.posts
    with Runner(1) as runner:
        d = decompose(params, a, b, (1, 2), 200, runner)
    assert sum(s.days.mean for s in d.steps) == pytest.approx(d.total.mean, abs=1e-9)
    # Today and digital share their fleet and traffic: all of it is procedure.
    assert d.by_kind("capacity") == pytest.approx(0.0, abs=1e-9)
    assert d.by_kind("procedure") > 1


def test_a_capacity_difference_is_booked_to_capacity() -> None:
    params = shipped().with_values({"fleets/2027/black_sea_extra_feeders": 3})
    a = World.of(params, "digital")
    b = World.of(params, "digital", fleet="2027")
    with Runner(1) as runner:
        d = decompose(params, a, b, (1, 2), 200, runner)
    assert d.by_kind("procedure") == pytest.approx(0.0, abs=1e-9)
    assert d.by_kind("capacity") > 0.5


def test_the_fleet_search_adds_capacity_until_the_median_falls() -> None:
    params = shipped()
    world = World.of(params, "digital")
    with Runner(1) as runner:
        base = runner.map([Task("d", world, params, 200, s) for s in (1, 2)])
        need = fleet_for(params, world, 0.0, (1, 2), 200, runner, max_vessels=1, max_feeders=2)
    assert not need.met  # no fleet makes a trip take no time
    assert (need.caspian_vessels, need.black_sea_feeders) == (1, 2)
    assert need.median.mean < statistics.fmean(r.p50 for r in base)


def test_sensitivity_ranges_respect_bounds_shares_and_counts() -> None:
    params = shipped()
    spans = ranges(params, World.of(params, "today"))
    free = params.free()
    for p, (lo, hi) in spans.items():
        assert lo < hi, p
        if p in free:
            assert (lo, hi) == free[p].fit
    lo, hi = spans["caspian/vessels"]
    assert (lo, hi) == (int(lo), int(hi))
    assert lo <= 5
    assert hi >= 7
    assert spans["regimes/today/values/inspect_prob"][1] <= 0.95
    assert "regimes/paper/values/customs_h" not in spans  # not today's


def test_tornado_ranks_what_moves_the_median() -> None:
    params = shipped()
    small = params.model_copy(update={})
    with Runner(1) as runner:
        swings = tornado(small, "northern", (1,), 150, runner)
    widths = [s.width for s in swings]
    assert widths == sorted(widths, reverse=True)
    top = {s.path for s in swings[:5]}
    # On the northern route the Małaszewicze crossing (a fitted figure) matters; the
    # Caspian does not appear at all.
    assert "regimes/today/posts/malaszewicze/entry" in top
    assert not any(s.path.startswith("caspian/") and s.width > 0 for s in swings)


def test_the_fit_recovers_parameters_from_a_synthetic_run() -> None:
    """Figures made by the model at known values: the fit, started elsewhere, finds them.
    (The Poti yard dwell is made a fitted value here, for a second dimension.)"""
    raw = yaml.safe_load((resources.files("corridor.sim") / "model.yaml").read_text())
    raw["physical"]["poti_dwell_h"] = {
        "v": 72,
        "fit": [24, 240],
        "target": "today: Poti -> Constanța",
        "note": "test",
    }
    params = parse(yaml.safe_dump(raw))
    truth = {"regimes/today/posts/malaszewicze/entry": 70.0, "physical/poti_dwell_h": 150.0}
    start = {"regimes/today/posts/malaszewicze/entry": 30.0, "physical/poti_dwell_h": 72.0}
    targets = [
        Target("northern end to end", "northern", 0.0),
        Target("Poti -> Constanța", "today", 0.0, node="constanta", start="poti"),
    ]
    seeds, n = (1, 2), 250
    with Runner(1) as runner:
        made = evaluate(params.with_values(truth), targets, seeds, n, runner)
        synthetic = [
            Target(t.label, t.scenario, d, t.clock, t.node, t.start)
            for t, d in zip(targets, made, strict=True)
        ]
        result = fit(
            params.with_values(start),
            targets=synthetic,
            free=list(truth),
            seeds=seeds,
            containers=n,
            runner=runner,
            max_evaluations=45,
        )
    assert result.values["regimes/today/posts/malaszewicze/entry"] == pytest.approx(70, rel=0.1)
    assert result.values["physical/poti_dwell_h"] == pytest.approx(150, rel=0.1)
    assert all(abs(r.relative) < 0.02 for r in result.residuals)


def test_every_published_figure_is_a_target_and_a_target_for_the_future_is_not() -> None:
    params = shipped()
    labels = [t.label for t in published_targets(params)]
    assert len(labels) == 6
    assert not any(t.scenario == "digital" for t in published_targets(params))


def test_the_published_figures_and_the_model_meet_where_the_readme_says() -> None:
    """The shipped fit's residuals are what the model gives now (the fit is not stale)."""
    doc = yaml.safe_load((resources.files("corridor.sim") / "fitted.yaml").read_text())
    by_label = {r["target"]: r["model_days"] for r in doc["residuals"]}
    targets = published_targets(shipped())
    with Runner(1) as runner:
        now = evaluate(shipped(), targets, doc["seeds"], doc["containers"], runner)
    for t, days in zip(targets, now, strict=True):
        assert days == pytest.approx(by_label[t.label], abs=0.02), t.label


def test_simulate_runs_a_whole_year_of_the_2027_corridor_when_feeders_are_added() -> None:
    params = shipped().with_values({"fleets/2027/black_sea_extra_feeders": 3})
    warm = params.physical_value("warmup_h")
    r = simulate("digital-2027", 100_000, 1, params=params, until_h=warm + 365 * 24)
    assert r.delivered > 3000
