"""corridor events / eta / emissions: custody events, arrival estimates and the emissions
statement, acting for one organisation hosted on this node (`--as`)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, now, open_node, parse_time
from corridor.model import Organisation
from corridor.services import (
    Context,
    arrival,
    emissions,
    event_query,
    organisations,
    papers,
    tracking,
)
from corridor.services.event_query import EventQuery

events_app = typer.Typer(help="Custody events (GS1 EPCIS 2.0).", no_args_is_help=True)
app.add_typer(events_app, name="events")
As = Annotated[str, typer.Option("--as", help="The organisation to act for (its id).")]
CSV_COLUMNS = ("shipment", "step", "node", "at", "containers", "vehicle", "temperature")


def _acting(ctx: Context, org_id: str) -> Organisation:
    return organisations.get(ctx, org_id)


@events_app.command("record")
def record(
    shipment_id: Annotated[str, typer.Argument(help="Shipment id.")],
    step: Annotated[tracking.Step, typer.Argument(help="What happened.")],
    node: Annotated[str, typer.Argument(help="Where: a network node id, e.g. aktau.")],
    org: As,
    at: Annotated[str | None, typer.Option(help="When (ISO 8601 with zone); default now.")] = None,
    container: Annotated[
        list[str] | None, typer.Option(help="A container (ISO 6346); default all.")
    ] = None,
    vehicle: Annotated[
        str | None, typer.Option(help="Wagon GIAI EPC or vessel IMO number (loading).")
    ] = None,
    temperature: Annotated[float | None, typer.Option(help="Reading in °C.")] = None,
) -> None:
    """Record one hand-over of a shipment's containers as an EPCIS event."""
    ctx = open_node()
    when = parse_time(at) if at else now()
    sensors = {"Temperature": (temperature, "CEL")} if temperature is not None else None
    made = tracking.record(
        ctx,
        _acting(ctx, org),
        shipment_id,
        step,
        when,
        node,
        containers=container or [],
        vehicle=tracking.vehicle_epc(vehicle),
        sensors=sensors,
        now=now(),
    )
    for event in made:
        console.print(f"[green]recorded[/] {event['eventID']}")


@events_app.command("import")
def import_csv(
    path: Annotated[Path, typer.Argument(help=f"CSV with columns {', '.join(CSV_COLUMNS)}.")],
    org: As,
) -> None:
    """Capture a CSV of hand-overs (containers separated by ';'): every row, or none when a
    row is wrong (each wrong row is named)."""
    ctx = open_node()
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    with Progress(console=console) as bar:
        task = bar.add_task("Capturing events", total=len(rows))
        stored = tracking.import_rows(
            ctx, _acting(ctx, org), rows, now(), lambda n: bar.advance(task, n)
        )
    console.print(f"[green]{stored}[/] events stored, {len(rows) - stored} already held")


@events_app.command("list")
def list_events(
    shipment_id: Annotated[str, typer.Argument(help="Shipment id.")],
    org: As,
    as_json: Annotated[bool, typer.Option("--json", help="Print the EPCIS events.")] = False,
) -> None:
    """A shipment's custody events you may see, in event-time order."""
    ctx = open_node()
    page = event_query.events(
        ctx, _acting(ctx, org), EventQuery(shipment=shipment_id, perPage=event_query.MAX_PAGE)
    )
    if as_json:
        print(json.dumps(event_query.query_document(page, now()), indent=1))
        return
    table = Table(title=f"Custody events of {shipment_id}")
    for col in ("time (UTC)", "step", "where", "what"):
        table.add_column(col)
    for e in page.events:
        what = e.get("parentID") or ", ".join(e.get("epcList", []))
        table.add_row(
            e["eventTime"][:16],
            e["bizStep"].rsplit(":", 1)[-1],
            e["bizLocation"]["id"].rsplit(":", 1)[-1],
            what,
        )
    console.print(table)


@app.command("eta")
def show_eta(shipment_id: Annotated[str, typer.Argument(help="Shipment id.")], org: As) -> None:
    """Expected arrival at each remaining node, p50 and p90, from the last event."""
    ctx = open_node()
    found = arrival.for_shipment(ctx, _acting(ctx, org), shipment_id, now())
    table = Table(title=f"ETA of {shipment_id} from {found.position}")
    for col in ("node", "p50 (UTC)", "p90 (UTC)", "basis"):
        table.add_column(col)
    for s in found.stops:
        table.add_row(s.node, f"{s.p50:%Y-%m-%d %H:%M}", f"{s.p90:%Y-%m-%d %H:%M}", s.basis)
    console.print(table)


@app.command("emissions")
def emissions_of(
    shipment_id: Annotated[str, typer.Argument(help="Shipment id.")],
    org: As,
    sign: Annotated[
        bool, typer.Option("--sign", help="Also sign it and store it with the documents.")
    ] = False,
    pdf: Annotated[
        Path | None, typer.Option(help="With --sign: write its paper copy to this PDF file.")
    ] = None,
) -> None:
    """A shipment's ISO 14083 / GLEC emissions statement: each leg and hub, well-to-wheel
    and tank-to-wheel, with the factor's source and every assumption."""
    ctx = open_node()
    who = _acting(ctx, org)
    made = emissions.for_shipment(ctx, who, shipment_id)
    table = Table(title=f"{made.standard} statement of {shipment_id} ({made.basis})")
    for col in ("element", "mode", "activity", "WTW kg", "TTW kg", "factor source"):
        table.add_column(col)
    for e in made.elements:
        ttw = f"{e.ttw_g / 1000:,.1f}" if e.ttw_g is not None else "n/a"
        table.add_row(
            e.place,
            e.mode,
            f"{e.activity:,.1f} {e.activity_unit}",
            f"{e.wtw_g / 1000:,.1f}",
            ttw,
            e.source,
        )
    console.print(table)
    unstated = made.ttw_unstated
    ttw_total = f"{made.ttw_g / 1000:,.1f} kg" + (
        f", not stated for {', '.join(unstated)}" if unstated else ""
    )
    console.print(
        f"[bold]{made.wtw_g / 1000:,.1f} kg CO2e well-to-wheel[/] (TTW {ttw_total}) for "
        f"{made.cargo_t} t in {made.teu} TEU, {made.framework}"
    )
    notes = sorted({a for e in made.elements for a in e.assumptions})
    for note in notes:
        console.print(f"  assumption: {note}")
    if pdf and not sign:
        raise typer.BadParameter("--pdf writes the signed statement; add --sign")
    if sign:
        signed = emissions.issue(ctx, who, shipment_id, now())
        console.print(f"signed as document {signed.document.id} ({signed.document.kind})")
        if pdf:
            _, data = papers.paper_copy(ctx, who, shipment_id, signed.document.id, now())
            pdf.write_bytes(data)
            console.print(f"paper copy written to {pdf}")


@app.command("compare-routes")
def compare_routes(
    origin: Annotated[str, typer.Argument(help="From node.")] = "dostyk",
    destination: Annotated[str, typer.Argument(help="To node.")] = "constanta",
    tonnes: Annotated[float, typer.Option(help="Cargo mass, t.")] = 20.0,
    containers: Annotated[int, typer.Option(help="40 ft containers.")] = 1,
) -> None:
    """The corridor's alternatives (via Aktau or Kuryk, Poti or Batumi, the Turkmenbashi
    branch) by days and well-to-wheel CO2e, with the northern route through Russia to the
    EU border as the reference."""
    ctx = open_node()
    found = emissions.compare(
        ctx, origin, destination, Decimal(str(tonnes * 1000)), ["42G1"] * containers
    )
    table = Table(title=f"{origin} → {destination}, {tonnes} t in {containers} x 40 ft")
    for col in ("route", "days", "km", "kg CO2e (WTW)"):
        table.add_column(col)
    for a in found:
        table.add_row(a.name, f"{a.days:.1f}", f"{a.distance_km:,.0f}", f"{a.wtw_kg:,.1f}")
    console.print(table)
