"""The corridor directory as signed statements, and the rules that decide what a node trusts.

Three kinds of statement, each canonical JSON signed with Ed25519:

- a **root** is a country's trust anchor, held by its customs authority and pinned on every
  node at set-up from a file the authorities exchange (``roots.json``);
- a **node certificate**, signed by the root of the node's country, names the node, the
  organisation running it, the organisations it hosts, its encryption key and its node key,
  and whether it is that country's sovereign node (the customs authority's own);
- a **key entry**, signed by the key of the node that hosts the organisation, puts one
  organisation's signing key on the trust list (with its validity and any revocation).

A key entry counts only when its node's certificate checks out against a pinned root, its
signature checks out against that node's key, and the node may vouch for it: only for an
organisation its certificate says it hosts; a customs key only from that country's
sovereign node and only for the authority running it; never the customs role otherwise. A
key id claimed by two nodes counts for neither (a private key lives on one node). Every node
applying these rules to the same statements gets the same trust list, whoever relayed them.

Statements are merged per subject (node id or key id), the highest version winning; a
statement that does not verify is kept out and reported, never merged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from corridor.documents import Signer, TrustEntry, TrustList, signing
from corridor.exceptions import InvalidInput, VerificationFailed
from corridor.exchange.envelope import NodeAddress

Kind = Literal["node", "key"]
REVOCATION_REASONS = ("key_compromise", "superseded")


@dataclass(frozen=True)
class Root:
    """A country's pinned trust anchor."""

    country: str
    kid: str
    public_key: str


def load_roots(text: str) -> dict[str, Root]:
    """Pinned roots from their JSON file: ``{"roots": [{country, kid, public_key}]}``."""
    try:
        raw = json.loads(text)
        roots = [Root(str(r["country"]), str(r["kid"]), str(r["public_key"])) for r in raw["roots"]]
        for r in roots:
            signing.public_key(r.public_key)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"the roots file is not a list of pinned country roots: {exc}") from None
    by_country = {r.country: r for r in roots}
    if len(by_country) != len(roots):
        raise InvalidInput("the roots file pins two roots for one country")
    return by_country


@dataclass(frozen=True)
class Statement:
    """A signed statement: its body, who signed it (key id) and the signature."""

    body: dict[str, Any]
    signer: str
    sig: str

    @property
    def kind(self) -> str:
        return str(self.body.get("type"))

    @property
    def subject(self) -> str:
        """The node id of a certificate; node and key id of a key entry."""
        if self.kind == "node":
            return str(self.body.get("node"))
        return f"{self.body.get('node')}/{self.body.get('kid')}"

    @property
    def version(self) -> int:
        v = self.body.get("version")
        return v if isinstance(v, int) and not isinstance(v, bool) else -1

    def to_json(self) -> str:
        return signing.canonical(
            {"body": self.body, "signer": self.signer, "sig": self.sig}
        ).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> Statement:
        try:
            raw = json.loads(text)
            body, signer, sig = raw["body"], raw["signer"], raw["sig"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise InvalidInput("not a signed directory statement") from None
        if not isinstance(body, dict) or not isinstance(signer, str) or not isinstance(sig, str):
            raise InvalidInput("not a signed directory statement")
        return cls(body, signer, sig)


def sign_statement(signer: Signer, body: dict[str, Any]) -> Statement:
    """A statement signed with `signer`."""
    return Statement(body, signer.kid, signing.sign(signer, signing.canonical(body)))


def node_certificate(
    root: Signer,
    *,
    node: str,
    country: str,
    operator: str,
    node_key: str,
    box_public: str,
    sovereign: bool,
    issued: datetime,
    members: list[str],
    version: int = 1,
) -> Statement:
    """A node certificate signed by its country's root."""
    return sign_statement(
        root,
        {
            "type": "node",
            "node": node,
            "country": country,
            "operator": operator,
            "node_key": node_key,
            "box_public": box_public,
            "sovereign": sovereign,
            "members": sorted(set(members)),
            "issued": int(issued.timestamp()),
            "version": version,
        },
    )


def key_entry(node_signer: Signer, node: str, entry: TrustEntry, version: int) -> Statement:
    """A key entry, signed by the key of the node that hosts the organisation."""
    return sign_statement(
        node_signer,
        {
            "type": "key",
            "node": node,
            "kid": entry.kid,
            "public_key": entry.public_key,
            "organisation_id": entry.organisation_id,
            "name": entry.name,
            "country": entry.country,
            "role": entry.role,
            "valid_from": _ts(entry.valid_from),
            "valid_to": _ts(entry.valid_to),
            "revoked_at": _ts(entry.revoked_at),
            "revocation_reason": entry.revocation_reason,
            "version": version,
        },
    )


def _ts(t: datetime | None) -> int | None:
    return None if t is None else int(t.timestamp())


def _time(t: Any) -> datetime | None:
    if t is None:
        return None
    if not isinstance(t, int) or isinstance(t, bool):
        raise ValueError("a time is not a UNIX timestamp")
    return datetime.fromtimestamp(t, UTC)


def _check(statement: Statement, public_key: str) -> None:
    signing.check_signature(
        signing.public_key(public_key), statement.sig, signing.canonical(statement.body)
    )


@dataclass(frozen=True)
class NodeCert:
    """A node certificate that checked out against a pinned root."""

    node: str
    country: str
    operator: str
    node_key: str
    node_kid: str
    box_public: str
    sovereign: bool
    members: frozenset[str]

    def address(self) -> NodeAddress:
        return NodeAddress(self.node, self.country, self.operator, self.box_public)


@dataclass
class Directory:
    """The statements a node has seen, and what it trusts of them."""

    roots: Mapping[str, Root]
    statements: dict[tuple[str, str], Statement] = field(default_factory=dict)
    refused: dict[tuple[str, str], str] = field(default_factory=dict)

    def merge(self, incoming: Iterable[Statement]) -> int:
        """Take newer versions of statements; returns how many changed."""
        changed = 0
        for st in incoming:
            if st.kind not in ("node", "key") or st.version < 0:
                continue
            slot = (st.kind, st.subject)
            held = self.statements.get(slot)
            if held is None or st.version > held.version:
                self.statements[slot] = st
                changed += 1
        if changed:
            self._resolve()
        return changed

    def _resolve(self) -> None:
        self.refused = {}
        certs: dict[str, NodeCert] = {}
        for (kind, subject), st in sorted(self.statements.items()):
            if kind != "node":
                continue
            try:
                certs[subject] = self._cert(st)
            except (ValueError, KeyError, TypeError, VerificationFailed) as exc:
                self.refused[kind, subject] = str(exc) or type(exc).__name__
        entries: dict[str, TrustEntry] = {}
        hosts: dict[str, str] = {}
        claimed: dict[str, list[tuple[str, str]]] = {}
        for (kind, subject), st in sorted(self.statements.items()):
            if kind != "key":
                continue
            try:
                entry, node = self._entry(st, certs)
            except (ValueError, KeyError, TypeError, VerificationFailed) as exc:
                self.refused[kind, subject] = str(exc) or type(exc).__name__
                continue
            claimed.setdefault(entry.kid, []).append((kind, subject))
            entries[entry.kid], hosts[entry.kid] = entry, node
        for kid, slots in claimed.items():
            if len(slots) > 1:
                for slot in slots:
                    self.refused[slot] = f"key {kid!r} is claimed by more than one node"
                del entries[kid], hosts[kid]
        self._certs, self._entries, self._hosts = certs, entries, hosts
        self._trust = TrustList(list(entries.values()))

    def _cert(self, st: Statement) -> NodeCert:
        b = st.body
        root = self.roots.get(str(b["country"]))
        if root is None or st.signer != root.kid:
            raise ValueError(f"node {b['node']!r} is not certified by a pinned root of its country")
        _check(st, root.public_key)
        node_key = str(b["node_key"])
        members = b.get("members")
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ValueError(f"node {b['node']!r} names no organisations it hosts")
        return NodeCert(
            node=str(b["node"]),
            country=str(b["country"]),
            operator=str(b["operator"]),
            node_key=node_key,
            node_kid=signing.kid_for(signing.b64decode(node_key)),
            box_public=str(b["box_public"]),
            sovereign=bool(b["sovereign"] is True),
            members=frozenset(members),
        )

    def _entry(self, st: Statement, certs: Mapping[str, NodeCert]) -> tuple[TrustEntry, str]:
        b = st.body
        cert = certs.get(str(b["node"]))
        if cert is None:
            raise ValueError(f"key {st.subject!r} comes from a node without a certificate")
        if st.signer != cert.node_kid:
            raise ValueError(f"key {st.subject!r} is not signed by the key of node {cert.node!r}")
        _check(st, cert.node_key)
        role, country, org = str(b["role"]), str(b["country"]), str(b["organisation_id"])
        if org not in cert.members:
            raise ValueError(f"node {cert.node!r} is not certified to host {org!r}")
        if role == "customs" and not (
            cert.sovereign and cert.country == country and cert.operator == org
        ):
            raise ValueError(
                f"node {cert.node!r} may not vouch for the customs authority {org!r} of {country}"
            )
        kid = str(b["kid"])
        if signing.kid_for(signing.b64decode(str(b["public_key"]))) != kid:
            raise ValueError(f"key {kid!r} does not match its public key")
        reason = b.get("revocation_reason")
        if reason is not None and reason not in REVOCATION_REASONS:
            raise ValueError(f"unknown revocation reason {reason!r}")
        valid_from = _time(b["valid_from"])
        assert valid_from is not None
        entry = TrustEntry(
            kid=kid,
            organisation_id=org,
            name=str(b["name"]),
            country=country,
            role=role,
            public_key=str(b["public_key"]),
            valid_from=valid_from,
            valid_to=_time(b.get("valid_to")),
            revoked_at=_time(b.get("revoked_at")),
            revocation_reason=reason,
        )
        return entry, cert.node

    # What the node trusts.

    def trust(self) -> TrustList:
        """The trust list every node derives from these statements."""
        if not hasattr(self, "_trust"):
            self._resolve()
        return self._trust

    def certificates(self) -> dict[str, NodeCert]:
        if not hasattr(self, "_certs"):
            self._resolve()
        return dict(self._certs)

    def host_of(self, kid: str) -> str | None:
        """The node that published a key."""
        if not hasattr(self, "_hosts"):
            self._resolve()
        return self._hosts.get(kid)

    def addresses(self) -> list[NodeAddress]:
        """Every certified node's address."""
        return [c.address() for c in self.certificates().values()]

    def authorities(self) -> list[NodeAddress]:
        """The sovereign nodes: where each country's pre-arrival data goes."""
        return [c.address() for c in self.certificates().values() if c.sovereign]

    def to_json(self) -> str:
        """Every statement held, for the node's own pinned copy."""
        return json.dumps(
            [json.loads(st.to_json()) for _, st in sorted(self.statements.items())], indent=1
        )

    def load_json(self, text: str) -> int:
        """Merge a pinned copy written by `to_json`."""
        try:
            raw = json.loads(text)
            statements = [Statement.from_json(json.dumps(r)) for r in raw]
        except (ValueError, TypeError, InvalidInput):
            return 0
        return self.merge(statements)
