"""corridor exchange dead-letters list|replay, corridor exchange held: what a national node's
exchange has not yet taken in, for its operator at the node's shell."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, open_node, start_national_node
from corridor.services import NODE_ADMIN, Context, backlog

exchange_app = typer.Typer(
    help="A national node's exchange: its dead letters and what it holds for the clock.",
    no_args_is_help=True,
)
dead_app = typer.Typer(
    help="Envelopes the store could not take within the retry budget.", no_args_is_help=True
)
exchange_app.add_typer(dead_app, name="dead-letters")
app.add_typer(exchange_app, name="exchange")

T = TypeVar("T")
Node = Annotated[str, typer.Option(help="This national node's id (as served with --node).")]
Org = Annotated[str, typer.Option(help="The organisation that runs the node.")]
Nats = Annotated[str | None, typer.Option(help="NATS JetStream URL; default CORRIDOR_NATS_URL.")]
Roots = Annotated[
    Path | None,
    typer.Option(help="Pinned country roots (JSON); default CORRIDOR_DATA_DIR/roots.json."),
]
Cert = Annotated[
    Path | None,
    typer.Option(help="This node's certificate; default CORRIDOR_DATA_DIR/node-cert.json."),
]


def _with_exchange(
    node: str,
    org: str,
    nats: str | None,
    roots: Path | None,
    cert: Path | None,
    work: Callable[[Context], Awaitable[T]],
) -> T:
    """Run `work` against this node's exchange as `serve --node` would start it (its pinned
    roots, certificate and last good directory), without serving."""
    ctx = open_node()
    start_national_node(ctx, node, org, nats, roots, cert)
    ex = ctx.running_exchange()
    ex.load_cache()

    async def run() -> T:
        try:
            return await work(ctx)
        finally:
            close = getattr(ex.bus, "close", None)
            if close is not None:
                await close()

    try:
        return asyncio.run(run())
    finally:
        ctx.close()


@dead_app.command("list")
def dead_list(
    node: Node, org: Org, nats: Nats = None, roots: Roots = None, cert: Cert = None
) -> None:
    """List the node's dead letters (left where they are)."""
    letters = _with_exchange(
        node, org, nats, roots, cert, lambda ctx: backlog.dead_letters(ctx, NODE_ADMIN)
    )
    table = Table(title=f"Dead letters of node {node}: {len(letters)}")
    for col in ("envelope", "from", "made (UTC)", "queued (UTC)", "deliveries", "bytes"):
        table.add_column(col)
    for d in letters:
        table.add_row(
            d.envelope_id or "(unreadable)",
            d.from_node or "?",
            f"{d.created:%Y-%m-%d %H:%M:%S}" if d.created else "?",
            f"{d.queued_at:%Y-%m-%d %H:%M:%S}" if d.queued_at else "?",
            str(d.deliveries),
            str(d.size),
        )
    console.print(table)


@dead_app.command("replay")
def dead_replay(
    node: Node, org: Org, nats: Nats = None, roots: Roots = None, cert: Cert = None
) -> None:
    """Take the node's dead letters in now: stored, refused (their senders are told why),
    or repeats. A store still down leaves them waiting (exit 1)."""
    outcomes = _with_exchange(
        node, org, nats, roots, cert, lambda ctx: backlog.replay_dead_letters(ctx, NODE_ADMIN)
    )
    told = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    console.print(f"Replayed: {told or 'nothing was waiting'}")


@exchange_app.command("held")
def held(node: Node, org: Org, nats: Nats = None, roots: Roots = None, cert: Cert = None) -> None:
    """List the envelopes held until a sender's clock and this node's agree."""
    rows = _with_exchange(node, org, nats, roots, cert, lambda ctx: backlog.held(ctx, NODE_ADMIN))
    table = Table(title=f"Held for the clock on node {node}: {len(rows)}")
    for col in ("envelope", "from", "kind", "until (UTC)", "why"):
        table.add_column(col)
    for h in rows:
        table.add_row(h.envelope_id, h.from_node, h.kind, f"{h.until:%Y-%m-%d %H:%M:%S}", h.reason)
    console.print(table)
