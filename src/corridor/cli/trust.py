"""corridor trust root | pin | request | certify: joining the corridor under the pinned
roots of its countries' authorities; approve-recovery: an authority approves one recovery of a
member of its country."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from corridor.cli.app import app
from corridor.cli.console import console, now, open_node
from corridor.cli.output import read_text
from corridor.exceptions import InvalidInput
from corridor.services import federation, organisations, recovery

trust_app = typer.Typer(
    help="Country roots and node certificates: who may vouch for which keys.",
    no_args_is_help=True,
)
app.add_typer(trust_app, name="trust")


@trust_app.command("root")
def trust_root(
    country: Annotated[str, typer.Argument(help="ISO 3166 country code, e.g. KZ.")],
    folder: Annotated[
        Path, typer.Option("--dir", help="The authority's offline folder for the root key.")
    ],
) -> None:
    """Make (once) a country's root key in the authority's folder and write its public
    half as DIR/root.json, for the authorities to exchange and pin."""
    country = country.upper()
    root, _signer = federation.root_key(folder, country)
    console.print(f"{country} root {root.kid}; public half in {folder / 'root.json'}")


@trust_app.command("pin")
def trust_pin(
    roots: Annotated[list[Path], typer.Argument(help="root.json files of the authorities.")],
    out: Annotated[Path, typer.Option(help="The pinned-roots file to write.")] = Path("roots.json"),
) -> None:
    """Combine the authorities' public roots into the pinned-roots file every node loads."""
    pinned = []
    for path in roots:
        try:
            raw = json.loads(read_text(str(path)))
        except ValueError:
            raise InvalidInput(f"{path} is not a root.json file") from None
        pinned.append(federation.parse_roots(json.dumps({"roots": [raw]})))
    text = federation.roots_file([r for p in pinned for r in p.values()])
    federation.parse_roots(text)  # one root per country
    out.write_text(text, "utf-8")
    console.print(f"pinned {len(pinned)} roots in {out}")


@trust_app.command("request")
def trust_request(
    node: Annotated[str, typer.Option(help="The node id, e.g. kz.")],
    org: Annotated[str, typer.Option(help="The organisation that runs the node.")],
    member: Annotated[
        list[str] | None,
        typer.Option(help="An organisation the node hosts (repeatable; the operator always)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the request.")] = None,
) -> None:
    """Make this node's keys (once) and write the request its country's authority certifies."""
    ctx = open_node()
    req = federation.request(ctx, node, org, member)
    path = out or ctx.settings.data_dir / "node-request.json"
    path.write_text(json.dumps(req, indent=2), "utf-8")
    console.print(f"request for node {node!r} ({req['country']}) written to {path}")


@trust_app.command("certify")
def trust_certify(
    request: Annotated[Path, typer.Argument(help="The node's request (JSON).")],
    folder: Annotated[Path, typer.Option("--dir", help="The authority's root folder.")],
    out: Annotated[Path, typer.Option(help="Where to write the certificate.")] = Path(
        "node-cert.json"
    ),
) -> None:
    """Sign a node's certificate with the country's root (the authority's step)."""
    try:
        req = json.loads(read_text(str(request)))
    except ValueError:
        raise InvalidInput(f"{request} is not a node request") from None
    if not isinstance(req, dict):
        raise InvalidInput(f"{request} is not a node request")
    root, signer = federation.open_root(folder)
    cert = federation.certify(root, signer, req, now())
    out.write_text(cert.to_json(), "utf-8")
    kind = "sovereign node" if cert.body["sovereign"] else "node"
    console.print(f"certified {root.country} {kind} {cert.subject!r} in {out}")


@trust_app.command("broker-user")
def trust_broker_user() -> None:
    """Make (once) this node's NATS user and print its public key for the broker operator;
    then run the node with CORRIDOR_NATS_NKEY set to the seed file."""
    ctx = open_node()
    seed, public = federation.broker_user(ctx.settings.data_dir)
    console.print(f"NATS user {public}; seed in {seed} (set CORRIDOR_NATS_NKEY={seed})")


@trust_app.command("broker-config")
def trust_broker_config(
    nodes: Annotated[
        list[str], typer.Argument(help="NODE=PUBLIC_KEY for each node, e.g. az=UDI...")
    ],
    admin: Annotated[str, typer.Option(help="The broker operator's own user public key.")],
    out: Annotated[Path, typer.Option(help="Where to write the block.")] = Path("nats-auth.conf"),
) -> None:
    """Write the NATS server's authorization block: each node may publish only to other
    nodes' inboxes, read only its own and write only its own directory entries (include it
    in the server's configuration)."""
    users = {}
    for item in nodes:
        node, sep, key = item.partition("=")
        if not sep or not node or not key:
            raise InvalidInput(f"{item!r}: give each node as NODE=PUBLIC_KEY")
        users[node] = key
    out.write_text(federation.broker_config(users, admin), "utf-8")
    console.print(f"authorization for {len(users)} node(s) and the operator written to {out}")


@trust_app.command("approve-recovery")
def trust_approve_recovery(
    member: Annotated[str, typer.Argument(help="The member to recover (its organisation id).")],
    authority: Annotated[
        str, typer.Option("--as", help="The customs authority approving (its id).")
    ],
    out: Annotated[Path, typer.Option(help="Where to write the approval (JSON).")] = Path(
        "recovery-approval.json"
    ),
) -> None:
    """On the customs authority's own node: approve one recovery of a member of its country
    (signed with the authority's key, valid a week, used once). The member's node operator
    sends it with POST /organisations/{id}/enrolment; the code it yields works only after the
    waiting time, during which the member may refuse."""
    ctx = open_node()
    approval = recovery.approve(ctx, organisations.get(ctx, authority), member, now())
    out.write_text(approval.model_dump_json(indent=2), "utf-8")
    console.print(
        f"Recovery of {member} approved by {authority}, valid until "
        f"{datetime.fromtimestamp(approval.body.expires, UTC):%Y-%m-%d %H:%M} UTC: {out}"
    )
