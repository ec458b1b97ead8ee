"""Each scenario set beside the published figures: its median with its interval over seeds,
the distance from the published range and whether it lies within 15 % of it, the part-way
checks and segments, where the days go and how loaded the shared resources are."""

from __future__ import annotations

from dataclasses import dataclass

from corridor.network import corridor
from corridor.sim.experiments import Estimate, Run
from corridor.sim.params import Parameters
from corridor.sim.published import Published
from corridor.sim.report import label, mean_breakdown

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
    # Why the scenario could not run, when it could not.
    unstable: str = ""

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


def _check(
    place: str, values: list[float], low: float, high: float, year: str, route: str
) -> Check:
    return Check(place, Estimate.of(values), low, high, year, route)


def scenario_report(params: Parameters, name: str, runs: list[Run]) -> ScenarioReport:
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
        unstable=next((r.note for r in runs if not r.stable), ""),
        busiest=busiest,
        busiest_utilisation=util.get(busiest, 0.0),
    )
