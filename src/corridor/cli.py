"""Command line: corridor init | serve | demo | route | nodes.

Exit codes: 0 success, 1 operational error (store down, conflict), 2 usage error (bad
input, unknown node, no route).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from corridor import demo as demo_mod
from corridor.config import Settings
from corridor.documents import Keys, TrustList, verify_input
from corridor.documents import verify as verify_doc
from corridor.documents.paper import render
from corridor.exceptions import CorridorError, FieldError, InvalidInput, LedgerBroken, NoRoute
from corridor.model import DocumentKind, RoutePreference, ShipmentDraft
from corridor.network import Route, corridor
from corridor.rules import (
    ReadinessReport,
    RulePackError,
    default_engine,
    matrix,
    parse_pack,
    route_jurisdictions,
)
from corridor.shipments import plan_route
from corridor.sim.model import Results
from corridor.store.db import Database

if TYPE_CHECKING:
    from corridor.exchange.runtime import Exchange

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
            walked = demo_mod.walk(db, corridor(), Keys(db, settings.data_dir), _now())
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
    directory: Annotated[
        Path | None,
        typer.Option(
            help="Corridor directory file shared by "
            "the nodes; default "
            "CORRIDOR_DATA_DIR/../directory.json"
        ),
    ] = None,
) -> None:
    """Serve the node's API (OpenAPI docs at /docs); with --node, also run its exchange."""
    import os

    import uvicorn

    from corridor.api.app import create_app

    settings = Settings.from_env()
    with _errors():
        db = _open(settings)
        exchange = None
        if node:
            exchange = _exchange(
                db, settings, node, org, nats or os.environ.get("CORRIDOR_NATS_URL"), directory
            )
    where = f" as node {node!r} run by {org}" if node else ""
    console.print(f"Serving the corridor node{where} at http://{host}:{port} (API docs: /docs)")
    uvicorn.run(
        create_app(db, settings=settings, exchange=exchange), host=host, port=port, log_level="info"
    )


def _exchange(
    db: Database,
    settings: Settings,
    node: str,
    org: str | None,
    nats_url: str | None,
    directory: Path | None,
) -> Exchange:
    from corridor import registry
    from corridor.exchange.bus import InProcessBus, NatsBus
    from corridor.exchange.runtime import Exchange
    from corridor.exchange.service import Node

    if not org:
        raise InvalidInput("--node needs --org: the organisation that runs the node")
    operator = registry.get_organisation(db, org)
    # NATS connects on first use, inside the server's event loop.
    bus: Any = NatsBus(url=nats_url) if nats_url else InProcessBus()
    return Exchange(
        Node.open(node, operator, db, settings.data_dir, _now()),
        bus,
        directory or settings.data_dir.parent / "directory.json",
    )


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
        signing = Keys(db, settings.data_dir)
        walked = demo_mod.walk(db, corridor(), signing, start)
    s = walked.shipment
    console.rule(f"Shipment {s.reference}")
    console.print(
        f"{len(s.draft.goods)} goods items, containers "
        f"{', '.join(c.number for c in s.draft.containers)}; consignor "
        f"{s.draft.consignor}, consignee {s.draft.consignee}"
    )
    print_route(s.route)
    console.rule("Readiness with only the invoice and packing list")
    print_report(walked.incomplete)
    console.rule("Readiness with the file complete")
    print_report(walked.complete)
    table = Table(title="Timeline (after submission: planned from typical leg and dwell times)")
    for col in ("day", "time (UTC)", "place", "event"):
        table.add_column(col)
    net = corridor()
    for ev in walked.timeline:
        day = (ev.at - start).total_seconds() / 86400
        place = f"{net.nodes[ev.place].name} ({net.nodes[ev.place].country})" if ev.place else ""
        table.add_row(f"{day:5.1f}", f"{ev.at:%Y-%m-%d %H:%M}", place, ev.summary)
    console.print(table)
    console.rule("Signed documents")
    trust_list = signing.trust_list()
    for kind, token in walked.tokens.items():
        verdict = verify_input(token.encode("ascii"), trust_list)
        console.print(f"{kind.value:24} {verdict.status}: {verdict.message}")
    invoice = walked.tokens[DocumentKind.COMMERCIAL_INVOICE]
    pdf_path = settings.data_dir / f"{s.reference}-invoice.pdf"
    pdf_path.write_bytes(render(invoice, verify_doc(invoice, trust_list)))
    from_paper = verify_input(pdf_path.read_bytes(), trust_list)
    console.print(
        f"Printed the invoice to {pdf_path}; verifying the PDF itself: "
        f"[bold]{from_paper.status}[/] ({from_paper.message})"
    )
    console.rule("Pre-arrival data to the national nodes")
    import asyncio

    sent = asyncio.run(demo_mod.exchange(db, signing, settings.data_dir, s.id, _now()))
    table = Table(
        title=f"{sent.envelopes} sealed envelopes, {sent.bus_bytes} bytes on the bus "
        "(node ids and ciphertext only)"
    )
    for col in ("node", "procedure", "documents and fields received"):
        table.add_column(col)
    for node, docs in sent.received.items():
        shown = "; ".join(f"{k}: {', '.join(v)}" for k, v in docs.items())
        table.add_row(node, sent.procedures.get(node, "-"), shown or "nothing (not on the route)")
    console.print(table)
    console.print(
        f"Ledger: {len(walked.ledger)} signed entries; check them with "
        f"'corridor ledger verify {s.id}'"
    )
    arrived = walked.timeline[-1].at - start
    console.print(
        f"[bold green]Arrived at Constanța after {arrived.total_seconds() / 86400:.1f}"
        " days[/] of typical moving and dwell time."
    )


rules_app = typer.Typer(help="Harmonised rule packs: compare and lint them.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

NOT_READY = 3
_OUTCOME_STYLE = {"passed": "green", "missing": "yellow", "blocking": "bold red"}


def print_report(report: ReadinessReport) -> None:
    """A readiness report as one table per border crossing."""
    net = corridor()
    for c in report.crossings:
        node = net.nodes[c.node]
        title = (
            f"{c.country} {c.procedure.value} at {node.name} ({c.at:%Y-%m-%d %H:%M} UTC)"
            f" - {c.jurisdiction or 'no pack'} {c.pack_version or ''}"
        )
        table = Table(title=title, title_justify="left", show_lines=False)
        for col in ("rule", "outcome", "what", "provide"):
            table.add_column(col)
        for r in c.results:
            style = _OUTCOME_STYLE[r.outcome.value]
            table.add_row(r.rule_id, f"[{style}]{r.outcome.value}[/]", r.message, r.provide or "")
        if c.note:
            table.add_row("", "[yellow]note[/]", c.note, "")
        elif not c.results:
            table.add_row("", "", "No rule of this pack applies to this shipment here.", "")
        console.print(table)
    verdict = "[bold green]READY[/]" if report.ready else "[bold red]NOT READY[/]"
    console.print(
        f"{verdict}: {report.passed} passed, {report.missing} missing, {report.blocking} blocking"
    )


@app.command()
def check(
    file: Annotated[
        str,
        typer.Argument(
            help="Shipment JSON file (a draft as for POST /shipments), or - for standard input."
        ),
    ],
    date_: Annotated[
        str | None,
        typer.Option(
            "--date", help="Departure date YYYY-MM-DD; default: the shipment's, or today."
        ),
    ] = None,
    doc: Annotated[
        list[DocumentKind] | None, typer.Option(help="A document kind you hold (repeatable).")
    ] = None,
) -> None:
    """Check a shipment against every border's rules before departure. Exit 0 when ready,
    3 when something is missing or blocking."""
    with _errors():
        raw = sys.stdin.read() if file == "-" else _read(file)
        try:
            shipment = ShipmentDraft.model_validate_json(raw)
        except ValidationError as exc:
            raise InvalidInput(
                f"{file} is not a valid shipment",
                [
                    FieldError(".".join(str(p) for p in e["loc"]) or "(root)", str(e["msg"]))
                    for e in exc.errors()
                ],
            ) from None
        departure = _parse_date(date_) if date_ else None
        engine = default_engine()
        route = plan_route(engine.network, shipment)
        report = engine.check(shipment, route, doc or [], departure or shipment.departure)
    print_report(report)
    if not report.ready:
        raise typer.Exit(NOT_READY)


def _read(path: str) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--date {text!r} is not a date; use YYYY-MM-DD") from None


@rules_app.command("diff")
def rules_diff(
    route_: Annotated[
        tuple[str, str] | None, typer.Option("--route", help="Origin and destination node ids.")
    ] = None,
    date_: Annotated[
        str | None,
        typer.Option("--date", help="Date the packs are in force (YYYY-MM-DD); default today."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show who requires what across the jurisdictions of a route (or all), and where they
    differ."""
    with _errors():
        packs = default_engine().packs
        if route_:
            countries = corridor().route(route_[0], route_[1]).countries
            jurisdictions = route_jurisdictions(packs, countries)
        else:
            jurisdictions = packs.jurisdictions
        m = matrix(packs, jurisdictions, _parse_date(date_) if date_ else _now().date())
    if as_json:
        console.print_json(m.model_dump_json())
        return
    table = Table(
        title=f"Requirements in force on {m.date} ({m.differing} of {len(m.rows)} topics differ)",
        show_lines=True,
    )
    table.add_column("topic")
    for j in m.jurisdictions:
        table.add_column(j)
    for row in m.rows:
        style = "" if row.agree else "yellow"
        table.add_row(
            f"[{style}]{row.topic}[/]" if style else row.topic,
            *[row.cells.get(j) or "-" for j in m.jurisdictions],
        )
    console.print(table)


@rules_app.command("lint")
def rules_lint(
    packs: Annotated[list[Path], typer.Argument(help="Rule pack YAML files.")],
) -> None:
    """Check rule pack files; print every problem with file and line. Exit 2 on errors."""
    failed = False
    for path in packs:
        try:
            pack = parse_pack(_read(str(path)), str(path))
        except RulePackError as error:
            failed = True
            for e in error.errors:
                err.print(f"[red]{e.field}[/]: {e.message}")
            continue
        except InvalidInput as error:
            failed = True
            err.print(f"[red]{path}[/]: {error.detail}")
            continue
        console.print(
            f"[green]ok[/] {path}: {pack.jurisdiction} {pack.version}, {len(pack.rules)} rules"
        )
    if failed:
        raise typer.Exit(2)


simulate_app = typer.Typer(
    help="Simulate the corridor: where the days go, and what digitisation buys."
)
app.add_typer(simulate_app, name="simulate")


def _progress_run(regimes: list[str], containers: int, seed: int) -> list[Results]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from corridor.sim import simulate as run_sim

    out = []
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        for name in regimes:
            task = progress.add_task(f"{name:8} containers delivered", total=containers)
            out.append(run_sim(name, containers, seed, on_delivery=partial(progress.advance, task)))
    return out


def _print_sim(results: list[Results], out: Path) -> None:
    from corridor.sim.params import shipped as shipped_regimes
    from corridor.sim.report import breakdown, label, plot, summarise, write_csv

    published = shipped_regimes().published
    table = Table(title="Dostyk -> Constanța: model against published figures (days)")
    for col in (
        "regime",
        "p50",
        "p90",
        "p99",
        "moving",
        "processing",
        "waiting",
        "published",
        "p50 vs published",
    ):
        table.add_column(col, justify="left" if col == "regime" else "right")
    for r in results:
        s = summarise(r)
        pub = published.get(r.regime)
        ok = "" if pub is None else pub.verdict(s.p50)
        table.add_row(
            r.regime,
            f"{s.p50:.1f}",
            f"{s.p90:.1f}",
            f"{s.p99:.1f}",
            f"{s.moving:.1f}",
            f"{s.processing:.1f}",
            f"{s.waiting:.1f}",
            (f"{'target ' if pub.target else ''}{pub.low:g}-{pub.high:g} (~{pub.point:g})")
            if pub
            else "-",
            ok,
        )
    console.print(table)
    net = corridor()
    for r in results:
        worst = sorted(breakdown(r), key=lambda pv: -sum(pv[1].values()))[:3]
        places = ", ".join(f"{label(net, p)} {sum(v.values()):.1f} d" for p, v in worst)
        util = r.utilisation()
        busiest = max(util, key=util.get) if util else "-"  # type: ignore[arg-type]
        console.print(
            f"[bold]{r.regime}[/]: most days at {places}; throughput "
            f"{summarise(r).throughput_per_day:.1f} containers/day; busiest resource "
            f"{busiest} ({util.get(busiest, 0):.0%})"
        )
    files = write_csv(results, out) + plot(results, published, net, out)
    console.print("Wrote " + ", ".join(str(f) for f in files))


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
    with _errors():
        from corridor.sim.params import shipped as shipped_regimes

        shipped_regimes().regime(regime)
        results = _progress_run([regime], containers, seed)
    _print_sim(results, out)


@simulate_app.command("compare")
def simulate_compare(
    containers: Annotated[
        int, typer.Option(min=1, max=2_000_000, help="Containers per regime.")
    ] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    out: Annotated[Path, typer.Option(help="Folder for CSV files and plots.")] = Path("var/sim"),
) -> None:
    """Run every regime on the same route and seed and draw them together."""
    from corridor.sim.params import shipped as shipped_regimes

    with _errors():
        results = _progress_run(list(shipped_regimes().regimes), containers, seed)
    _print_sim(results, out)


keys_app = typer.Typer(help="Signing keys and the corridor trust list.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

INVALID = 3


def _keys(settings: Settings) -> tuple[Database, Keys]:
    db = _open(settings)
    return db, Keys(db, settings.data_dir)


@app.command()
def verify(
    source: Annotated[
        str,
        typer.Argument(
            help="A document: SD-JWT text, the text of its QR "
            "code, or its PDF; - for standard input."
        ),
    ],
    trust: Annotated[
        Path | None,
        typer.Option(help="Trust list JSON (from 'corridor keys export'); default: this node's."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Verify a signed document. Exit 0 when VALID, 3 when INVALID, 2 on a usage error."""
    settings = Settings.from_env()
    with _errors():
        data = sys.stdin.buffer.read() if source == "-" else _read_bytes(source)
        if trust is not None:
            trust_list = TrustList.from_json(_read(str(trust)))
        else:
            trust_list = _keys(settings)[1].trust_list()
    verdict = verify_input(data, trust_list)
    if as_json:
        console.print_json(verdict.model_dump_json())
    elif verdict.document is None:
        console.print(f"[bold red]INVALID[/] ({verdict.reason}): {verdict.message}")
    else:
        doc = verdict.document
        console.print(f"[bold green]VALID[/]: {verdict.message}")
        table = Table(show_header=False)
        for name, value in doc.disclosed.items():
            table.add_row(name, json.dumps(value, ensure_ascii=False))
        console.print(table)
        if doc.withheld_fields:
            console.print("Some fields were not disclosed in this copy.")
    if verdict.status != "VALID":
        raise typer.Exit(INVALID)


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


@keys_app.command("rotate")
def keys_rotate(
    organisation: Annotated[str, typer.Argument(help="Organisation id.")],
) -> None:
    """Give an organisation a new signing key; documents signed with the old one still
    verify."""
    with _errors():
        kid = _keys(Settings.from_env())[1].rotate(organisation, _now())
    console.print(f"{organisation} now signs with key {kid}")


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="Key id.")],
    at: Annotated[
        str | None,
        typer.Option(
            help="Revocation time (ISO 8601, UTC); default now. Documents signed from then on fail."
        ),
    ] = None,
) -> None:
    """Revoke a key from a moment on."""
    with _errors():
        when = datetime.fromisoformat(at).astimezone(UTC) if at else _now()
        _keys(Settings.from_env())[1].revoke(kid, when)
    console.print(f"key {kid} revoked from {when:%Y-%m-%d %H:%M} UTC")


@keys_app.command("list")
def keys_list() -> None:
    """Show the trust list: keys, organisations, countries, roles, validity."""
    with _errors():
        trust_list = _keys(Settings.from_env())[1].trust_list()
    table = Table(title="Corridor trust list")
    for col in ("kid", "organisation", "country", "role", "valid from", "valid to", "revoked"):
        table.add_column(col)
    for e in trust_list.entries.values():
        table.add_row(
            e.kid,
            e.organisation_id,
            e.country,
            e.role,
            f"{e.valid_from:%Y-%m-%d}",
            f"{e.valid_to:%Y-%m-%d}" if e.valid_to else "",
            f"{e.revoked_at:%Y-%m-%d %H:%M}" if e.revoked_at else "",
        )
    console.print(table)


@keys_app.command("export")
def keys_export(
    file: Annotated[Path, typer.Argument(help="Where to write the trust list JSON.")],
) -> None:
    """Write the trust list for verifiers without access to a node (border posts offline)."""
    with _errors():
        trust_list = _keys(Settings.from_env())[1].trust_list()
    file.write_text(trust_list.to_json(), encoding="utf-8")
    console.print(f"wrote {len(trust_list.entries)} keys to {file}")


ledger_app = typer.Typer(help="The tamper-evident ledger of each shipment.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("verify")
def ledger_verify(
    shipment_id: Annotated[str, typer.Argument(help="Shipment id.")],
) -> None:
    """Verify a shipment's ledger on this node: every hash, link and signature. Exit 0 when
    intact, 3 naming the first bad entry."""
    from corridor import ledger

    settings = Settings.from_env()
    with _errors():
        db, keys = _keys(settings)
        with db.transaction() as s:
            chain = ledger.entries(s, shipment_id)
        if not chain:
            raise InvalidInput(f"no ledger for shipment {shipment_id!r} on this node")
        try:
            count = ledger.verify_chain(chain, keys.trust_list())
        except LedgerBroken as broken:
            err.print(
                f"[bold red]BROKEN[/] at entry {broken.seq} ({broken.reason}): {broken.detail}"
            )
            raise typer.Exit(INVALID) from None
    table = Table(title=f"Ledger of {shipment_id}")
    for col in ("seq", "kind", "actor", "at (UTC)", "hash"):
        table.add_column(col)
    for e in chain:
        table.add_row(
            str(e.seq),
            e.kind,
            e.actor_id,
            f"{datetime.fromtimestamp(e.at, UTC):%Y-%m-%d %H:%M}",
            e.hash[:16] + "…",
        )
    console.print(table)
    console.print(f"[bold green]INTACT[/]: {count} entries, head {chain[-1].hash}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run: Callable[..., object] = app
    run(args=argv if argv is not None else sys.argv[1:])
