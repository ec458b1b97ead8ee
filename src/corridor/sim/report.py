"""Simulator output: where the days go, CSV files and plots (PNG and SVG) of transit times,
of the decomposition of a difference into procedure and capacity, and of the parameters
that move the median most."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor.network import Network
from corridor.sim.published import Published
from corridor.sim.results import KINDS, MOVE, PROCESS, WAIT

if TYPE_CHECKING:
    from corridor.sim.decompose import Decomposition
    from corridor.sim.experiments import Run
    from corridor.sim.sensitivity import Swing

COLOURS = {
    "paper": "#b2182b",
    "today": "#ef8a62",
    "digital": "#2166ac",
    "digital-2027": "#67a9cf",
    "northern": "#4d4d4d",
}


def mean_breakdown(runs: Sequence[Run]) -> list[tuple[str, dict[str, float]]]:
    """The per-place days averaged over runs (seeds), in the first run's order."""
    if not runs:
        return []
    total: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(KINDS, 0.0))
    for run in runs:
        for place, split in run.places:
            for k, v in split.items():
                total[place][k] += v / len(runs)
    return [(p, total[p]) for p, _ in runs[0].places]


def label(network: Network, place: str) -> str:
    """A readable place name: a node's name, or 'A -> B' for a leg."""
    if "->" in place:
        a, b = place.split("->")
        return f"{network.nodes[a].name} -> {network.nodes[b].name}"
    return network.nodes[place].name


def write_rows(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """One CSV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, out: Path, name: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    for p in paths:
        fig.savefig(p, dpi=110)
    _pyplot().close(fig)
    return paths


def plot_runs(
    runs: dict[str, list[Run]],
    published: dict[str, Published],
    network: Network,
    out: Path,
    name: str = "simulation",
) -> list[Path]:
    """Transit-time distributions (first seed) against the published ranges, and where the
    days go (mean over seeds)."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7.5), gridspec_kw={"width_ratios": [1, 1.3]})
    top_day = max((max(r[0].transit, default=1.0) for r in runs.values() if r), default=1.0)
    bins = [top_day * i / 60 for i in range(61)]
    for scenario, rs in runs.items():
        if not rs or not rs[0].transit:
            continue
        c = COLOURS.get(scenario, "grey")
        ax1.hist(
            rs[0].transit,
            bins=bins,
            alpha=0.5,
            color=c,
            label=f"{scenario} (p50 {rs[0].p50:.1f} d)",
        )
        pub = published.get(scenario)
        if pub and pub.clock == "departure":
            ax1.axvspan(pub.low, pub.high, color=c, alpha=0.12)
            ax1.axvline(pub.point, color=c, linestyle="--", linewidth=1)
    ax1.set_xlabel("days from the block train's departure to the destination")
    ax1.set_ylabel("containers")
    ax1.set_title("Transit time by scenario\n(shaded: published range, dashed: published figure)")
    if ax1.get_legend_handles_labels()[0]:
        ax1.legend(fontsize=8)

    rows = {s: mean_breakdown(rs) for s, rs in runs.items() if rs and rs[0].stable}
    totals: dict[str, float] = defaultdict(float)
    for split in rows.values():
        for place, kinds in split:
            totals[place] += sum(kinds.values())
    top = sorted(totals, key=lambda p: -totals[p])[:10]
    names = list(rows)
    order = [p for p in dict.fromkeys(p for s in names for p, _ in rows[s]) if p in top]
    left = [0.0] * len(names)
    for i, place in enumerate(order):
        for kind, hatch in ((MOVE, ""), (PROCESS, "//"), (WAIT, "..")):
            widths = [dict(rows[s]).get(place, {}).get(kind, 0.0) for s in names]
            ax2.barh(
                names,
                widths,
                left=left,
                color=plt.cm.tab10(i % 10),
                hatch=hatch,
                edgecolor="white",
                label=label(network, place) if kind == MOVE else None,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
    rest = [sum(sum(v.values()) for p, v in rows[s] if p not in order) for s in names]
    ax2.barh(names, rest, left=left, color="#dddddd", edgecolor="white", label="other places")
    ax2.set_xlabel(
        "days per container, booking included (plain: moving, //: processing, ..: waiting)"
    )
    ax2.set_title("Where the days go (largest places, mean over seeds)")
    if order:
        ax2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    fig.tight_layout()
    return _save(fig, out, name)


def plot_decompositions(decompositions: Sequence[Decomposition], out: Path) -> list[Path]:
    """Each difference between two scenarios split by group, with 95 % intervals."""
    plt = _pyplot()
    fig, axes = plt.subplots(
        1, len(decompositions), figsize=(6.5 * len(decompositions), 5.5), squeeze=False
    )
    for ax, d in zip(axes[0], decompositions, strict=True):
        steps = [s for s in d.steps if s.days.n]
        names = [f"{s.group} ({s.kind})" for s in steps]
        means = [s.days.mean for s in steps]
        errors = [
            [s.days.mean - s.days.low for s in steps],
            [s.days.high - s.days.mean for s in steps],
        ]
        colours = ["#2166ac" if s.kind == "procedure" else "#b35806" for s in steps]
        ax.barh(names, means, xerr=errors, color=colours, capsize=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.invert_yaxis()
        ax.set_xlabel("days taken off the median (95 % interval over seeds)")
        ax.set_title(f"{d.start} -> {d.end}: {d.total.mean:.1f} days taken off in all")
    fig.tight_layout()
    return _save(fig, out, "decomposition")


def plot_tornado(swings: Sequence[Swing], scenario: str, out: Path, top: int = 15) -> list[Path]:
    """The parameters that move the median most, at their low and high values."""
    plt = _pyplot()
    shown = list(swings[:top])[::-1]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(shown) + 1.8))
    base = shown[0].base if shown else 0.0
    for i, s in enumerate(shown):
        for value, colour, at in (
            (s.low, "#4393c3", s.low_value),
            (s.high, "#d6604d", s.high_value),
        ):
            if value != value:  # NaN: the world became unstable
                ax.text(base, i, "  unstable", va="center", fontsize=7, color=colour)
                continue
            ax.barh(i, value - base, left=base, color=colour, alpha=0.85)
            ax.text(value, i, f" {at:g}", va="center", fontsize=7)
    ax.set_yticks(range(len(shown)), [s.path for s in shown], fontsize=8)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_xlabel(f"median days, {scenario} (blue: parameter low, red: high)")
    ax.set_title(f"What moves the median most ({scenario}, base {base:.1f} d)")
    fig.tight_layout()
    return _save(fig, out, "tornado")
