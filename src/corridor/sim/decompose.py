"""What digitisation buys, separated from what ships buy: the difference between two
scenarios split into groups of procedure and capacity parameters, switched one group at a
time, each step with its interval over the same seeds; and the fleet a target would take."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from corridor.sim.experiments import Estimate, Progress, Runner, Task
from corridor.sim.params import Parameters, Regime
from corridor.sim.world import World

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
