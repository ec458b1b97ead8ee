"""Command line: one module per command group, over `corridor.services`.

Errors become exit codes in one place (`corridor.cli.app.Root`): 0 success, 1 operational
error, 2 usage error, 3 a verdict against the input (shipment not ready, document invalid,
ledger broken).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

# Command groups register themselves on `app` when imported.
from corridor.cli import (
    customs,
    documents,
    exchange,
    ledger,
    ncts,
    network,
    node,
    rules,
    simulate,
    tracking,
    trust,
)
from corridor.cli.app import app, exit_code

__all__ = [
    "app",
    "customs",
    "documents",
    "exchange",
    "exit_code",
    "ledger",
    "main",
    "ncts",
    "network",
    "node",
    "rules",
    "simulate",
    "tracking",
    "trust",
]


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    run: Callable[..., object] = app
    run(args=argv if argv is not None else sys.argv[1:])
