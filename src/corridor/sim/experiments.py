"""Experiments on the model: replications over seeds on every core, confidence intervals,
the decomposition of the difference between two scenarios into procedure and capacity, the
fleet a target would take, and the sensitivity of the median to each parameter.

Every comparison uses common random numbers: the same seeds for every variant, so that a
difference is the variants' and not the dice's.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import statistics
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from scipy import stats

from corridor.exceptions import InvalidInput
from corridor.network import corridor
from corridor.sim.model import Simulation
from corridor.sim.params import Parameters, Published, Regime
from corridor.sim.report import breakdown
from corridor.sim.results import Results
from corridor.sim.world import World

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Run:
    """What one run tells an experiment: medians by both clocks, at each published
    checkpoint and over each published segment, the days per place, and the loads."""

    label: str
    seed: int
    p50: float
    p50_booking: float
    p90: float
    delivered: int
    events: int
    checkpoints: dict[str, float]
    segments: dict[str, float]
    places: list[tuple[str, dict[str, float]]]
    loads: dict[str, float]
    utilisation: dict[str, float]
    stable: bool = True
    # Days from departure to delivery of each container (for the distribution plot).
    transit: tuple[float, ...] = ()

    def median(self, clock: str) -> float:
        """The end-to-end median in days by `clock`."""
        return self.p50_booking if clock == "booking" else self.p50


@dataclass(frozen=True)
class Task:
    """One run to make: a world, a seed and a number of containers."""

    label: str
    world: World
    params: Parameters
    containers: int
    seed: int


def summarise_run(label: str, results: Results, published: Published | None) -> Run:
    """An experiment's view of one run."""
    checkpoints = {
        cp.node: results.percentile(50, cp.node)
        for cp in (published.checkpoints if published else [])
    }
    segments = {
        f"{s.start}->{s.end}": _median_days(results.segment_h(s.start, s.end))
        for s in (published.segments if published else [])
    }
    return Run(
        label=label,
        seed=results.seed,
        p50=results.percentile(50),
        p50_booking=results.percentile(50, clock="booking"),
        p90=results.percentile(90),
        delivered=results.delivered,
        events=results.events,
        checkpoints=checkpoints,
        segments=segments,
        places=breakdown(results),
        loads=results.loads,
        utilisation=results.utilisation(),
        transit=tuple((results.transit_h() / 24).round(3).tolist()),
    )


def _median_days(hours: Any) -> float:
    return float(statistics.median(hours.tolist())) / 24 if len(hours) else math.nan


def run_task(task: Task) -> Run:
    """Make one run (in a worker process or here). A world whose demand exceeds a
    resource's capacity gives an unstable run, not an error."""
    published = task.params.published.get(task.world.scenario.name)
    try:
        sim = Simulation(corridor(), task.params, task.world, task.containers, task.seed)
    except InvalidInput:
        nan = math.nan
        return Run(task.label, task.seed, nan, nan, nan, 0, 0, {}, {}, [], {}, {}, stable=False)
    return summarise_run(task.label, sim.run(), published)


class Runner:
    """Runs tasks on every core (or here, with one worker), in order."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: Executor | None = None

    def __enter__(self) -> Runner:
        if self.workers > 1:
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def map(self, tasks: Sequence[Task], progress: Progress | None = None) -> list[Run]:
        """Each task's run, in the tasks' order."""
        if self._pool is None:
            out = []
            for t in tasks:
                out.append(run_task(t))
                if progress:
                    progress(1)
            return out
        futures = [self._pool.submit(run_task, t) for t in tasks]
        results = []
        for f in futures:
            results.append(f.result())
            if progress:
                progress(1)
        return results


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its 95 % confidence interval (Student's t)."""

    mean: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Estimate:
        """The estimate from per-seed values (NaN when a run was unstable)."""
        xs = [v for v in values if not math.isnan(v)]
        if not xs:
            return cls(math.nan, math.nan, math.nan, 0)
        m = statistics.fmean(xs)
        if len(xs) < 2:
            return cls(m, m, m, 1)
        half = stats.t.ppf(0.975, len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs))
        return cls(m, m - half, m + half, len(xs))

    def __str__(self) -> str:
        if self.n == 0:
            return "unstable"
        return f"{self.mean:.1f} [{self.low:.1f}, {self.high:.1f}]"


# ----- decomposition ------------------------------------------------------------------------

# The parameters a difference between two scenarios is split by, in the order they are
# switched from the first scenario's values to the second's.
PROCEDURE_GROUPS: dict[str, tuple[str, ...]] = {
    "customs time": ("customs_h", "customs_cv", "customs_lanes", "posts"),
    "risk lanes": ("inspect_prob", "inspect_h"),
    "documentary holds": ("missing_doc_prob", "missing_doc_h", "holds"),
    "pre-arrival booking": ("ferry_min_load", "ferry_max_wait_h", "train_max_wait_h"),
}
CAPACITY_GROUPS: dict[str, tuple[str, ...]] = {
    "demand": (
        "trains_per_week",
        "tracked_feu_day",
        "caspian_other_feu_day",
        "black_sea_other_feu_day",
        "interchange_other_trains_day",
    ),
    "Caspian fleet": ("caspian_vessels",),
    "Black Sea services": ("services",),
    "interchange": ("interchange_trains_day", "platforms"),
    "season": ("closures",),
}


def _mix(a: Regime, b: Regime, keys: set[str]) -> Regime:
    values = {k: (b.values[k] if k in keys else v) for k, v in a.values.items()}
    return Regime(
        name=a.name,
        label=a.label,
        values=values,
        posts=b.posts if "posts" in keys else a.posts,
        holds=b.holds if "holds" in keys else a.holds,
    )


def path(a: World, b: World) -> list[tuple[str, str, World]]:
    """The worlds from `a` to `b`, one group of parameters switched at a time: (kind,
    group, world after the switch). The last world runs like `b`."""
    out = []
    switched: set[str] = set()
    world = a
    for kind, groups in (("procedure", PROCEDURE_GROUPS), ("capacity", CAPACITY_GROUPS)):
        for group, keys in groups.items():
            if kind == "procedure":
                switched |= set(keys)
                world = replace(world, regime=_mix(a.regime, b.regime, switched))
            else:
                world = replace(world, **{k: getattr(b, k) for k in keys})
            out.append((kind, group, world))
    return out


@dataclass(frozen=True)
class Step:
    """Days one group of parameters takes off (negative: adds to) the median."""

    kind: str
    group: str
    days: Estimate


@dataclass(frozen=True)
class Decomposition:
    """The difference between two scenarios' medians, and its parts by group."""

    start: str
    end: str
    total: Estimate
    steps: list[Step]

    def by_kind(self, kind: str) -> float:
        """The days of all groups of one kind (procedure or capacity)."""
        return sum(s.days.mean for s in self.steps if s.kind == kind and s.days.n)


def decompose(
    params: Parameters,
    a: World,
    b: World,
    seeds: Sequence[int],
    containers: int,
    runner: Runner,
    progress: Progress | None = None,
    clock: str = "departure",
) -> Decomposition:
    """How many days each group of parameters is worth between worlds `a` and `b`."""
    worlds = [("start", "", a), *path(a, b)]
    tasks = [Task(g, w, params, containers, s) for _, g, w in worlds for s in seeds]
    runs = runner.map(tasks, progress)
    medians = [
        [r.median(clock) for r in runs[i : i + len(seeds)]] for i in range(0, len(runs), len(seeds))
    ]
    steps = []
    for i, (kind, group, _) in enumerate(worlds[1:], start=1):
        diffs = [x - y for x, y in zip(medians[i - 1], medians[i], strict=True)]
        steps.append(Step(kind, group, Estimate.of(diffs)))
    total = Estimate.of(x - y for x, y in zip(medians[0], medians[-1], strict=True))
    return Decomposition(a.scenario.name, b.scenario.name, total, steps)


# ----- what fleet a target takes ------------------------------------------------------------


@dataclass(frozen=True)
class FleetNeed:
    """The smallest additions (found greedily) that bring a world's median to a target."""

    caspian_vessels: int
    black_sea_feeders: int
    median: Estimate
    met: bool
    tried: list[tuple[int, int, float]] = field(default_factory=list)


def fleet_for(
    params: Parameters,
    world: World,
    target_days: float,
    seeds: Sequence[int],
    containers: int,
    runner: Runner,
    *,
    max_vessels: int = 12,
    max_feeders: int = 6,
    progress: Progress | None = None,
) -> FleetNeed:
    """Add Caspian vessels or Black Sea feeders (the sailing of the first service again),
    one at a time, whichever lowers the median more, until it is at or under `target_days`
    or both limits are reached."""
    feeder = world.services[0]

    def variant(v: int, f: int) -> World:
        added = tuple(replace(feeder, name=f"{feeder.name} (added {k + 1})") for k in range(f))
        return replace(
            world, caspian_vessels=world.caspian_vessels + v, services=world.services + added
        )

    def measure(v: int, f: int) -> Estimate:
        runs = runner.map(
            [Task("fleet", variant(v, f), params, containers, s) for s in seeds], progress
        )
        return Estimate.of(r.p50 for r in runs)

    v = f = 0
    current = measure(0, 0)
    tried = [(0, 0, current.mean)]
    while not (current.n and current.mean <= target_days):
        options = []
        if v < max_vessels:
            options.append((v + 1, f))
        if f < max_feeders:
            options.append((v, f + 1))
        if not options:
            break
        scored = [(measure(*o), o) for o in options]
        for est, (ov, of) in scored:
            tried.append((ov, of, est.mean))
        best, (v, f) = min(scored, key=lambda x: math.inf if not x[0].n else x[0].mean)
        current = best
    return FleetNeed(v, f, current, bool(current.n and current.mean <= target_days), tried)


# ----- sensitivity --------------------------------------------------------------------------


@dataclass(frozen=True)
class Swing:
    """The median with one parameter at its low and its high value."""

    path: str
    low_value: float
    high_value: float
    low: float
    high: float
    base: float

    @property
    def width(self) -> float:
        """How far the parameter moves the median (unstable counts as furthest)."""
        lo = self.low if not math.isnan(self.low) else math.inf
        hi = self.high if not math.isnan(self.high) else math.inf
        return max(abs(lo - self.base), abs(hi - self.base))


INTEGER = ("vessels", "capacity", "customs_lanes", "train_capacity", "platforms")


def ranges(
    params: Parameters, world: World, spread: float = 0.25
) -> dict[str, tuple[float, float]]:
    """Low and high values for every parameter the world uses: a fitted value's bounds,
    others ±`spread`, shares kept within [0, 1], counts whole and moved by at least one."""
    used = _used_paths(params, world)
    out = {}
    for p, value in params.values().items():
        if p not in used or value.v == 0:
            continue
        if value.fit:
            out[p] = value.fit
            continue
        lo, hi = value.v * (1 - spread), value.v * (1 + spread)
        if any(p.endswith(k) for k in INTEGER):
            lo, hi = min(round(lo), value.v - 1), max(round(hi), value.v + 1)
            lo = max(lo, 1)
        if value.v <= 1 and ("prob" in p or "closures" in p or "load" in p or "origins" in p):
            hi = min(hi, 1.0 if "load" in p else 0.95)
        if "origins" in p:
            continue
        out[p] = (lo, hi)
    return out


def _used_paths(params: Parameters, world: World) -> set[str]:
    s = world.scenario
    prefixes = (
        "physical/",
        "caspian/",
        "black_sea/",
        "interchange/",
        f"demand/{_base_demand(params)}/",
        f"demand/{s.demand}/",
        f"fleets/{s.fleet}/",
        f"regimes/{s.regime}/",
    )
    closures = {f"closures/{port}/{s.season}" for port in params.closures}
    return {p for p in params.values() if p.startswith(prefixes) or p in closures}


def _base_demand(params: Parameters) -> str:
    return next(k for k, v in params.demand.items() if "scale" not in v)


def tornado(
    params: Parameters,
    scenario: str,
    seeds: Sequence[int],
    containers: int,
    runner: Runner,
    progress: Progress | None = None,
    spread: float = 0.25,
) -> list[Swing]:
    """The median with each parameter at its low and high value, widest first."""
    world = World.of(params, scenario)
    spans = ranges(params, world, spread)
    tasks = [Task("base", world, params, containers, s) for s in seeds]
    keys: list[tuple[str, float]] = []
    for p, (lo, hi) in spans.items():
        for value in (lo, hi):
            changed = params.with_values({p: value})
            tasks += [Task(p, World.of(changed, scenario), changed, containers, s) for s in seeds]
            keys.append((p, value))
    runs = runner.map(tasks, progress)
    n = len(seeds)

    def mean(i: int) -> float:
        xs = [r.p50 for r in runs[i * n : (i + 1) * n]]
        return math.nan if any(math.isnan(x) for x in xs) else statistics.fmean(xs)

    base = mean(0)
    swings = []
    for j, p in enumerate(spans):
        lo_value, hi_value = spans[p]
        swings.append(Swing(p, lo_value, hi_value, mean(1 + 2 * j), mean(2 + 2 * j), base))
    return sorted(swings, key=lambda s: -s.width)
