"""Simulator output: summaries, where the days go, CSV files and plots (PNG and SVG)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from corridor.network import Network
from corridor.sim.model import MOVE, PROCESS, WAIT, Results
from corridor.sim.params import Published

KINDS = (MOVE, PROCESS, WAIT)


@dataclass(frozen=True)
class Summary:
    """One run in numbers."""

    regime: str
    delivered: int
    p50: float
    p90: float
    p99: float
    mean: float
    throughput_per_day: float
    moving: float
    processing: float
    waiting: float


def summarise(r: Results) -> Summary:
    """Percentiles (days), throughput and the per-container split of time."""
    totals = dict.fromkeys(KINDS, 0.0)
    for (_, kind), hours in r.booked.items():
        totals[kind] += hours
    per = max(r.delivered, 1) * 24
    return Summary(
        regime=r.regime,
        delivered=r.delivered,
        p50=r.percentile(50),
        p90=r.percentile(90),
        p99=r.percentile(99),
        mean=sum(r.transit_h) / per if r.transit_h else float("nan"),
        throughput_per_day=r.delivered / (r.horizon_h / 24) if r.horizon_h else 0.0,
        moving=totals[MOVE] / per,
        processing=totals[PROCESS] / per,
        waiting=totals[WAIT] / per,
    )


def breakdown(r: Results) -> list[tuple[str, dict[str, float]]]:
    """Days per container at each place in route order, split by moving/processing/waiting."""
    per = max(r.delivered, 1) * 24
    rows: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(KINDS, 0.0))
    for (place, kind), hours in r.booked.items():
        rows[place][kind] += hours / per
    return [(p, rows[p]) for p in r.places if p in rows]


def label(network: Network, place: str) -> str:
    """A readable place name: a node's name, or 'A -> B' for a leg."""
    if "->" in place:
        a, b = place.split("->")
        return f"{network.nodes[a].name} -> {network.nodes[b].name}"
    return network.nodes[place].name


def write_csv(results: list[Results], out: Path) -> list[Path]:
    """transit_times.csv, breakdown.csv and summary.csv in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "transit_times.csv", out / "breakdown.csv", out / "summary.csv"]
    with paths[0].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["regime", "seed", "container", "transit_days"])
        for r in results:
            w.writerows([r.regime, r.seed, i, f"{h / 24:.3f}"] for i, h in enumerate(r.transit_h))
    with paths[1].open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["regime", "place", *[f"{k}_days" for k in KINDS]])
        for r in results:
            for place, split in breakdown(r):
                w.writerow([r.regime, place, *[f"{split[k]:.3f}" for k in KINDS]])
    with paths[2].open("w", newline="") as fh:
        w = csv.writer(fh)
        fields = list(Summary.__dataclass_fields__)
        w.writerow(fields)
        for r in results:
            s = summarise(r)
            w.writerow(
                [
                    getattr(s, f)
                    if isinstance(getattr(s, f), (str, int))
                    else f"{getattr(s, f):.3f}"
                    for f in fields
                ]
            )
    return paths


def plot(
    results: list[Results],
    published: dict[str, Published],
    network: Network,
    out: Path,
    name: str = "simulation",
) -> list[Path]:
    """Transit-time distributions against the published ranges, and where the days go."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    colours = {"paper": "#b2182b", "today": "#ef8a62", "digital": "#2166ac"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7.5), gridspec_kw={"width_ratios": [1, 1.3]})
    top_day = max((h / 24 for r in results for h in r.transit_h), default=1.0)
    bins = [top_day * i / 60 for i in range(61)]
    for r in results:
        days = [h / 24 for h in r.transit_h]
        c = colours.get(r.regime, "grey")
        ax1.hist(
            days, bins=bins, alpha=0.55, color=c, label=f"{r.regime} (p50 {r.percentile(50):.1f} d)"
        )
        pub = published.get(r.regime)
        if pub:
            ax1.axvspan(pub.low, pub.high, color=c, alpha=0.12)
            ax1.axvline(pub.point, color=c, linestyle="--", linewidth=1)
    ax1.set_xlabel("transit time Dostyk -> Constanța (days)")
    ax1.set_ylabel("containers")
    ax1.set_title("Transit time by regime\n(shaded: published range, dashed: published figure)")
    ax1.legend()

    # Where the days go: the biggest places, stacked by moving / processing / waiting.
    totals: dict[str, float] = defaultdict(float)
    for r in results:
        for place, split in breakdown(r):
            totals[place] += sum(split.values())
    top = sorted(totals, key=lambda p: -totals[p])[:9]
    order = [p for p in results[0].places if p in top]
    y = range(len(results))
    for i, place in enumerate(order):
        left = [0.0] * len(results)
        for r_i, r in enumerate(results):
            before = dict(breakdown(r))
            left[r_i] = sum(sum(before.get(p, {}).values()) for p in order[:i])
        for kind, hatch in ((MOVE, ""), (PROCESS, "//"), (WAIT, "..")):
            widths = [dict(breakdown(r)).get(place, {}).get(kind, 0.0) for r in results]
            ax2.barh(
                list(y),
                widths,
                left=left,
                color=plt.cm.tab10(i % 10),
                hatch=hatch,
                edgecolor="white",
                label=label(network, place) if kind == MOVE else None,
            )
            left = [a + b for a, b in zip(left, widths, strict=True)]
    rest = [sum(sum(v.values()) for p, v in breakdown(r) if p not in order) for r in results]
    left = [sum(sum(dict(breakdown(r)).get(p, {}).values()) for p in order) for r in results]
    ax2.barh(list(y), rest, left=left, color="#dddddd", edgecolor="white", label="other places")
    ax2.set_yticks(list(y), [r.regime for r in results])
    ax2.set_xlabel("days per container (plain: moving, //: processing, ..: waiting)")
    ax2.set_title("Where the days go (largest places)")
    ax2.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4)
    fig.tight_layout()
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    for p in paths:
        fig.savefig(p, dpi=110)
    plt.close(fig)
    return paths
