"""The consoles every command prints to, and the node context a command opens."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from corridor.config import Settings
from corridor.services import Context

console = Console()
err = Console(stderr=True)


def now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def open_node() -> Context:
    """The node in CORRIDOR_DATA_DIR / CORRIDOR_DATABASE_URL, its store migrated."""
    return Context.open(Settings.from_env())
