"""Pre-arrival data between national nodes.

On the sending node, `disclose` works out which authority applies which procedure along the
route, cuts each signed document down to what the disclosure policy entitles that authority
to (SD-JWT presentations: the withheld fields are not in the message at all), seals the
result to the authority's node, and writes the envelopes to the outbox with a ledger entry
each, in one transaction. `relay` publishes the outbox; `pump` on the receiving node takes
messages off the bus, checks and stores them, and acknowledges only after storing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey
from sqlalchemy import bindparam, insert, select

from corridor import ledger
from corridor.documents import MEDIA_TYPE, Keys, TrustList, present
from corridor.documents import verify as verify_document
from corridor.documents.sdjwt import Signer
from corridor.exceptions import Conflict, EnvelopeRejected, NotFound, VerificationFailed
from corridor.exchange.bus import Bus
from corridor.exchange.envelope import NodeAddress, box_key, open_envelope, seal
from corridor.exchange.policy import Policy
from corridor.model import DocumentKind, Organisation, ShipmentDraft
from corridor.network import Network
from corridor.rules import Engine, default_engine
from corridor.rules.engine import segments
from corridor.store.db import Database
from corridor.store.tables import (
    DocumentRow,
    InboxRow,
    OutboxRow,
    RejectionRow,
    ShipmentPartyRow,
    ShipmentRow,
)

log = logging.getLogger("corridor.exchange")
KIND = "pre-arrival"
# Built once: they run for every message a node receives.
_STORE = insert(InboxRow)
_SEEN = select(InboxRow.envelope_id).where(InboxRow.envelope_id == bindparam("id"))


@dataclass
class Node:
    """One national node: who runs it, its own store, signing keys and encryption key."""

    node: str
    organisation: Organisation
    db: Database
    keys: Keys
    box: PrivateKey
    _signer: Signer | None = None

    def signer(self) -> Signer:
        """The node organisation's current signing key, loaded once."""
        if self._signer is None:
            self._signer = self.keys.signer(self.organisation.id)
        return self._signer

    @classmethod
    def open(
        cls, node: str, organisation: Organisation, db: Database, data_dir: Path, now: datetime
    ) -> Node:
        """A node over its store and data folder (its key is created if it has none)."""
        keys = Keys(db, data_dir)
        keys.ensure(organisation.id, now)
        return cls(node, organisation, db, keys, box_key(data_dir / "keys" / "_node"))

    def address(self) -> NodeAddress:
        """This node's directory entry."""
        from corridor.documents import _hazmat as hz

        return NodeAddress(
            self.node,
            self.organisation.country,
            self.organisation.id,
            hz.b64e(bytes(self.box.public_key)),
        )


def merged_trust(lists: Iterable[TrustList]) -> TrustList:
    """One corridor trust list from each node's own."""
    entries = {kid: e for tl in lists for kid, e in tl.entries.items()}
    return TrustList(list(entries.values()))


def disclose(
    sender: Node,
    network: Network,
    shipment_id: str,
    directory: list[NodeAddress],
    policy: Policy,
    now: datetime,
    engine: Engine | None = None,
) -> list[str]:
    """Queue each route authority's entitled pre-arrival data; returns the envelope ids."""
    org = sender.organisation
    sender.keys.ensure(org.id, now)
    signer = sender.keys.signer(org.id)
    authorities = {a.country: a for a in directory}
    with sender.db.transaction() as s:
        row = s.get(ShipmentRow, shipment_id)
        party = s.scalar(
            select(ShipmentPartyRow.shipment_id)
            .where(
                ShipmentPartyRow.shipment_id == shipment_id,
                ShipmentPartyRow.organisation_id == org.id,
            )
            .limit(1)
        )
        if row is None or party is None:
            raise NotFound(f"no shipment {shipment_id!r} that {org.id!r} is party to")
        tokens: dict[DocumentKind, str] = {}
        for doc in s.scalars(
            select(DocumentRow)
            .where(DocumentRow.shipment_id == shipment_id, DocumentRow.media_type == MEDIA_TYPE)
            .order_by(DocumentRow.created_at, DocumentRow.id)
        ):
            tokens[DocumentKind(doc.kind)] = doc.content.decode("ascii")
        from corridor.network import Route

        route = Route.model_validate(row.route)
        draft = ShipmentDraft.model_validate(row.payload)
        # Lodging deadlines from the rule packs: the earliest pre-arrival due time of each
        # crossing, so each authority has its data ahead of it.
        report = (engine or default_engine()).check(
            draft, route, set(tokens), draft.departure or now
        )
        deadlines = {
            (c.country, c.procedure.value): min((r.due for r in c.results if r.due), default=None)
            for c in report.crossings
        }
        ids = []
        for seg in segments(route, network, report.departure):
            to = authorities.get(seg.country)
            if to is None:
                log.warning("no authority node for %s on shipment %s", seg.country, shipment_id)
                continue
            documents = {}
            for kind, token in tokens.items():
                fields = policy.entitled(seg.procedure.value, kind)
                if fields:
                    documents[kind.value] = present(token, fields)
            due = deadlines.get((seg.country, seg.procedure.value))
            payload: dict[str, Any] = {
                "shipment": shipment_id,
                "procedure": seg.procedure.value,
                "crossing": seg.node,
                "eta": seg.at.isoformat(),
                "lodge_by": due.isoformat() if due else None,
                "documents": documents,
            }
            env_id, body = seal(payload, to, sender.node, org.id, signer, KIND, now)
            s.add(OutboxRow(id=env_id, to_node=to.node, body=body, created_at=now, sent_at=None))
            ledger.append(
                s,
                signer,
                org.id,
                shipment_id,
                "disclosed",
                {
                    "to": to.node,
                    "envelope": env_id,
                    "procedure": seg.procedure.value,
                    "lodge_by": due.isoformat() if due else None,
                    "documents": sorted(documents),
                },
                now,
            )
            ids.append(env_id)
    return ids


async def relay(db: Database, bus: Bus, now: Callable[[], datetime], limit: int = 500) -> int:
    """Publish unsent outbox rows; each is marked sent only after the bus took it."""
    with db.transaction() as s:
        pending = [
            (r.id, r.to_node, r.body)
            for r in s.scalars(
                select(OutboxRow)
                .where(OutboxRow.sent_at.is_(None))
                .order_by(OutboxRow.created_at, OutboxRow.id)
                .limit(limit)
            )
        ]
    for env_id, to_node, body in pending:
        await bus.publish(to_node, env_id, body)
        with db.transaction() as s:
            row = s.get(OutboxRow, env_id)
            if row is not None and row.sent_at is None:
                row.sent_at = now()
    return len(pending)


def _reject(db: Database, reason: str, env_id: str | None, detail: str, now: datetime) -> str:
    log.warning("envelope %s rejected (%s): %s", env_id, reason, detail)
    with db.transaction() as s:
        s.add(RejectionRow(at=now, reason=reason, envelope_id=env_id, detail=detail[:500]))
    return reason


def receive(node: Node, raw: bytes, trust: TrustList, now: datetime) -> str:
    """Check, decrypt and store one envelope: 'stored', or the rejection reason (logged)."""
    try:
        header, payload = open_envelope(raw, node.node, node.box, trust, now)
    except EnvelopeRejected as exc:
        return _reject(node.db, exc.reason, None, exc.detail, now)
    env_id = str(header["id"])
    content: dict[str, Any] = {}
    try:
        for kind, token in dict(payload.get("documents", {})).items():
            doc = verify_document(str(token), trust, now)
            if doc.shipment != payload.get("shipment"):
                raise VerificationFailed("malformed", f"{kind} belongs to another shipment")
            content[kind] = doc.disclosed
    except VerificationFailed as exc:
        return _reject(
            node.db, "forged", env_id, f"a document failed: {exc.reason}: {exc.detail}", now
        )
    signer = node.signer()
    # The envelope id is the inbox key: a repeat fails the insert and the transaction
    # (inbox row and ledger entry together) rolls back.
    try:
        with node.db.connection() as s:
            s.execute(
                _STORE,
                {
                    "envelope_id": env_id,
                    "from_node": str(header["from"]),
                    "sender": str(header["sender"]),
                    "kind": str(header["kind"]),
                    "shipment_id": str(payload["shipment"]),
                    "procedure": str(payload.get("procedure")),
                    "content": content,
                    "received_at": now,
                },
            )
            ledger.append(
                s,
                signer,
                node.organisation.id,
                str(payload["shipment"]),
                "received",
                {"from": header["from"], "envelope": env_id},
                now,
            )
    except Conflict:
        # Either this envelope is already in the inbox, or another writer took the ledger
        # position first; only the first is a replay.
        with node.db.connection() as s:
            seen = s.scalar(_SEEN, {"id": env_id})
        if not seen:
            raise
        return _reject(node.db, "replayed", env_id, "already received", now)
    return "stored"


async def pump(
    node: Node,
    bus: Bus,
    trust: TrustList,
    now: Callable[[], datetime],
    batch: int = 50,
    timeout: float = 1.0,
) -> dict[str, int]:
    """Take this node's messages off the bus until none is waiting; acknowledge each only
    after it is stored or refused. Returns a count per outcome."""
    outcomes: dict[str, int] = {}
    while True:
        deliveries = await bus.fetch(node.node, batch, timeout)
        if not deliveries:
            return outcomes
        for d in deliveries:
            outcome = receive(node, d.data, trust, now())
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            await d.ack()
