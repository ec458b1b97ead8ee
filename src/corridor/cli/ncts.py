"""corridor ncts: the holder's side of an NCTS leg, on the shipment's parties' node.
corridor speaks to a national NCTS as trader software: it lodges the declaration (IE015),
notifies the arrival (IE007) and takes in the national system's answers as the movement's
status. By default the messages go out as files under the data folder's `ncts/<country>/out`
and answers are read from `ncts/<country>/in`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corridor.cli.app import app
from corridor.cli.console import console, now, open_node
from corridor.services import lodging, organisations
from corridor.services.lodging import LodgedView

ncts_app = typer.Typer(
    help="NCTS as trader software: lodge, notify arrival, answers.", no_args_is_help=True
)
app.add_typer(ncts_app, name="ncts")
As = Annotated[str, typer.Option("--as", help="The organisation to act for (its id).")]
Shipment = Annotated[str, typer.Argument(help="Shipment id.")]


def _show(view: LodgedView) -> None:
    console.print(f"[bold]{view.mrn or view.lrn}[/] ({view.country}): {view.status}")
    for m in view.messages:
        console.print(f"  {m['at']:%Y-%m-%d %H:%M} {m['direction']:>3} {m['message']}")


@ncts_app.command("lodge")
def lodge(shipment_id: Shipment, org: As) -> None:
    """Lodge the shipment's transit declaration with the national NCTS where its NCTS leg
    starts, as the holder of the procedure."""
    ctx = open_node()
    _show(lodging.lodge(ctx, organisations.get(ctx, org), shipment_id, now()))


@ncts_app.command("answers")
def answers() -> None:
    """Take in the national NCTS systems' answers for this node's holders."""
    console.print(f"{lodging.take_answers(open_node(), now())} answers taken in")


@ncts_app.command("arrival")
def arrival(shipment_id: Shipment, org: As) -> None:
    """Notify the arrival at the office of destination, as the trader at destination."""
    ctx = open_node()
    _show(lodging.arrival(ctx, organisations.get(ctx, org), shipment_id, now()))


@ncts_app.command("status")
def status(shipment_id: Shipment, org: As) -> None:
    """The shipment's NCTS declarations and their messages."""
    ctx = open_node()
    for view in lodging.status(ctx, organisations.get(ctx, org), shipment_id):
        _show(view)


@ncts_app.command("export")
def export(
    shipment_id: Shipment,
    org: As,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the XML files to.")],
) -> None:
    """Write the shipment's NCTS messages as XML files (each valid against the official
    schema)."""
    ctx = open_node()
    files = lodging.export(ctx, organisations.get(ctx, org), shipment_id)
    out.mkdir(parents=True, exist_ok=True)
    for name, xml in files.items():
        (out / name).write_bytes(xml)
    console.print(f"{len(files)} messages written to {out}")
