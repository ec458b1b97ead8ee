"""corridor init | serve | demo: the node's store, its server, and the demo corridor."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor import demo as demo_service
from corridor.cli.app import app
from corridor.cli.console import console, now, open_node, start_national_node
from corridor.cli.output import print_chain, print_report, print_route
from corridor.services import Context, handover


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
    ctx = open_node()
    console.print(f"Store ready: [bold]{ctx.db.safe_url()}[/]")
    if not demo:
        return
    first = not demo_service.keys_file(ctx.settings.data_dir).exists()
    api_keys = demo_service.seed(ctx, now())
    if first:
        walked = demo_service.walk(ctx, now())
        console.print(
            f"Demo shipment [bold]{walked.shipment.reference}[/] ({walked.shipment.id}) submitted."
        )
    console.print("Demo API keys (send as 'Authorization: Bearer <key>'):")
    for org_id, key in api_keys.items():
        # Plain lines, never wrapped or cut, so the keys can be copied.
        console.print(f"  {org_id:<15} {key}", soft_wrap=True, highlight=False)
    console.print(f"Keys are kept in {demo_service.keys_file(ctx.settings.data_dir)} (mode 600).")
    corridor = demo_service.Corridor.open(ctx.settings.data_dir / "nodes", now())
    try:
        officers = demo_service.officer_keys(corridor, now())
    finally:
        corridor.close()
    console.print(
        "Customs officers sign in on their authority's node (served by 'corridor serve "
        "--demo-nodes' under /nodes/<name>/ui):"
    )
    for name, keys in officers.items():
        for officer_id, key in keys.items():
            console.print(f"  {name:<3} {officer_id:<21} {key}", soft_wrap=True, highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    node: Annotated[
        str | None,
        typer.Option(help="Run as this national node (e.g. kz) and exchange pre-arrival data."),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option(
            help="The organisation that runs the node (e.g. kz-customs); needed with --node."
        ),
    ] = None,
    nats: Annotated[
        str | None,
        typer.Option(
            help="NATS JetStream URL for the exchange; default CORRIDOR_NATS_URL, else in-process."
        ),
    ] = None,
    roots: Annotated[
        Path | None,
        typer.Option(
            help="Pinned country roots (JSON) for --node; default CORRIDOR_DATA_DIR/roots.json."
        ),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(
            help="This node's certificate for --node; default CORRIDOR_DATA_DIR/node-cert.json."
        ),
    ] = None,
    demo_nodes: Annotated[
        bool,
        typer.Option(
            help="Also serve the demo corridor's national nodes (KZ, AZ, GE, TR, EU customs) "
            "under /nodes/<name>, on one in-process bus with this node as the shipper's."
        ),
    ] = False,
) -> None:
    """Serve the node's API (OpenAPI docs at /docs); with --node, also run its exchange."""
    import uvicorn

    from corridor.asgi import create_app

    ctx = open_node()
    if node:
        start_national_node(ctx, node, org, nats, roots, cert)
    where = f" as node {node!r} run by {org}" if node else ""
    served: dict[str, Context] = {}
    if demo_nodes:
        if node:
            raise typer.BadParameter("--demo-nodes runs this node as the shipper's; drop --node")
        served = demo_service.live_corridor(ctx, now()).nodes
    base = f"http://{host}:{port}"
    console.print(f"Serving the corridor node{where} at {base} (web UI: /ui, API docs: /docs)")
    for name in served:
        console.print(f"  national node {name}: {base}/nodes/{name}/ui", highlight=False)
    uvicorn.run(create_app(ctx, served), host=host, port=port, log_level="info")


@app.command()
def demo() -> None:
    """Seed the demo corridor and walk one shipment from Dostyk to Constanța, printing its
    timeline."""
    ctx = open_node()
    start = now()
    run = demo_service.run(ctx, start)
    walked, net = run.walk, ctx.network
    s = walked.shipment
    console.rule(f"Shipment {s.reference}")
    console.print(
        f"{len(s.draft.goods)} goods items, containers "
        f"{', '.join(c.number for c in s.draft.containers)}; consignor "
        f"{s.draft.consignor}, consignee {s.draft.consignee}"
    )
    print_route(s.route, net)
    console.rule("Readiness with only the invoice and packing list")
    print_report(walked.incomplete, net)
    console.rule("Readiness with the file complete")
    print_report(walked.complete, net)
    print_chain(handover.chain(ctx, run.shipper, s.id), net)
    table = Table(title="Timeline (after submission: planned from typical leg and dwell times)")
    for col in ("day", "time (UTC)", "place", "event"):
        table.add_column(col)
    for ev in walked.timeline:
        day = (ev.at - start).total_seconds() / 86400
        place = f"{net.nodes[ev.place].name} ({net.nodes[ev.place].country})" if ev.place else ""
        table.add_row(f"{day:5.1f}", f"{ev.at:%Y-%m-%d %H:%M}", place, ev.summary)
    console.print(table)
    console.rule("Signed documents")
    for kind, verdict in run.verdicts.items():
        console.print(f"{kind.value:24} {verdict.status}: {verdict.message}")
    console.print(
        f"Printed the invoice to {run.invoice_pdf}; verifying the PDF itself: "
        f"[bold]{run.pdf_verdict.status}[/] ({run.pdf_verdict.message})"
    )
    console.rule("Pre-arrival data to the national nodes")
    sent = run.exchanged
    table = Table(
        title=f"{sent.envelopes} sealed envelopes, {sent.bus_bytes} bytes on the bus "
        "(node ids and ciphertext only)"
    )
    for col in ("node", "procedure", "documents and fields received", "answer"):
        table.add_column(col)
    for name, docs in sent.received.items():
        shown = "; ".join(f"{k}: {', '.join(v)}" for k, v in docs.items())
        table.add_row(
            name,
            sent.procedures.get(name, "-"),
            shown or "nothing (not on the route)",
            sent.answers.get(name, "-"),
        )
    console.print(table)
    console.rule("Decisions at the borders (each on the authority's own node)")
    table = Table(
        title="Taken from each officer's queue when the goods reach the leg (the lane was "
        "set on receipt of the pre-arrival data)"
    )
    for col in ("node", "procedure", "lane", "profiles hit", "decision", "hours before arrival"):
        table.add_column(col)
    for b in run.customs.borders:
        ahead = f"{b.hours_ahead:.0f}" if b.hours_ahead is not None else "-"
        table.add_row(
            b.node, b.procedure, b.channel, ", ".join(b.hits) or "-", "; ".join(b.actions), ahead
        )
    console.print(table)
    console.rule("A TIR truck on the same corridor: one TIR operation per country")
    truck = handover.plan(
        ctx, "khorgos-road", "sarp", start, via=("nur-zholy", "kuryk", "red-bridge")
    )
    print_chain(truck, net)
    console.rule("The chain walked: each leg opened and ended on its own authority's node")
    table = Table(title="Each leg's signed proof of end, verified by the next authority")
    for col in (
        "leg",
        "regime",
        "authority",
        "opened",
        "ended",
        "proof received by the next",
        "hours before arrival",
    ):
        table.add_column(col)
    for leg in run.customs.legs:
        ahead = leg.hours_before_arrival
        table.add_row(
            str(leg.leg),
            leg.regime,
            leg.authority,
            f"{leg.opened:%Y-%m-%d %H:%M}",
            f"{leg.ended:%Y-%m-%d %H:%M}" if leg.ended else "-",
            f"{leg.proof_received_by_next:%Y-%m-%d %H:%M}" if leg.proof_received_by_next else "-",
            f"{ahead:.0f}" if ahead is not None else "-",
        )
    console.print(table)
    if run.customs.mrn:
        folder = run.customs.exported[0].parent if run.customs.exported else None
        console.print(
            f"T1 [bold]{run.customs.mrn}[/], lodged by the holder with the Georgian NCTS (a "
            "conformance double stands in for it): "
            f"{' -> '.join(dict.fromkeys(run.customs.states))}; "
            f"{len(run.customs.exported)} NCTS messages sent and answered (each valid against "
            "the official schemas) "
            f"written to {folder}"
        )
    console.print(
        f"Ledger: {len(walked.ledger)} signed entries; check them with "
        f"'corridor ledger verify {s.id}'"
    )
    arrived = walked.timeline[-1].at - start
    console.print(
        f"[bold green]Arrived at Constanța after {arrived.total_seconds() / 86400:.1f}"
        " days[/] of typical moving and dwell time."
    )
