"""Joining the corridor: country roots, node certificates, and what a node publishes.

How a node joins (each step a command, see the README):

1. Each country's customs authority makes its root key once and keeps it offline
   (`root_key`); the authorities exchange the public halves as ``roots.json`` and every node
   pins that file.
2. A node makes its node key and encryption key and writes a request naming itself and the
   organisation that runs it (`request`).
3. The authority of the node's country signs a certificate for it (`certify`); only the
   authority's own node is `sovereign`, allowed to vouch for that authority's keys.
4. The node starts with the pinned roots and its certificate; it publishes the certificate
   and, signed with its node key, the key entries of the organisations it hosts.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from corridor.documents import Signer, signing
from corridor.exceptions import InvalidInput
from corridor.exchange import broker
from corridor.exchange.directory import (
    Directory,
    NodeCert,
    Root,
    Statement,
    key_entry,
    load_roots,
    node_certificate,
)
from corridor.exchange.envelope import box_key
from corridor.model import Organisation, Role
from corridor.services import organisations
from corridor.services.context import Context

NODE_KEY = "node.pem"


def _private_file(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def _key_file(path: Path) -> Signer:
    """The Ed25519 key kept in `path` (made, owner-only, on first use)."""
    if not path.exists():
        _kid, _public, pem = signing.new_signing_key()
        _private_file(path, pem)
    pem = path.read_bytes()
    kid = signing.kid_for(signing.public_raw_of(pem))
    return signing.load_signer(pem, kid)


def root_key(folder: Path, country: str) -> tuple[Root, Signer]:
    """A country's root, made on first use in `folder` (the authority's offline store) with
    its public half beside it as ``root.json``."""
    public = folder / "root.json"
    if public.exists():
        root, signer = open_root(folder)
        if root.country != country:
            raise InvalidInput(f"{folder} holds the root of {root.country}, not of {country}")
        return root, signer
    signer = _key_file(folder / "root.pem")
    root = Root(country, signer.kid, signing.public_key_of(signer))
    public.write_text(json.dumps(root.__dict__, indent=2), "utf-8")
    return root, signer


def open_root(folder: Path) -> tuple[Root, Signer]:
    """The root kept in an authority's folder (``root.pem`` and ``root.json``)."""
    try:
        raw = json.loads((folder / "root.json").read_text("utf-8"))
        root = Root(str(raw["country"]), str(raw["kid"]), str(raw["public_key"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise InvalidInput(
            f"{folder} holds no root; make one with the country's authority first"
        ) from None
    signer = _key_file(folder / "root.pem")
    if signer.kid != root.kid:
        raise InvalidInput(f"the root key in {folder} does not match its root.json")
    return root, signer


def parse_roots(text: str) -> dict[str, Root]:
    """Pinned roots from the text of a roots file (one root per country)."""
    return load_roots(text)


def node_signer(ctx: Context) -> Signer:
    """This node's own key: it signs the key entries the node publishes."""
    return _key_file(ctx.settings.data_dir / "keys" / "_node" / NODE_KEY)


def request(
    ctx: Context, node_id: str, org_id: str, members: list[str] | None = None
) -> dict[str, Any]:
    """What a node asks its country's authority to certify: itself, the organisation that
    runs it, and the organisations it hosts (the operator always among them)."""
    operator = organisations.get(ctx, org_id)
    for member in members or []:
        organisations.get(ctx, member)
    box = box_key(ctx.settings.data_dir / "keys" / "_node")
    return {
        "node": node_id,
        "country": operator.country,
        "operator": operator.id,
        "operator_role": operator.role.value,
        "members": sorted({operator.id, *(members or [])}),
        "node_key": signing.public_key_of(node_signer(ctx)),
        "box_public": signing.b64encode(bytes(box.public_key)),
    }


def certify(
    root: Root, root_signer: Signer, req: dict[str, Any], now: datetime, version: int = 1
) -> Statement:
    """The certificate of a requesting node, signed by its country's root. The node is
    sovereign when the customs authority of that country runs it."""
    try:
        node, country, operator = str(req["node"]), str(req["country"]), str(req["operator"])
        node_key, box_public = str(req["node_key"]), str(req["box_public"])
        members = [str(m) for m in req.get("members") or [operator]]
        signing.public_key(node_key)
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("the node request is incomplete or its keys are not keys") from None
    if country != root.country:
        raise InvalidInput(f"a {root.country} root certifies {root.country} nodes, not {country}")
    return node_certificate(
        root_signer,
        node=node,
        country=country,
        operator=operator,
        node_key=node_key,
        box_public=box_public,
        sovereign=req.get("operator_role") == Role.CUSTOMS.value,
        issued=now,
        members=members,
        version=version,
    )


def read_roots(path: Path) -> dict[str, Root]:
    """The pinned roots file."""
    try:
        return load_roots(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the pinned roots {path}: {exc.strerror}") from None


def read_certificate(path: Path) -> Statement:
    """A node certificate file."""
    try:
        return Statement.from_json(path.read_text("utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the node certificate {path}: {exc.strerror}") from None


def check_certificate(
    ctx: Context, roots: dict[str, Root], cert: Statement, node_id: str, operator: Organisation
) -> NodeCert:
    """Refuse a certificate that is not this node's, or that no pinned root signed; returns
    what it certifies (sovereign or not, the organisations hosted)."""
    directory = Directory(roots)
    directory.merge([cert])
    found = directory.certificates().get(node_id)
    if found is None:
        why = directory.refused.get(("node", node_id), "it names another node")
        raise InvalidInput(f"the node certificate does not hold for node {node_id!r}: {why}")
    box = box_key(ctx.settings.data_dir / "keys" / "_node")
    mine = (
        found.operator == operator.id
        and found.node_key == signing.public_key_of(node_signer(ctx))
        and found.box_public == signing.b64encode(bytes(box.public_key))
    )
    if not mine:
        raise InvalidInput(
            f"the certificate for {node_id!r} was made for other keys or another operator; "
            "request a new one"
        )
    return found


def own_statements(ctx: Context, node_id: str, cert: Statement) -> list[Statement]:
    """This node's certificate and the key entries of the organisations it hosts."""
    signer = node_signer(ctx)
    with ctx.db.transaction() as s:
        trust = ctx.keys.load_trust(s)
        versions = ctx.keys.versions(s)
    return [cert] + [
        key_entry(signer, node_id, entry, versions.get(kid, 1))
        for kid, entry in sorted(trust.entries.items())
    ]


def own_version(ctx: Context) -> object:
    """Changes whenever a key of this node is made, rotated or revoked."""
    with ctx.db.transaction() as s:
        return tuple(sorted(ctx.keys.versions(s).items()))


def pinned_directory(data_dir: Path) -> Directory | None:
    """The directory a node pinned in its data folder, checked against its pinned roots, or
    None when it has none. Checked again only when either file changes."""
    roots, cached = data_dir / "roots.json", data_dir / "directory.json"
    try:
        stamp = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in (roots, cached))
    except OSError:
        return None
    held = _PINNED.get(data_dir)
    if held is not None and held[0] == stamp:
        return held[1]
    directory = Directory(read_roots(roots))
    directory.load_json(cached.read_text("utf-8"))
    _PINNED[data_dir] = (stamp, directory)
    return directory


_PINNED: dict[Path, tuple[object, Directory]] = {}


def roots_file(roots: list[Root]) -> str:
    """The pinned-roots file the authorities exchange."""
    rows = [r.__dict__ for r in sorted(roots, key=lambda r: r.country)]
    return json.dumps({"version": 1, "roots": rows}, indent=2)


def broker_user(data_dir: Path) -> tuple[Path, str]:
    """This node's broker user (made once in its data folder): the seed file to give the
    node as CORRIDOR_NATS_NKEY, and the public key the broker operator configures."""
    return broker.ensure_user(data_dir)


def broker_config(users: dict[str, str], admin: str) -> str:
    """The NATS server's `authorization` block for these nodes (node id -> public key) and
    the operator's admin user."""
    return broker.server_config(users, admin)
