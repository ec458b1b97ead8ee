"""The consoles every command prints to, and the node context a command opens."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from corridor.config import Settings
from corridor.exceptions import InvalidInput
from corridor.services import Context, disclosure

console = Console()
err = Console(stderr=True)


def now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def open_node() -> Context:
    """The node in CORRIDOR_DATA_DIR / CORRIDOR_DATABASE_URL, its store migrated."""
    return Context.open(Settings.from_env())


def parse_time(text: str, option: str = "--at") -> datetime:
    """An ISO 8601 time with its zone, in UTC; a time without a zone is refused rather than
    read in this machine's zone."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a time; use ISO 8601 with a zone") from None
    if when.tzinfo is None:
        raise InvalidInput(
            f"{option} {text!r} has no time zone; add one (e.g. {text}Z for UTC), so the "
            "answer does not depend on this machine's zone"
        )
    return when.astimezone(UTC)


def start_national_node(
    ctx: Context,
    node: str,
    org: str | None,
    nats: str | None,
    roots: Path | None,
    cert: Path | None,
) -> None:
    """This node's exchange as `serve --node` starts it: NATS from `nats` or
    CORRIDOR_NATS_URL (else in-process), the pinned roots and the certificate from the data
    folder unless given."""
    data = ctx.settings.data_dir
    disclosure.start_exchange(
        ctx,
        node,
        org,
        nats or os.environ.get("CORRIDOR_NATS_URL"),
        ctx.clock(),
        roots=roots or data / "roots.json",
        certificate=cert or data / "node-cert.json",
    )
