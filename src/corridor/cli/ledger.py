"""corridor ledger verify: a shipment's tamper-evident ledger."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, open_node
from corridor.services import NODE_ADMIN, ledgers

ledger_app = typer.Typer(help="The tamper-evident ledger of each shipment.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("verify")
def ledger_verify(
    shipment_id: Annotated[str, typer.Argument(help="Shipment id.")],
    audit: Annotated[
        bool, typer.Option("--audit", help="Also hash every attached file's bytes again.")
    ] = False,
) -> None:
    """Verify a shipment's ledger on this node: every hash, link and signature. Exit 0 when
    intact, 3 naming the first bad entry."""
    view = ledgers.shipment(open_node(), NODE_ADMIN, shipment_id, audit=audit)
    table = Table(title=f"Ledger of {shipment_id}")
    for col in ("seq", "kind", "actor", "at (UTC)", "hash"):
        table.add_column(col)
    for e in view.entries:
        table.add_row(
            str(e.seq),
            e.kind,
            e.actor_id,
            f"{ledgers.utc(e.at):%Y-%m-%d %H:%M}",
            e.hash[:16] + "…",
        )
    console.print(table)
    console.print(f"[bold green]INTACT[/]: {view.verified} entries, head {view.head}")
    witnessed = (
        "no entry witnessed by another node yet"
        if view.last_witnessed is None
        else f"witnessed by another node up to entry {view.last_witnessed}"
    )
    console.print(
        f"{witnessed}; {view.unwitnessed} entries not yet witnessed (each is, within "
        f"{view.witness_window_s // 60} minutes, once a node that knows the shipment answers)"
    )
