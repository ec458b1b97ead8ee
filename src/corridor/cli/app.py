"""The root command group and the one place where errors become exit codes.

Errors become exit codes in one place (`Root.invoke`): 0 success, 1 operational error
(store down, conflict), 2 usage error (bad input, unknown node, no route), 3 a verdict
against the input (shipment not ready, document invalid, ledger broken). No command exits on
its own: each raises a domain error and this module says what it means.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from corridor.cli.console import err
from corridor.exceptions import (
    CorridorError,
    InvalidInput,
    LedgerBroken,
    NoRoute,
    NotReady,
    VerificationFailed,
)

USAGE_ERRORS: tuple[type[CorridorError], ...] = (InvalidInput, NoRoute)
VERDICTS: tuple[type[CorridorError], ...] = (NotReady, VerificationFailed, LedgerBroken)

# How a person at the shell takes the next step an error points to (see exceptions.HINTS).
HINTS: dict[str, str] = {
    "list_nodes": "'corridor nodes' lists the known node ids.",
    "list_organisations": "The node operator registers organisations (POST /organisations); "
    "'corridor init --demo' registers the demo corridor's.",
    "rotate_key": "Give it one with 'corridor keys rotate ORGANISATION'.",
    "run_as_node": "Run 'corridor serve --node NODE --org ORGANISATION'.",
}


def exit_code(error: CorridorError) -> int:
    """3 for a verdict against the input, 2 for errors the user can fix by changing the
    command, 1 for everything else."""
    if isinstance(error, VERDICTS):
        return 3
    return 2 if isinstance(error, USAGE_ERRORS) else 1


def report(error: CorridorError) -> None:
    """Print an error as a person at the shell needs it, on standard error."""
    hint = f" {HINTS[error.hint]}" if error.hint else ""
    if isinstance(error, VerificationFailed):
        err.print(f"[bold red]INVALID[/] ({error.reason}): {error.detail}")
    elif isinstance(error, LedgerBroken):
        err.print(f"[bold red]BROKEN[/] at entry {error.seq} ({error.reason}): {error.detail}")
    elif isinstance(error, NotReady):
        err.print(f"[bold red]NOT READY[/]: {error.detail}")
    else:
        err.print(f"[bold red]error:[/] {error.detail}{hint}")
    for field in error.errors:
        err.print(f"  {field.field}: {field.message}")


class Root(TyperGroup):
    """The top-level command group: turns domain errors into exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except CorridorError as error:
            report(error)
            raise typer.Exit(exit_code(error)) from None


app = typer.Typer(
    cls=Root,
    help="corridor: the Middle Corridor's electronic document flow node.",
    no_args_is_help=True,
    add_completion=False,
)
