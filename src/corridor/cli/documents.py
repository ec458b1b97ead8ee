"""corridor verify | keys rotate | keys revoke | keys list | keys export: signed documents
and the trust list."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from corridor.cli.app import app
from corridor.cli.console import console, now, open_node, parse_time
from corridor.cli.output import read_bytes, read_text
from corridor.exceptions import VerificationFailed
from corridor.services import NODE_ADMIN, keys, papers
from corridor.services.papers import TrustList

keys_app = typer.Typer(help="Signing keys and the corridor trust list.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


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
    data = sys.stdin.buffer.read() if source == "-" else read_bytes(source)
    if trust is not None:  # offline: the exported list alone, no node's witnesses
        verdict = papers.check(data, TrustList.from_json(read_text(str(trust))), now())
    else:  # this node's trust list and what it and its peers witnessed
        verdict = papers.verdict(open_node(), data)
    if as_json:
        console.print_json(verdict.model_dump_json())
    doc = verdict.document
    if doc is None:
        raise VerificationFailed(verdict.reason or "malformed", verdict.message)
    if not as_json:
        console.print(f"[bold green]VALID[/]: {verdict.message}")
        table = Table(show_header=False)
        for name, value in doc.disclosed.items():
            table.add_row(name, json.dumps(value, ensure_ascii=False))
        console.print(table)
        if doc.withheld_fields:
            console.print("Some fields were not disclosed in this copy.")


@keys_app.command("rotate")
def keys_rotate(
    organisation: Annotated[str, typer.Argument(help="Organisation id.")],
) -> None:
    """Give an organisation a new signing key; documents signed with the old one still
    verify."""
    kid = keys.rotate(open_node(), NODE_ADMIN, organisation, now())
    console.print(f"{organisation} now signs with key {kid}")


@keys_app.command("revoke")
def keys_revoke(
    kid: Annotated[str, typer.Argument(help="Key id.")],
    at: Annotated[
        str | None,
        typer.Option(
            help="Revocation time, ISO 8601 with a zone (e.g. 2026-03-02T08:00Z); default now."
        ),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            help="superseded: documents signed from --at on fail; key_compromise: everything "
            "the key ever signed fails."
        ),
    ] = "superseded",
) -> None:
    """Revoke a key; a running national node publishes the revocation at once."""
    when = parse_time(at) if at else now()
    keys.revoke(open_node(), NODE_ADMIN, kid, when, reason)
    console.print(f"key {kid} revoked ({reason}) from {when:%Y-%m-%d %H:%M} UTC")


@keys_app.command("list")
def keys_list() -> None:
    """Show the trust list: keys, organisations, countries, roles, validity."""
    trust_list = keys.trust_list(open_node())
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
    trust_list = keys.trust_list(open_node())
    file.write_text(trust_list.to_json(), encoding="utf-8")
    console.print(f"wrote {len(trust_list.entries)} keys to {file}")
