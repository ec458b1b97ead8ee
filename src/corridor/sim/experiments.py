"""Runs of the model for experiments: replications over seeds on every core, what one run
tells an experiment, and estimates with their confidence intervals over seeds.

Every comparison uses common random numbers: the same seeds for every variant, so that a
difference is the variants' and not the dice's (decompose, sensitivity, calibrate).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import statistics
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from scipy import stats

from corridor.exceptions import InvalidInput
from corridor.network import corridor
from corridor.sim.model import Simulation
from corridor.sim.params import Parameters
from corridor.sim.published import Published
from corridor.sim.results import Results, breakdown
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
    # Why a run could not be made (a resource loaded beyond its capacity).
    note: str = ""
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
    except InvalidInput as e:
        nan = math.nan
        return Run(task.label, task.seed, nan, nan, nan, 0, 0, {}, {}, [], {}, {}, False, e.detail)
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
