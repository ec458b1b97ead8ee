"""corridor simulate [compare]: where the days go, and what digitisation buys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console
from corridor.services import eta, simulation

simulate_app = typer.Typer(
    help="Simulate the corridor: where the days go, and what digitisation buys."
)
app.add_typer(simulate_app, name="simulate")


def _run(names: list[str], containers: int, seed: int, out: Path) -> None:
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:

        def bar(name: str) -> Callable[[int], None]:
            task = progress.add_task(f"{name:8} containers delivered", total=containers)
            return lambda n: progress.advance(task, n)

        report = simulation.run(names, containers, seed, out, bar)
    table = Table(title=f"{report.route}: model against published figures (days)")
    for col in ("regime", "p50", "p90", "p99", "moving", "processing", "waiting"):
        table.add_column(col, justify="left" if col == "regime" else "right")
    table.add_column("published (year, route)")
    table.add_column("p50 - published", justify="right")
    for r in report.regimes:
        s, pub = r.summary, r.published
        table.add_row(
            s.regime,
            f"{s.p50:.1f}",
            f"{s.p90:.1f}",
            f"{s.p99:.1f}",
            f"{s.moving:.1f}",
            f"{s.processing:.1f}",
            f"{s.waiting:.1f}",
            f"{'target ' if pub.target else ''}{pub.low:g}-{pub.high:g} ({pub.year}, {pub.route})"
            if pub
            else "-",
            f"{r.distance:+.1f} ({r.verdict})" if pub else "-",
        )
        for cp in r.checkpoints:
            table.add_row(
                f"  to {cp.place}",
                f"{cp.p50:.1f}",
                "",
                "",
                "",
                "",
                "",
                f"{cp.low:g}-{cp.high:g} ({cp.year}, {cp.route})",
                f"{cp.distance:+.1f}",
            )
    console.print(table)
    for r in report.regimes:
        if r.published and r.published.unmodelled and r.verdict == "out of range":
            console.print(
                f"[bold]{r.summary.regime}[/]: {abs(r.distance):.1f} days "
                f"{'under' if r.distance < 0 else 'over'} the published range; "
                f"the published figure also holds {r.published.unmodelled}."
            )
    for r in report.regimes:
        places = ", ".join(f"{p} {days:.1f} d" for p, days in r.worst_places)
        console.print(
            f"[bold]{r.summary.regime}[/]: most days at {places}; throughput "
            f"{r.summary.throughput_per_day:.1f} containers/day; busiest resource "
            f"{r.busiest} ({r.busiest_utilisation:.0%})"
        )
    if report.lanes:
        lanes = "; ".join(
            f"{x.authority} red {x.red:.1%}, yellow {x.yellow:.1%}, blue {x.blue:.1%}"
            for x in report.lanes
        )
        console.print(
            f"The digital regime's inspections and decision times come from the risk engine "
            f"over {report.lanes[0].declarations:,} synthetic declarations per office with "
            f"the shipped targeting (not from assumptions): {lanes}."
        )
    console.print("Wrote " + ", ".join(str(f) for f in report.files))


@simulate_app.callback(invoke_without_command=True)
def simulate(
    ctx: typer.Context,
    regime: Annotated[str, typer.Option(help="paper, today or digital.")] = "paper",
    containers: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="Containers to send.")
    ] = 2000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same result.")
    ] = 1,
    out: Annotated[Path, typer.Option(help="Folder for CSV files and plots.")] = Path("var/sim"),
) -> None:
    """Run one procedure regime and show transit times and where the days go."""
    if ctx.invoked_subcommand:
        return
    _run([regime], containers, seed, out)


@simulate_app.command("compare")
def simulate_compare(
    containers: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="Containers per regime.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for CSV files and plots.")] = Path("var/sim"),
) -> None:
    """Run every regime on the same route and seed and draw them together."""
    _run(simulation.regimes(), containers, seed, out)


@simulate_app.command("eta")
def simulate_eta(
    containers: Annotated[int, typer.Option(min=20, max=20_000, help="Training journeys.")] = 1000,
    seeds: Annotated[int, typer.Option(min=1, max=50, help="Seeds 1..N.")] = 6,
    regime: Annotated[str, typer.Option(help="Regime the journeys follow.")] = "today",
) -> None:
    """Backtest the live ETA: fit hop times on simulated journeys, then estimate other
    journeys' arrival at departure and at each checkpoint (Dostyk, Aktau, Baku (Alat),
    Tbilisi, Poti) and report the median absolute error of the p50."""
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("Simulating and estimating", total=seeds)
        found = eta.run_backtest(
            range(1, seeds + 1), containers, regime, lambda _: bar.advance(task)
        )
    table = Table(title=f"ETA backtest, {regime}, {containers} training journeys per seed")
    table.add_column("estimated at")
    for seed in found.per_seed:
        table.add_column(f"seed {seed}", justify="right")
    table.add_column("mean (hours)", justify="right")
    for point in found.checkpoints:
        row = [f"{r[point]:.1f}" for r in found.per_seed.values()]
        table.add_row(point, *row, f"{found.mean[point]:.1f}")
    console.print(table)
    console.print("median absolute error of the p50 arrival at the destination")
