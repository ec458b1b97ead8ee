"""corridor check | rules diff | rules lint: the harmonised rules."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, err, now
from corridor.cli.output import print_report, read_text
from corridor.exceptions import FieldError, InvalidInput, NotReady, RulePackError
from corridor.model import DocumentKind, ShipmentDraft
from corridor.services import rules

rules_app = typer.Typer(help="Harmonised rule packs: compare and lint them.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _parse_date(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date; use YYYY-MM-DD") from None


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
    raw = sys.stdin.read() if file == "-" else read_text(file)
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
    engine = rules.shipped_engine()
    departure = _parse_date(date_) if date_ else None
    report = rules.check_draft(engine, shipment, doc or [], departure, now())
    print_report(report, engine.network)
    if not report.ready:
        raise NotReady(f"{report.missing} missing, {report.blocking} blocking")


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
    on = _parse_date(date_) if date_ else now().date()
    origin, destination = route_ if route_ else (None, None)
    m = rules.harmonisation(rules.shipped_engine(), origin, destination, on)
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
    packs: Annotated[
        list[Path] | None,
        typer.Argument(help="Rule pack YAML files (default: the packs shipped with corridor)."),
    ] = None,
    on: Annotated[
        str | None, typer.Option("--date", help="Review warnings as of this day (YYYY-MM-DD).")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when there are warnings.")] = False,
) -> None:
    """Check rule pack files; print every problem with file and line (exit 2), and warn of
    rules that are unconfirmed or not reviewed against their source within a year of
    --date (exit 1 with --strict)."""
    failed: list[FieldError] = []
    warned = 0
    today = _parse_date(on) if on else now().date()
    if not packs:
        packs = rules.shipped_pack_files()
    for path in packs:
        try:
            pack = rules.lint(read_text(str(path)), str(path), today)
        except RulePackError as error:
            failed += error.errors
            for e in error.errors:
                err.print(f"[red]{e.field}[/]: {e.message}")
            continue
        except InvalidInput as error:
            failed.append(FieldError(str(path), error.detail))
            err.print(f"[red]{path}[/]: {error.detail}")
            continue
        console.print(
            f"[green]ok[/] {path}: {pack.jurisdiction} {pack.version}, {pack.rules} rules, "
            f"reviewed {pack.reviewed or 'never (some rules)'}"
        )
        for w in pack.warnings:
            err.print(f"[yellow]warning[/] {path}: {w.message}")
        warned += len(pack.warnings)
    if warned:
        err.print(
            f"{warned} warning(s): check those rules against their sources and update "
            "'reviewed' (warnings do not fail the lint; --strict makes them)"
        )
    if failed:
        raise RulePackError(f"{len(failed)} problem(s) in the packs above")
    if warned and strict:
        raise typer.Exit(1)
