"""The corridor simulator as a workflow: run regimes, summarise them against the published
figures, and write CSV files and plots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from corridor.customs.declarations import synthetic
from corridor.customs.profiles import ProfileIndex, parse_profiles
from corridor.customs.selectivity import assess, calibrate
from corridor.network import corridor
from corridor.services import targeting
from corridor.sim import Results, simulate
from corridor.sim.params import Published, Regime, Regimes, Value, shipped_regimes
from corridor.sim.report import Summary, breakdown, label, plot, summarise, write_csv


@dataclass(frozen=True)
class CheckpointReport:
    """The model's median time to a node part-way, beside the published time to it."""

    place: str
    p50: float
    low: float
    high: float
    year: str
    route: str
    distance: float


@dataclass(frozen=True)
class RegimeReport:
    """One regime's run: its figures, the published figure it is compared with and the
    model's distance from it (days, + when the model is slower), the part-way checks, the
    three places where most days go, and its busiest resource."""

    summary: Summary
    published: Published | None
    verdict: str
    distance: float
    checkpoints: list[CheckpointReport]
    worst_places: list[tuple[str, float]]
    busiest: str
    busiest_utilisation: float


@dataclass(frozen=True)
class SimulationReport:
    """Every regime run, the files written, and where the digital regime's lanes come
    from."""

    regimes: list[RegimeReport]
    files: list[Path]
    lanes: list[LaneShares]
    route: str


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


def with_risk_engine(params: Regimes) -> Regimes:
    """The regimes with the digital regime's inspection probability and decision time
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
    regime = Regime(name="digital", label=digital.label, values=values, posts=digital.posts)
    return params.model_copy(update={"regimes": {**params.regimes, "digital": regime}})


def regimes() -> list[str]:
    """The regimes the simulator knows, in file order."""
    return list(shipped_regimes().regimes)


def run(
    names: list[str],
    containers: int,
    seed: int,
    out: Path,
    progress: Callable[[str], Callable[[int], None]] | None = None,
) -> SimulationReport:
    """Run each regime with the same seed; `progress(name)` gives a per-delivery callback.
    Unknown regimes are refused before anything runs."""
    params = with_risk_engine(shipped_regimes())
    for name in names:
        params.regime(name)
    results: list[Results] = [
        simulate(
            name, containers, seed, params=params, on_delivery=progress(name) if progress else None
        )
        for name in names
    ]
    return _report(results, out)


def _report(results: list[Results], out: Path) -> SimulationReport:
    published = shipped_regimes().published
    net = corridor()
    rows = []
    for r in results:
        s = summarise(r)
        pub = published.get(r.regime)
        worst = sorted(breakdown(r), key=lambda pv: -sum(pv[1].values()))[:3]
        util = r.utilisation()
        busiest = max(util, key=lambda k: util[k]) if util else "-"
        checkpoints = [
            CheckpointReport(
                label(net, cp.node), p50, cp.low, cp.high, cp.year, cp.route, cp.distance(p50)
            )
            for cp in (pub.checkpoints if pub else [])
            for p50 in [r.percentile(50, cp.node)]
        ]
        rows.append(
            RegimeReport(
                summary=s,
                published=pub,
                verdict="" if pub is None else pub.verdict(s.p50),
                distance=0.0 if pub is None else pub.distance(s.p50),
                checkpoints=checkpoints,
                worst_places=[(label(net, p), sum(v.values())) for p, v in worst],
                busiest=busiest,
                busiest_utilisation=util.get(busiest, 0.0),
            )
        )
    files = write_csv(results, out) + plot(results, published, net, out)
    digital = any(r.regime == "digital" for r in results)
    spec = shipped_regimes().route
    route = " -> ".join(label(net, n) for n in (spec.origin, *spec.via, spec.destination))
    return SimulationReport(rows, files, risk_engine_lanes() if digital else [], route)
