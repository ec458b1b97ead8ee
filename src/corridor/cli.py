"""Command line: corridor init | serve | demo | route | nodes.

Exit codes: 0 success, 1 operational error (store down, conflict), 2 usage error (bad
input, unknown node, no route).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor import demo as demo_mod
from corridor.config import Settings
from corridor.exceptions import CorridorError, InvalidInput, NoRoute
from corridor.model import RoutePreference
from corridor.network import Route, corridor
from corridor.store.db import Database

app = typer.Typer(
    help="corridor: the Middle Corridor's electronic document flow node.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

USAGE_ERRORS: tuple[type[CorridorError], ...] = (InvalidInput, NoRoute)


def exit_code(error: CorridorError) -> int:
    """2 for errors the user can fix by changing the command, 1 for everything else."""
    return 2 if isinstance(error, USAGE_ERRORS) else 1


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except CorridorError as error:
        err.print(f"[bold red]error:[/] {error.detail}")
        for field in error.errors:
            err.print(f"  {field.field}: {field.message}")
        raise typer.Exit(exit_code(error)) from None


def _now() -> datetime:
    return datetime.now(UTC)


def _open(settings: Settings) -> Database:
    return Database.open(settings.database_url)


@app.command()
def init(
    demo: Annotated[
        bool,
        typer.Option(
            help="Also register the demo corridor's organisations and walk one demo shipment."
        ),
    ] = False,
) -> None:
    """Create or upgrade the node's store (SQLite in CORRIDOR_DATA_DIR, or
    CORRIDOR_DATABASE_URL), optionally with the demo corridor."""
    settings = Settings.from_env()
    with _errors():
        db = _open(settings)
        console.print(f"Store ready: [bold]{_safe_url(settings.database_url)}[/]")
        if not demo:
            return
        first = not demo_mod.keys_file(settings.data_dir).exists()
        keys = demo_mod.seed(db, settings.data_dir, _now())
        if first:
            walked = demo_mod.walk(db, corridor(), _now())
            console.print(
                f"Demo shipment [bold]{walked.shipment.reference}[/] "
                f"({walked.shipment.id}) submitted."
            )
        console.print("Demo API keys (send as 'Authorization: Bearer <key>'):")
        for org_id, key in keys.items():
            # Plain lines, never wrapped or cut, so the keys can be copied.
            console.print(f"  {org_id:<15} {key}", soft_wrap=True, highlight=False)
        console.print(f"Keys are kept in {demo_mod.keys_file(settings.data_dir)} (mode 600).")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the node's API (OpenAPI docs at /docs)."""
    import uvicorn

    from corridor.api.app import create_app

    settings = Settings.from_env()
    with _errors():
        db = _open(settings)
    console.print(f"Serving the corridor node at http://{host}:{port} (API docs: /docs)")
    uvicorn.run(create_app(db, settings=settings), host=host, port=port, log_level="info")


def print_route(route: Route) -> None:
    """A route as a table of legs, then its totals and borders."""
    net = corridor()
    table = Table(
        title=f"{net.nodes[route.origin].name} -> {net.nodes[route.destination].name}"
        f" ({route.prefer.value})"
    )
    for col in ("from", "to", "mode", "km", "hours", "dwell at 'to' (h)"):
        table.add_column(col, justify="right" if col in ("km", "hours") else "left")
    for i, leg in enumerate(route.legs):
        last = i == len(route.legs) - 1
        dest = net.nodes[leg.destination]
        table.add_row(
            f"{net.nodes[leg.origin].name} ({net.nodes[leg.origin].country})",
            f"{dest.name} ({dest.country})",
            leg.mode.value,
            f"{leg.distance_km:.0f}",
            f"{leg.hours:.1f}",
            "" if last else f"{dest.dwell_h:g}",
        )
    console.print(table)
    console.print(
        f"{route.distance_km:.0f} km, {route.moving_hours:.1f} h moving + "
        f"{route.dwell_hours:.1f} h dwell = {route.total_hours / 24:.1f} days"
    )
    borders = ", ".join(
        f"{b.from_country}->{b.to_country} at {net.nodes[b.entry_node].name}" for b in route.borders
    )
    console.print(f"Border crossings: {borders or 'none'}")


@app.command()
def route(
    origin: Annotated[str, typer.Argument(help="Origin node id, e.g. dostyk.")],
    destination: Annotated[str, typer.Argument(help="Destination node id, e.g. constanta.")],
    prefer: Annotated[RoutePreference, typer.Option(help="fastest or shortest.")] = (
        RoutePreference.FASTEST
    ),
    via: Annotated[
        list[str] | None, typer.Option(help="Pass through this node (repeatable).")
    ] = None,
) -> None:
    """Find a route through the corridor network and list its border crossings."""
    with _errors():
        print_route(corridor().route(origin, destination, prefer, via or []))


@app.command()
def nodes() -> None:
    """List the corridor network's nodes with country, kind and typical dwell."""
    table = Table(title=corridor().data.name)
    for col in ("id", "name", "country", "kind", "dwell h", "basis"):
        table.add_column(col)
    for n in corridor().nodes.values():
        table.add_row(n.id, n.name, n.country, n.kind.value, f"{n.dwell_h:g}", n.dwell_basis)
    console.print(table)


@app.command()
def demo() -> None:
    """Seed the demo corridor and walk one shipment from Dostyk to Constanța, printing its
    timeline."""
    settings = Settings.from_env()
    with _errors():
        db = _open(settings)
        demo_mod.seed(db, settings.data_dir, _now())
        start = _now()
        walked = demo_mod.walk(db, corridor(), start)
    s = walked.shipment
    console.rule(f"Shipment {s.reference}")
    console.print(
        f"{len(s.draft.goods)} goods items, containers "
        f"{', '.join(c.number for c in s.draft.containers)}; consignor "
        f"{s.draft.consignor}, consignee {s.draft.consignee}"
    )
    print_route(s.route)
    table = Table(title="Timeline (after submission: planned from typical leg and dwell times)")
    for col in ("day", "time (UTC)", "place", "event"):
        table.add_column(col)
    net = corridor()
    for ev in walked.timeline:
        day = (ev.at - start).total_seconds() / 86400
        place = f"{net.nodes[ev.place].name} ({net.nodes[ev.place].country})" if ev.place else ""
        table.add_row(f"{day:5.1f}", f"{ev.at:%Y-%m-%d %H:%M}", place, ev.summary)
    console.print(table)
    arrived = walked.timeline[-1].at - start
    console.print(
        f"[bold green]Arrived at Constanța after {arrived.total_seconds() / 86400:.1f}"
        " days[/] of typical moving and dwell time."
    )


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run: Callable[..., object] = app
    run(args=argv if argv is not None else sys.argv[1:])
