"""The corridor model as a workflow: run scenarios over seeds, set them beside the published
figures, split the difference between scenarios into procedure and capacity, find the fleet a
target takes, fit the unsourced parameters, rank the parameters by what they move; write CSV
files and plots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from corridor.customs.declarations import synthetic
from corridor.customs.profiles import ProfileIndex, parse_profiles
from corridor.customs.selectivity import assess, calibrate
from corridor.network import corridor
from corridor.services import targeting
from corridor.sim import World, shipped
from corridor.sim.calibrate import FitResult, fit, write
from corridor.sim.experiments import (
    Decomposition,
    Estimate,
    FleetNeed,
    Run,
    Runner,
    Swing,
    Task,
    decompose,
    fleet_for,
    ranges,
    tornado,
)
from corridor.sim.params import Parameters, Published, Value
from corridor.sim.report import (
    label,
    mean_breakdown,
    plot_decompositions,
    plot_runs,
    plot_tornado,
    write_rows,
)

Progress = Callable[[int], None]
TOLERANCE = 0.15


@dataclass(frozen=True)
class Check:
    """The model's median to a node part-way or over a segment, beside the published one."""

    place: str
    model: Estimate
    low: float
    high: float
    year: str
    route: str

    @property
    def point(self) -> float:
        return (self.low + self.high) / 2

    @property
    def distance(self) -> float:
        """Days from the published range (0 inside it)."""
        m = self.model.mean
        return max(0.0, m - self.high) + min(0.0, m - self.low)

    @property
    def within(self) -> bool:
        """Within ±15 % of the published range's middle."""
        return abs(self.model.mean - self.point) <= TOLERANCE * self.point


@dataclass(frozen=True)
class ScenarioReport:
    """One scenario over the seeds: its medians, the published figure and the model's
    distance from it, the checks part-way, where the days go and how loaded it is."""

    name: str
    label: str
    median: Estimate
    median_booking: Estimate
    p90: Estimate
    published: Published | None
    model: Estimate
    checkpoints: list[Check]
    segments: list[Check]
    worst_places: list[tuple[str, float]]
    loads: dict[str, float]
    busiest: str
    busiest_utilisation: float

    @property
    def verdict(self) -> str:
        if self.published is None or not self.model.n:
            return "unstable" if not self.model.n else ""
        return self.published.verdict(self.model.mean)

    @property
    def distance(self) -> float:
        return 0.0 if self.published is None else self.published.distance(self.model.mean)

    @property
    def within(self) -> bool:
        return bool(self.published and self.published.within(self.model.mean, TOLERANCE))


@dataclass(frozen=True)
class TargetAnswer:
    """Whether the target scenario meets its published target with today's fleet, and what
    fleet it would take."""

    scenario: str
    target_days: float
    median: Estimate
    meets: bool
    fleet: FleetNeed | None


@dataclass(frozen=True)
class CompareReport:
    """Every scenario run, the decompositions, the answer on the target, the files."""

    scenarios: list[ScenarioReport]
    decompositions: list[Decomposition]
    target: TargetAnswer | None
    files: list[Path]
    lanes: list[LaneShares]
    route: str
    seeds: list[int]
    containers: int
    northern_ratio: Estimate | None


@dataclass(frozen=True)
class LaneShares:
    """The lanes one authority's risk engine gave over synthetic declarations."""

    authority: str
    declarations: int
    red: float
    yellow: float
    blue: float
    green: float


# The authorities on the simulated route, and how long a decision takes by lane: green and
# blue are cleared on the pre-arrival data (TEZ Customs: 30 min), yellow is a documentary
# check (ASTANA-1: "up to 4 h"); red is the simulator's physical inspection.
ROUTE_AUTHORITIES = ("kz-customs", "az-customs", "ge-customs", "ro-customs")
CLEARED_H = 0.5
DOCUMENTARY_H = 4.0
SAMPLE = 10_000
# The differences the comparison splits into procedure and capacity.
PAIRS = (("paper", "today"), ("today", "digital"), ("today", "digital-2027"))
TARGET_SCENARIO = "digital"
# The most the fleet search adds: as many vessels again as today's six, four more feeders.
MAX_ADDED_VESSELS = 6
MAX_ADDED_FEEDERS = 4


@cache
def risk_engine_lanes(n: int = SAMPLE) -> list[LaneShares]:
    """Each route authority's lane shares: its shipped targeting, calibrated as a node
    installing it would, run over `n` synthetic declarations of its procedures."""
    out = []
    day = date(2026, 3, 1)
    for authority in ROUTE_AUTHORITIES:
        text = targeting.shipped_profiles(authority)
        if text is None:
            continue
        ps = parse_profiles(text, f"{authority}.yaml")
        index = ProfileIndex(ps.profiles, day)
        procedures = ps.office.procedures
        rates = calibrate(synthetic(n, 1, procedures), index, ps.office, b"calibration").rates
        lanes = Counter(
            assess(d, index, ps.office, rates, b"simulation").channel
            for d in synthetic(n, 2, procedures)
        )
        out.append(
            LaneShares(
                authority, n, *(lanes[lane] / n for lane in ("red", "yellow", "blue", "green"))
            )
        )
    return out


def with_risk_engine(params: Parameters) -> Parameters:
    """The parameters with the digital regime's inspection probability and decision time
    taken from the risk engine instead of assumed."""
    lanes = risk_engine_lanes()
    digital = params.regimes.get("digital")
    if digital is None or not lanes:
        return params
    red = sum(x.red for x in lanes) / len(lanes)
    yellow = sum(x.yellow for x in lanes) / len(lanes)
    hours = (1 - red - yellow) * CLEARED_H + yellow * DOCUMENTARY_H
    per = ", ".join(
        f"{x.authority[:2].upper()} {x.red:.1%} red / {x.yellow:.1%} yellow" for x in lanes
    )
    basis = f"risk engine over {lanes[0].declarations:,} synthetic declarations per office ({per})"
    values = {
        **digital.values,
        "inspect_prob": Value(v=round(red, 4), src=f"{basis}: mean red share"),
        "customs_h": Value(
            v=round(hours, 3),
            src=f"{basis}: green/blue cleared in {CLEARED_H} h (TEZ), yellow checked in "
            f"{DOCUMENTARY_H} h (ASTANA-1 'up to 4 h')",
        ),
    }
    regime = digital.model_copy(update={"values": values})
    return params.model_copy(update={"regimes": {**params.regimes, "digital": regime}})


def scenarios() -> list[str]:
    """The scenarios the model knows, in file order."""
    return list(shipped().scenarios)


def seasons() -> list[str]:
    """The seasons a scenario may be run in."""
    return list(shipped().seasons)


def _check(
    place: str, values: list[float], low: float, high: float, year: str, route: str
) -> Check:
    return Check(place, Estimate.of(values), low, high, year, route)


def _scenario_report(params: Parameters, name: str, runs: list[Run]) -> ScenarioReport:
    net = corridor()
    pub = params.published.get(name)
    clock = pub.clock if pub else "departure"
    stable = [r for r in runs if r.stable]
    places = mean_breakdown(stable)
    worst = sorted(places, key=lambda pv: -sum(pv[1].values()))[:3]
    util: dict[str, float] = {}
    for r in stable:
        for k, v in r.utilisation.items():
            util[k] = util.get(k, 0.0) + v / len(stable)
    busiest = max(util, key=lambda k: util[k]) if util else "-"
    return ScenarioReport(
        name=name,
        label=params.scenarios[name].label,
        median=Estimate.of(r.p50 for r in runs),
        median_booking=Estimate.of(r.p50_booking for r in runs),
        p90=Estimate.of(r.p90 for r in runs),
        published=pub,
        model=Estimate.of(r.median(clock) for r in runs),
        checkpoints=[
            _check(
                label(net, cp.node),
                [r.checkpoints.get(cp.node, float("nan")) for r in runs],
                cp.low,
                cp.high,
                cp.year,
                cp.route,
            )
            for cp in (pub.checkpoints if pub else [])
        ],
        segments=[
            _check(
                f"{label(net, s.start)} -> {label(net, s.end)}",
                [r.segments.get(f"{s.start}->{s.end}", float("nan")) for r in runs],
                s.low,
                s.high,
                s.year,
                s.route,
            )
            for s in (pub.segments if pub else [])
        ],
        worst_places=[(label(net, p), sum(v.values())) for p, v in worst],
        loads=runs[0].loads if runs else {},
        busiest=busiest,
        busiest_utilisation=util.get(busiest, 0.0),
    )


def compare(
    names: Sequence[str],
    containers: int,
    seeds: Sequence[int],
    out: Path,
    *,
    season: str | None = None,
    decompose_pairs: bool = True,
    find_fleet: bool = True,
    progress: Callable[[str, int], Progress] | None = None,
    workers: int | None = None,
) -> CompareReport:
    """Run each scenario over the seeds (the same seeds for all), split the differences
    between them into procedure and capacity, and say whether the digital scenario meets its
    target and what fleet it would take. Unknown scenarios are refused before anything
    runs."""
    params = with_risk_engine(shipped())
    worlds = {n: World.of(params, n, season=season) for n in names}
    seeds = list(seeds)

    def bar(stage: str, total: int) -> Progress | None:
        return progress(stage, total) if progress else None

    with Runner(workers) as runner:
        tasks = [Task(n, w, params, containers, s) for n, w in worlds.items() for s in seeds]
        runs = runner.map(tasks, bar("scenarios", len(tasks)))
        by: dict[str, list[Run]] = {n: [] for n in names}
        for t, r in zip(tasks, runs, strict=True):
            by[t.label].append(r)
        reports = [_scenario_report(params, n, by[n]) for n in names]
        decompositions = []
        if decompose_pairs:
            for a, b in PAIRS:
                if a in worlds and b in worlds:
                    steps = 6 + len(seeds) * 9
                    decompositions.append(
                        decompose(
                            params,
                            worlds[a],
                            worlds[b],
                            seeds,
                            containers,
                            runner,
                            bar(f"{a} -> {b}", steps),
                        )
                    )
        target = None
        pub = params.published.get(TARGET_SCENARIO)
        if TARGET_SCENARIO in worlds and pub is not None:
            est = next(r.model for r in reports if r.name == TARGET_SCENARIO)
            meets = bool(est.n and est.mean <= pub.high)
            need = None
            if find_fleet and not meets:
                need = fleet_for(
                    params,
                    worlds[TARGET_SCENARIO],
                    pub.high,
                    seeds,
                    containers,
                    runner,
                    max_vessels=MAX_ADDED_VESSELS,
                    max_feeders=MAX_ADDED_FEEDERS,
                    progress=bar("fleet for the target", 0),
                )
            target = TargetAnswer(TARGET_SCENARIO, pub.high, est, meets, need)
    northern = None
    if "northern" in by and "today" in by:
        northern = Estimate.of(
            a.p50 / b.p50 for a, b in zip(by["today"], by["northern"], strict=True)
        )
    files = _write(params, reports, by, decompositions, out)
    spec = params.route
    net = corridor()
    route = " -> ".join(label(net, n) for n in (spec.origin, *spec.via, spec.destination))
    return CompareReport(
        reports,
        decompositions,
        target,
        files,
        risk_engine_lanes() if "digital" in names else [],
        route,
        seeds,
        containers,
        northern,
    )


def _write(
    params: Parameters,
    reports: list[ScenarioReport],
    runs: dict[str, list[Run]],
    decompositions: list[Decomposition],
    out: Path,
) -> list[Path]:
    summary = [
        [
            r.name,
            f"{r.median.mean:.2f}",
            f"{r.median.low:.2f}",
            f"{r.median.high:.2f}",
            f"{r.median_booking.mean:.2f}",
            r.published.clock if r.published else "",
            f"{r.published.low:g}-{r.published.high:g}" if r.published else "",
            f"{r.distance:+.2f}",
            r.verdict,
        ]
        for r in reports
    ]
    files = [
        write_rows(
            out / "summary.csv",
            [
                "scenario",
                "p50_days",
                "ci_low",
                "ci_high",
                "p50_from_booking",
                "clock",
                "published",
                "distance",
                "verdict",
            ],
            summary,
        ),
        write_rows(
            out / "breakdown.csv",
            ["scenario", "place", "moving_days", "processing_days", "waiting_days"],
            [
                [name, place, *(f"{split[k]:.3f}" for k in split)]
                for name, rs in runs.items()
                for place, split in mean_breakdown([r for r in rs if r.stable])
            ],
        ),
        write_rows(
            out / "transit_times.csv",
            ["scenario", "seed", "container", "transit_days"],
            [
                [r.label, r.seed, i, d]
                for rs in runs.values()
                for r in rs
                for i, d in enumerate(r.transit)
            ],
        ),
    ]
    if decompositions:
        files.append(
            write_rows(
                out / "decomposition.csv",
                ["from", "to", "kind", "group", "days", "ci_low", "ci_high"],
                [
                    [
                        d.start,
                        d.end,
                        s.kind,
                        s.group,
                        f"{s.days.mean:.2f}",
                        f"{s.days.low:.2f}",
                        f"{s.days.high:.2f}",
                    ]
                    for d in decompositions
                    for s in d.steps
                ],
            )
        )
        files += plot_decompositions(decompositions, out)
    files += plot_runs(runs, params.published, corridor(), out)
    return files


def fit_parameters(
    seeds: Sequence[int],
    containers: int,
    *,
    folder: Path | None = None,
    max_evaluations: int = 120,
    progress: Callable[[int, float], None] | None = None,
    workers: int | None = None,
) -> tuple[FitResult, Path | None]:
    """Fit the model's unsourced parameters to the published figures; with `folder`, write
    the fitted values there (the package's own folder to ship them)."""
    with Runner(workers) as runner:
        result = fit(
            shipped(),
            seeds=seeds,
            containers=containers,
            runner=runner,
            max_evaluations=max_evaluations,
            progress=progress,
        )
    return result, (write(result, folder) if folder else None)


def sensitivity(
    scenario: str,
    seeds: Sequence[int],
    containers: int,
    out: Path,
    *,
    progress: Callable[[int], Progress] | None = None,
    workers: int | None = None,
) -> tuple[list[Swing], list[Path]]:
    """Every parameter the scenario uses at its low and high value (a fitted value's bounds,
    others ±25 %): the median each gives, widest swing first, with the tornado plot."""
    params = with_risk_engine(shipped())
    params.scenario(scenario)
    with Runner(workers) as runner:
        total = (1 + 2 * len(ranges(params, World.of(params, scenario)))) * len(seeds)
        swings = tornado(
            params, scenario, list(seeds), containers, runner, progress(total) if progress else None
        )
    files = [
        write_rows(
            out / "tornado.csv",
            ["parameter", "low_value", "high_value", "median_low", "median_high", "median_base"],
            [
                [
                    s.path,
                    s.low_value,
                    s.high_value,
                    f"{s.low:.2f}",
                    f"{s.high:.2f}",
                    f"{s.base:.2f}",
                ]
                for s in swings
            ],
        ),
        *plot_tornado(swings, scenario, out),
    ]
    return swings, files


__all__ = [
    "CompareReport",
    "LaneShares",
    "ScenarioReport",
    "TargetAnswer",
    "compare",
    "fit_parameters",
    "risk_engine_lanes",
    "scenarios",
    "seasons",
    "sensitivity",
    "with_risk_engine",
]
