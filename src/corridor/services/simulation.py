"""The corridor simulator as a workflow: run regimes, summarise them against the published
figures, and write CSV files and plots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from corridor.network import corridor
from corridor.sim import Results, simulate
from corridor.sim.params import Published, shipped_regimes
from corridor.sim.report import Summary, breakdown, label, plot, summarise, write_csv


@dataclass(frozen=True)
class RegimeReport:
    """One regime's run: its figures, the published figure it is compared with, the three
    places where most days go, and its busiest resource."""

    summary: Summary
    published: Published | None
    verdict: str
    worst_places: list[tuple[str, float]]
    busiest: str
    busiest_utilisation: float


@dataclass(frozen=True)
class SimulationReport:
    """Every regime run, and the files written."""

    regimes: list[RegimeReport]
    files: list[Path]


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
    params = shipped_regimes()
    for name in names:
        params.regime(name)
    results: list[Results] = [
        simulate(name, containers, seed, on_delivery=progress(name) if progress else None)
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
        rows.append(
            RegimeReport(
                summary=s,
                published=pub,
                verdict="" if pub is None else pub.verdict(s.p50),
                worst_places=[(label(net, p), sum(v.values())) for p, v in worst],
                busiest=busiest,
                busiest_utilisation=util.get(busiest, 0.0),
            )
        )
    files = write_csv(results, out) + plot(results, published, net, out)
    return SimulationReport(rows, files)
