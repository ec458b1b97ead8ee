"""Tables shared by several commands: a route and a readiness report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.table import Table

from corridor.cli.console import console
from corridor.exceptions import InvalidInput
from corridor.services.handover import ChainView
from corridor.services.network import Network, Route
from corridor.services.rules import ReadinessReport

_OUTCOME_STYLE = {"passed": "green", "missing": "yellow", "blocking": "bold red"}


def print_route(route: Route, net: Network) -> None:
    """A route as a table of legs, then its totals and borders."""
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


def _confidence(status: str, reviewed: date | None) -> str:
    """How far a rule can be relied on: its legal status and when it was last reviewed."""
    shown = {"confirmed": "[green]confirmed[/]", "unconfirmed": "[yellow]unconfirmed[/]"}
    return shown.get(status, status) + (f", reviewed {reviewed}" if reviewed else "")


def print_report(report: ReadinessReport, net: Network) -> None:
    """A readiness report as one table per border crossing."""
    for c in report.crossings:
        node = net.nodes[c.node]
        title = (
            f"{c.country} {c.procedure.value} at {node.name} ({c.at:%Y-%m-%d %H:%M} UTC)"
            f" - {c.jurisdiction or 'no pack'} {c.pack_version or ''}"
        )
        table = Table(title=title, title_justify="left", show_lines=False)
        for col in ("rule", "outcome", "what", "provide", "confidence"):
            table.add_column(col)
        for r in c.results:
            style = _OUTCOME_STYLE[r.outcome.value]
            table.add_row(
                r.rule_id,
                f"[{style}]{r.outcome.value}[/]",
                r.message,
                r.provide or "",
                _confidence(r.legal_status, r.reviewed),
            )
        if c.note:
            table.add_row("", "[yellow]note[/]", c.note, "", "")
        elif not c.results:
            table.add_row("", "", "No rule of this pack applies to this shipment here.", "", "")
        console.print(table)
    verdict = "[bold green]READY[/]" if report.ready else "[bold red]NOT READY[/]"
    console.print(
        f"{verdict}: {report.passed} passed, {report.missing} missing, {report.blocking} blocking"
    )


def print_chain(view: ChainView, net: Network) -> None:
    """A shipment's chain of legs: per leg, which declaration goes to whom, by when, with
    which guarantee, and what proves its end."""
    table = Table(title=f"Customs chain (option {view.option}): one regime per leg")
    for col in (
        "leg",
        "regime",
        "authority",
        "from -> to",
        "lodge",
        "by",
        "guarantee",
        "ends with",
    ):
        table.add_column(col)
    for c in view.legs:
        leg = c.leg
        where = f"{net.nodes[leg.starts_at].name} -> {net.nodes[leg.ends_at].name}"
        flag = " [yellow](UNCONFIRMED parts)[/]" if c.unconfirmed else ""
        table.add_row(
            str(leg.index),
            f"{leg.name}{flag}",
            c.authority or f"[red]no authority of {leg.country} known[/]",
            where,
            leg.declaration,
            f"{c.lodge_by:%Y-%m-%d %H:%M}" if c.lodge_by else "-",
            f"{leg.guarantee.status}: {leg.guarantee.note}",
            leg.proof_of_end,
        )
    console.print(table)
    for note in view.notes:
        console.print(f"[yellow]{note}[/]")


def read_text(path: str) -> str:
    """A file's text, or InvalidInput naming the file."""
    try:
        return Path(path).read_text("utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None


def read_bytes(path: str) -> bytes:
    """A file's bytes, or InvalidInput naming the file."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
