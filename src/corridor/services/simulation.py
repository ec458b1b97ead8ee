"""The corridor model as a workflow: run scenarios over seeds, set them beside the published
figures, split the difference between scenarios into procedure and capacity, find the fleet a
target takes, fit the unsourced parameters, rank the parameters by what they move; write CSV
files and plots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from corridor import sim
from corridor.network import corridor
from corridor.services.risk_lanes import (
    CLEARED_H,
    DOCUMENTARY_H,
    ROUTE_AUTHORITIES,
    LaneShares,
    risk_engine_lanes,
    with_risk_engine,
)
from corridor.sim import World, shipped
from corridor.sim.calibrate import FitResult, fit
from corridor.sim.calibrate import write as save_fit
from corridor.sim.decompose import Decomposition, FleetNeed, decompose, fleet_for, path
from corridor.sim.experiments import Estimate, Run, Runner, Task
from corridor.sim.params import Parameters
from corridor.sim.report import (
    label,
    mean_breakdown,
    plot_decompositions,
    plot_runs,
    plot_tornado,
    write_rows,
)
from corridor.sim.sensitivity import Swing, ranges, tornado
from corridor.sim.verdicts import Check, ScenarioReport, scenario_report

Progress = Callable[[int], None]


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


# The differences the comparison splits into procedure and capacity.
PAIRS = (("paper", "today"), ("today", "digital"), ("today", "digital-2027"))
TARGET_SCENARIO = "digital"
# The most the fleet search adds: as many vessels again as today's six, four more feeders.
MAX_ADDED_VESSELS = 6
MAX_ADDED_FEEDERS = 4


def scenarios() -> list[str]:
    """The scenarios the model knows, in file order."""
    return list(shipped().scenarios)


def seasons() -> list[str]:
    """The seasons a scenario may be run in."""
    return list(shipped().seasons)


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
        reports = [scenario_report(params, n, by[n]) for n in names]
        decompositions = []
        if decompose_pairs:
            stable = {r.name for r in reports if not r.unstable}
            for a, b in PAIRS:
                # A scenario that cannot run has its reason on its line, not a decomposition.
                if a in stable and b in stable:
                    steps = len(seeds) * (1 + len(path(worlds[a], worlds[b])))
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
    write: bool = False,
    max_evaluations: int = 120,
    progress: Callable[[int, float], None] | None = None,
    workers: int | None = None,
) -> tuple[FitResult, Path | None]:
    """Fit the model's unsourced parameters to the published figures; with `write`, ship
    the fitted values in the package's fitted.yaml."""
    with Runner(workers) as runner:
        result = fit(
            shipped(),
            seeds=seeds,
            containers=containers,
            runner=runner,
            max_evaluations=max_evaluations,
            progress=progress,
        )
    return result, (save_fit(result, Path(sim.__file__).parent) if write else None)


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
    "CLEARED_H",
    "DOCUMENTARY_H",
    "ROUTE_AUTHORITIES",
    "Check",
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
