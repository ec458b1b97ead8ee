"""corridor route | nodes: the corridor network."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console
from corridor.cli.output import print_route
from corridor.model import RoutePreference
from corridor.services import network


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
    net = network.corridor()
    print_route(network.route(net, origin, destination, prefer, via), net)


@app.command()
def nodes() -> None:
    """List the corridor network's nodes with country, kind and typical dwell."""
    net = network.corridor()
    table = Table(title=net.data.name)
    for col in ("id", "name", "country", "kind", "dwell h", "basis"):
        table.add_column(col)
    for n in network.nodes(net):
        table.add_row(n.id, n.name, n.country, n.kind.value, f"{n.dwell_h:g}", n.dwell_basis)
    console.print(table)
