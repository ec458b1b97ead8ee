"""corridor customs: an officer's queue and decisions, the end of the authority's leg, and
targeting profiles, on an authority's own node.

Officers act with their own API key (CORRIDOR_OFFICER_KEY or --key); linting and diffing
profile files needs no node.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, now, open_node
from corridor.cli.output import read_text
from corridor.exceptions import AuthenticationFailed
from corridor.model import Officer
from corridor.services import (
    Context,
    authentication,
    customs,
    decisions,
    endorsements,
    handover,
    targeting,
)
from corridor.services.decisions import Action

customs_app = typer.Typer(
    help="Customs on an authority's node: queue, decisions, profiles, movements.",
    no_args_is_help=True,
)
profiles_app = typer.Typer(help="Targeting profiles: lint, diff, install.", no_args_is_help=True)
customs_app.add_typer(profiles_app, name="profiles")
app.add_typer(customs_app, name="customs")

KeyOption = Annotated[
    str | None,
    typer.Option("--key", envvar="CORRIDOR_OFFICER_KEY", help="The officer's own API key."),
]


def _officer(ctx: Context, key: str | None) -> Officer:
    if not key:
        raise AuthenticationFailed(
            "customs commands act as an officer: pass --key or set CORRIDOR_OFFICER_KEY"
        )
    return authentication.authenticate_officer(ctx, key)


@customs_app.command("queue")
def queue(key: KeyOption = None, limit: int = 50) -> None:
    """Declarations awaiting a decision, soonest arrival first."""
    ctx = open_node()
    items = customs.queue(ctx, _officer(ctx, key), now(), limit)
    table = Table(title=f"{len(items)} declarations awaiting a decision")
    for col in ("declaration", "procedure", "crossing", "expected", "lane", "hits", "status"):
        table.add_column(col)
    for q in items:
        table.add_row(
            q.id,
            q.procedure,
            q.crossing or "-",
            f"{q.eta:%Y-%m-%d %H:%M}" if q.eta else "-",
            q.channel,
            "; ".join(f"{h['profile']}: {h['reason']}" for h in q.hits) or "-",
            q.status,
        )
    console.print(table)


@customs_app.command("show")
def show(declaration: str, key: KeyOption = None) -> None:
    """One declaration (id or MRN): data received, lane, hit list, decisions."""
    ctx = open_node()
    view = customs.show(ctx, _officer(ctx, key), declaration, now())
    console.print_json(view.model_dump_json())


@customs_app.command("decide")
def decide(
    declaration: str,
    action: Action,
    key: KeyOption = None,
    reason: Annotated[
        str | None, typer.Option(help="Why (needed to hold, refuse, override).")
    ] = None,
    findings: Annotated[str | None, typer.Option(help="What an inspection found.")] = None,
) -> None:
    """Take a decision on a declaration."""
    ctx = open_node()
    d = decisions.decide(ctx, _officer(ctx, key), declaration, action, now(), reason, findings)
    console.print(
        f"{d.action}: {d.status}; declaration {d.declaration_status}"
        + (
            "; awaiting a chief's endorsement of decision " + d.id
            if d.status == "awaiting_endorsement"
            else ""
        )
    )


@customs_app.command("endorse")
def endorse(
    decision: str,
    reason: Annotated[str, typer.Option(help="Your reason; it goes on the record.")],
    key: KeyOption = None,
    refuse: bool = False,
) -> None:
    """Endorse (or --refuse) an examiner's override, as a chief, with your reason."""
    ctx = open_node()
    d = endorsements.endorse(ctx, _officer(ctx, key), decision, now(), reason, not refuse)
    console.print(f"{d.action}: {d.status}; declaration {d.declaration_status}")


@customs_app.command("end-leg")
def end_leg(
    declaration: str,
    key: KeyOption = None,
    broken_seals: Annotated[
        bool, typer.Option("--broken-seals", help="A seal was not intact (give a reservation).")
    ] = False,
    reservation: Annotated[str | None, typer.Option(help="An incident or reservation.")] = None,
) -> None:
    """End this authority's leg of a released declaration: its signed proof of end goes to
    the next leg's authority and to the shipment's parties."""
    ctx = open_node()
    ended = handover.end_leg(
        ctx, _officer(ctx, key), declaration, now(), not broken_seals, reservation
    )
    to = ended.handed_to or "no next authority node"
    console.print(f"Leg {ended.leg} ({ended.regime}) ended; proof of end handed to {to}")


@profiles_app.command("lint")
def profiles_lint(file: str) -> None:
    """Check a profile set; every problem is listed with file:line."""
    ps = targeting.lint(read_text(file), os.path.basename(file))
    console.print(
        f"[green]ok[/]: {ps.authority} version {ps.version}, {len(ps.profiles)} profiles, "
        f"office {ps.office.reference}"
    )


@profiles_app.command("diff")
def profiles_diff(old: str, new: str) -> None:
    """Compare two profile sets (both are validated first)."""
    console.print(targeting.diff(read_text(old), read_text(new)) or "no differences", markup=False)


@profiles_app.command("install")
def profiles_install(file: str, key: KeyOption = None) -> None:
    """Put a profile set in force (a chief), calibrated and written to the ledger."""
    ctx = open_node()
    done = customs.install_profiles(ctx, _officer(ctx, key), read_text(file), now())
    rates = done.calibration["rates"]
    console.print(
        f"version {done.version} in force ({done.profiles} profiles, sha256 {done.sha256[:12]}); "
        f"random draw: red {rates['red']:.3%}, up to yellow {rates['yellow']:.3%}, up to blue "
        f"{rates['blue']:.3%}"
        + ("" if done.reachable else " [yellow]- profiles alone exceed an expected rate[/]")
    )
