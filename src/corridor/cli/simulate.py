"""corridor simulate [compare|fit|tornado|eta]: where the days go, and what digitisation buys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console
from corridor.services import arrival, simulation

simulate_app = typer.Typer(
    help="Simulate the corridor: where the days go, and what digitisation buys."
)
app.add_typer(simulate_app, name="simulate")

Containers = Annotated[int, typer.Option(min=50, max=200_000, help="Tracked containers per run.")]
Seeds = Annotated[int, typer.Option(min=1, max=50, help="Seeds 1..N (replications).")]
Out = Annotated[Path, typer.Option(help="Folder for CSV files and plots.")]
Workers = Annotated[int, typer.Option(min=0, max=256, help="Processes to run on (0: every core).")]


@contextmanager
def _bars() -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:

        def bar(stage: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(f"{stage:24} runs", total=total or None)
            return lambda n: progress.advance(task, n)

        yield bar


def _tolerance(r: simulation.ScenarioReport) -> str:
    if r.published is None or r.published.target:
        return ""
    return ", within 15 %" if r.within else ", beyond 15 %"


def _print(report: simulation.CompareReport) -> None:
    table = Table(
        title=f"{report.route}: model against published figures (days; mean of the seeds' "
        f"medians with its 95 % interval over {len(report.seeds)} seeds of "
        f"{report.containers:,} containers)"
    )
    for col in ("scenario", "p50 (interval)", "clock", "p90 from departure"):
        table.add_column(col, justify="left" if col in ("scenario", "clock") else "right")
    table.add_column("published (year, route)")
    table.add_column("model - published", justify="right")
    for r in report.scenarios:
        pub = r.published
        table.add_row(
            r.name,
            str(r.model),
            pub.clock if pub else "departure",
            f"{r.p90.mean:.1f}",
            f"{'target ' if pub.target else ''}{pub.low:g}-{pub.high:g} ({pub.year}, {pub.route})"
            if pub
            else "-",
            f"{r.distance:+.1f} ({r.verdict}{_tolerance(r)})" if pub else "-",
        )
        for c in [*r.checkpoints, *r.segments]:
            table.add_row(
                f"  {c.place}",
                str(c.model),
                "",
                "",
                f"{c.low:g}-{c.high:g} ({c.year}, {c.route})",
                f"{c.distance:+.1f} ({'within' if c.within else 'beyond'} 15 %)",
            )
    console.print(table)
    for r in report.scenarios:
        if r.unstable:
            console.print(f"[bold]{r.name}[/]: {r.unstable}")
            continue
        places = ", ".join(f"{p} {days:.1f} d" for p, days in r.worst_places)
        loads = ", ".join(f"{k} {v:.0%}" for k, v in r.loads.items())
        console.print(
            f"[bold]{r.name}[/]: most days at {places}; demand against capacity: {loads}; "
            f"busiest {r.busiest} ({r.busiest_utilisation:.0%} used)"
        )
    for d in report.decompositions:
        table = Table(title=f"{d.start} -> {d.end}: what each part takes off the median (days)")
        table.add_column("part")
        table.add_column("kind")
        table.add_column("days (interval)", justify="right")
        for s in d.steps:
            table.add_row(s.group, s.kind, str(s.days))
        table.add_row("[bold]procedure[/]", "", f"{d.by_kind('procedure'):.1f}")
        table.add_row("[bold]capacity[/]", "", f"{d.by_kind('capacity'):.1f}")
        table.add_row("[bold]in all[/]", "", str(d.total))
        console.print(table)
    t = report.target
    if t is not None:
        verdict = "meets" if t.meets else "misses"
        line = (
            f"[bold]{t.scenario}[/] {verdict} the {t.target_days:g}-day target with today's "
            f"fleet and traffic: median {t.median}."
        )
        if t.fleet is not None:
            f = t.fleet
            if f.met:
                line += (
                    f" It would take {f.caspian_vessels} more Caspian vessel(s) and "
                    f"{f.black_sea_feeders} more Black Sea feeder service(s) to reach "
                    f"{f.median.mean:.1f} days."
                )
            else:
                line += (
                    f" Even {f.caspian_vessels} more Caspian vessel(s) and "
                    f"{f.black_sea_feeders} more feeder(s) give {f.median.mean:.1f} days."
                )
        console.print(line)
    if report.northern_ratio is not None and report.northern_ratio.n:
        console.print(
            f"The Middle Corridor today takes {report.northern_ratio} times the northern "
            "route's median (the brief: 'twice as long as the Trans-Siberian')."
        )
    if report.lanes:
        lanes = "; ".join(
            f"{x.authority} red {x.red:.1%}, yellow {x.yellow:.1%}" for x in report.lanes
        )
        console.print(
            "The digital regime's inspections and decision times come from the risk engine "
            f"over {report.lanes[0].declarations:,} synthetic declarations per office: {lanes}."
        )
    console.print("Wrote " + ", ".join(str(f) for f in report.files))


def _compare(
    names: list[str],
    season: str | None,
    containers: int,
    seeds: int,
    out: Path,
    workers: int,
    *,
    whole: bool,
) -> None:
    """Run and print; `whole` adds the decompositions and the fleet search."""
    with _bars() as bar:
        report = simulation.compare(
            names,
            containers,
            range(1, seeds + 1),
            out,
            season=season,
            decompose_pairs=whole,
            find_fleet=whole,
            progress=bar,
            workers=workers or None,
        )
    _print(report)


@simulate_app.callback(invoke_without_command=True)
def simulate(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Option(help="A scenario of the model file.")] = "today",
    season: Annotated[str | None, typer.Option(help="year, winter or summer.")] = None,
    containers: Containers = 1000,
    seeds: Seeds = 3,
    out: Out = Path("var/sim"),
    workers: Workers = 0,
) -> None:
    """Run one scenario over seeds: its median against the published figure, where the
    days go."""
    if ctx.invoked_subcommand:
        return
    _compare([scenario], season, containers, seeds, out, workers, whole=False)


@simulate_app.command("compare")
def simulate_compare(
    scenarios: Annotated[str, typer.Option(help="Comma-separated scenarios (default: all).")] = "",
    season: Annotated[str | None, typer.Option(help="year, winter or summer.")] = None,
    containers: Containers = 1000,
    seeds: Seeds = 4,
    out: Out = Path("var/sim"),
    workers: Workers = 0,
) -> None:
    """Every scenario over the same seeds, against the published figures; the differences
    split into procedure and capacity; whether digital procedures meet the target with
    today's fleet, and what fleet it would take."""
    names = [s for s in scenarios.split(",") if s] or simulation.scenarios()
    _compare(names, season, containers, seeds, out, workers, whole=True)


@simulate_app.command("fit")
def simulate_fit(
    containers: Containers = 600,
    seeds: Seeds = 3,
    evaluations: Annotated[
        int, typer.Option(min=5, max=1000, help="Most model evaluations.")
    ] = 120,
    write: Annotated[
        bool, typer.Option(help="Write the fitted values into the package's fitted.yaml.")
    ] = False,
    workers: Workers = 0,
) -> None:
    """Fit the unsourced parameters (those marked `fit` in the model file) to the published
    figures, and print the fit and its residuals."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("Fitting (Powell)", total=evaluations)

        def step(n: int, score: float) -> None:
            bar.update(task, completed=n, description=f"Fitting, objective {score:.4f}")

        result, path = simulation.fit_parameters(
            range(1, seeds + 1),
            containers,
            write=write,
            max_evaluations=evaluations,
            progress=step,
            workers=workers or None,
        )
    table = Table(title="Fitted parameters")
    for col in ("parameter", "start", "fitted"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for p, v in result.values.items():
        table.add_row(p, f"{result.start[p]:g}", f"{v:.3f}")
    console.print(table)
    table = Table(
        title=f"Residuals (objective {result.objective:.4f}, {result.evaluations} evaluations)"
    )
    for col in ("published figure", "published", "model", "relative"):
        table.add_column(col, justify="left" if col == "published figure" else "right")
    for r in result.residuals:
        table.add_row(r.target.label, f"{r.target.days:g}", f"{r.model:.1f}", f"{r.relative:+.1%}")
    console.print(table)
    if path:
        console.print(f"Wrote {path}")


@simulate_app.command("tornado")
def simulate_tornado(
    scenario: Annotated[str, typer.Option(help="The scenario to vary.")] = "today",
    containers: Containers = 400,
    seeds: Seeds = 2,
    top: Annotated[int, typer.Option(min=1, max=100, help="Rows to print.")] = 15,
    out: Out = Path("var/sim"),
    workers: Workers = 0,
) -> None:
    """Which parameters move the median most: each at its low and high value."""
    with _bars() as bar:
        swings, files = simulation.sensitivity(
            scenario,
            range(1, seeds + 1),
            containers,
            out,
            progress=lambda total: bar("parameters", total),
            workers=workers or None,
        )
    table = Table(title=f"{scenario}: median days with each parameter low and high")
    for col in ("parameter", "low", "median", "high", "median"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for s in swings[:top]:
        table.add_row(
            s.path, f"{s.low_value:g}", f"{s.low:.1f}", f"{s.high_value:g}", f"{s.high:.1f}"
        )
    console.print(table)
    console.print("Wrote " + ", ".join(str(f) for f in files))


@simulate_app.command("eta")
def simulate_eta(
    containers: Annotated[int, typer.Option(min=20, max=20_000, help="Training journeys.")] = 1000,
    seeds: Annotated[int, typer.Option(min=1, max=50, help="Seeds 1..N.")] = 6,
    scenario: Annotated[str, typer.Option(help="Scenario the journeys follow.")] = "today",
) -> None:
    """Backtest the live ETA: fit hop times on simulated journeys, then estimate other
    journeys' arrival at departure and at each checkpoint (Dostyk, Aktau, Baku (Alat),
    Tbilisi, Poti) and report the median absolute error of the p50."""
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task("Simulating and estimating", total=seeds)
        found = arrival.run_backtest(
            range(1, seeds + 1), containers, scenario, lambda _: bar.advance(task)
        )
    table = Table(title=f"ETA backtest, {scenario}, {containers} training journeys per seed")
    table.add_column("estimated at")
    for seed in found.per_seed:
        table.add_column(f"seed {seed}", justify="right")
    table.add_column("mean (hours)", justify="right")
    for point in found.checkpoints:
        row = [f"{r[point]:.1f}" for r in found.per_seed.values()]
        table.add_row(point, *row, f"{found.mean[point]:.1f}")
    console.print(table)
    console.print("median absolute error of the p50 arrival at the destination")
