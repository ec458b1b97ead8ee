"""Which parameters move the median most: each at its low and high value (a fitted value's
bounds, others a spread either side), the rest as they are, over the same seeds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from corridor.sim.experiments import Progress, Runner, Task
from corridor.sim.params import Parameters
from corridor.sim.world import World


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
