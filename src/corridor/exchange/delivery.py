"""Pre-arrival data between national nodes: prepare, queue, receive.

On the sending node, `envelopes_for` works out which authority applies which procedure along
the route, cuts each signed document down to what the disclosure policy entitles that
authority to (SD-JWT presentations: the withheld fields are not in the message at all) and
seals the result to the authority's node; `queue` writes an envelope to the outbox with its
ledger entry inside the caller's transaction; `outbox.relay` publishes it. `pump` on the
receiving node takes messages off the bus, checks and stores them, and acknowledges only
after storing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import Signer, TrustList, VerifiedDocument, jws_digest, present
from corridor.documents import verify as verify_document
from corridor.exceptions import (
    Conflict,
    EnvelopeRejected,
    StoreUnavailable,
    VerificationFailed,
)
from corridor.exchange import admission, checkpoint, filing, hold, receipts, witness
from corridor.exchange import payload as payload_fields
from corridor.exchange.envelope import (
    NodeAddress,
    Opened,
    envelope_id,
    open_envelope,
    outside,
    seal,
)
from corridor.exchange.node import LocalNode
from corridor.exchange.policy import Policy
from corridor.exchange.receipts import Replier
from corridor.model import DocumentKind
from corridor.network import Network, Route
from corridor.rules import ReadinessReport, segments
from corridor.store.db import Database
from corridor.store.exchange_tables import InboxRow, OutboxRow, RejectionRow

log = logging.getLogger("corridor.exchange")
KIND = admission.PRE_ARRIVAL
# A customs authority's decision, sent back to the node that sent it the pre-arrival data.
DECISION = admission.DECISION
# Built once: they run for every message a node receives.
_STORE = insert(InboxRow)
_SEEN = select(InboxRow.envelope_id).where(InboxRow.envelope_id == bindparam("id"))


@dataclass(frozen=True)
class Outgoing:
    """The pre-arrival data for one authority, ready to be sealed to its node."""

    to: NodeAddress
    payload: dict[str, Any]
    procedure: str
    lodge_by: str | None
    documents: list[str]


def envelopes_for(
    shipment_id: str,
    route: Route,
    network: Network,
    tokens: Mapping[DocumentKind, str],
    report: ReadinessReport,
    directory: list[NodeAddress],
    policy: Policy,
    arrivals: Mapping[str, datetime] | None = None,
) -> list[Outgoing]:
    """What each authority on the route that has a node in `directory` receives: each
    signed document cut down to its entitlement, and when the shipment is expected at its
    crossing (the live estimate in `arrivals` where there is one, else the plan's)."""
    authorities = {a.country: a for a in directory}
    # Lodging deadlines from the rule packs: the earliest pre-arrival due time of each
    # crossing, so each authority has its data ahead of it.
    deadlines = {
        (c.country, c.procedure.value): min((r.due for r in c.results if r.due), default=None)
        for c in report.crossings
    }
    out = []
    for seg in segments(route, network, report.departure):
        to = authorities.get(seg.country)
        if to is None:
            log.warning("no authority node for %s on shipment %s", seg.country, shipment_id)
            continue
        documents = {}
        withheld = policy.withheld_in_items(seg.procedure.value)
        for kind, token in tokens.items():
            fields = policy.entitled(seg.procedure.value, kind)
            if fields:
                documents[kind.value] = present(token, fields, withhold_in_items=withheld)
        due = deadlines.get((seg.country, seg.procedure.value))
        lodge_by = due.isoformat() if due else None
        payload: dict[str, Any] = {
            "shipment": shipment_id,
            "procedure": seg.procedure.value,
            "crossing": seg.node,
            "eta": (arrivals or {}).get(seg.node, seg.at).isoformat(),
            "lodge_by": lodge_by,
            "documents": documents,
        }
        out.append(Outgoing(to, payload, seg.procedure.value, lodge_by, sorted(documents)))
    return out


def queue(
    s: Session,
    node: LocalNode,
    signer: Signer,
    actor_id: str,
    shipment_id: str,
    out: Outgoing,
    now: datetime,
    kind: str = KIND,
    speaker: tuple[str, Signer] | None = None,
    note: Mapping[str, Any] | None = None,
) -> str:
    """Record the disclosure in the ledger (signed by the party who disclosed), seal the
    envelope carrying that entry as the sender's ledger head (the receiver's signed receipt
    then witnesses it) and sign it as the node (or as `speaker`, an organisation hosted on
    the node: the holder of a transit procedure), and put it in the outbox, inside the
    caller's transaction: all or nothing. The envelope speaks for the node that sends it,
    so a transit authority does not learn which party asked. `note` adds to the ledger
    entry's body. Returns the envelope id."""
    env_id = str(uuid.uuid4())
    entry = ledger.append(
        s,
        signer,
        actor_id,
        shipment_id,
        "disclosed" if kind == KIND else f"{kind}_sent",
        {
            "to": out.to.node,
            "envelope": env_id,
            "procedure": out.procedure,
            "lodge_by": out.lodge_by,
            "documents": out.documents,
            **(note or {}),
        },
        now,
    )
    payload = {**out.payload, "head": {"seq": entry.seq, "hash": entry.hash}}
    sender, sealer = speaker or (node.organisation.id, node.signer)
    _, body = seal(payload, out.to, node.node, sender, sealer, kind, now, env_id=env_id)
    s.add(
        OutboxRow(
            id=env_id,
            to_node=out.to.node,
            body=body,
            created_at=now,
            sent_at=None,
            shipment_id=shipment_id,
            head_seq=entry.seq,
            head_hash=entry.hash,
        )
    )
    return env_id


def _reject(
    db: Database, exc: EnvelopeRejected, now: datetime, replier: Replier | None = None
) -> str:
    log.warning("envelope %s rejected (%s): %s", exc.envelope_id, exc.reason, exc.detail)
    with db.transaction() as s:
        s.add(
            RejectionRow(
                at=now, reason=exc.reason, envelope_id=exc.envelope_id, detail=exc.detail[:500]
            )
        )
        if replier is not None and isinstance(exc.opened, Opened) and exc.reason != "replayed":
            replier.queue(s, exc.opened, "refused", f"{exc.reason}: {exc.detail}"[:400], now)
    return exc.reason


def receive(
    node: LocalNode,
    raw: bytes,
    trust: TrustList,
    now: datetime,
    hosts: Callable[[str], str | None] | None = None,
    replier: Replier | None = None,
) -> str:
    """Check, decrypt and store one envelope ('stored'), take in a receipt ('receipt'), or
    refuse it and return the reason (logged with the envelope id when it can be read). With
    `hosts` (key id -> the node that published it), an envelope must come from the node that
    hosts its sender; with `replier`, every envelope whose sender was verified is answered
    with a signed receipt, stored or refused. Only a store outage raises (StoreUnavailable):
    the message is then left unacknowledged, to be delivered again."""
    try:
        return _receive(node, raw, trust, now, hosts, replier)
    except EnvelopeRejected as exc:
        if exc.unknown_kid is not None and _await_key(node, raw, exc, now, replier):
            return "held"
        return _reject(node.db, exc, now, replier)
    except StoreUnavailable:
        raise
    except Exception as exc:  # one bad message must never block the next
        log.exception("envelope refused after an unexpected error")
        refused = EnvelopeRejected(
            "malformed", f"unreadable: {type(exc).__name__}", envelope_id(raw)
        )
        return _reject(node.db, refused, now)


def _receive(
    node: LocalNode,
    raw: bytes,
    trust: TrustList,
    now: datetime,
    hosts: Callable[[str], str | None] | None,
    replier: Replier | None,
) -> str:
    try:
        env = open_envelope(raw, node.node, node.box, trust, now)
    except EnvelopeRejected as exc:
        early = exc.opened
        if isinstance(early, Opened):
            node.heard(early.from_node, early.created - now.timestamp())
            # Made ahead of this node's clock: held until the clocks agree, not lost.
            skewed = exc.reason == "clock_skew" and _hosted(early, hosts)
            if skewed and hold.keep(node, raw, early, now, replier):
                return "held"
        raise
    node.heard(env.from_node, env.created - now.timestamp())
    if not _hosted(env, hosts):
        raise EnvelopeRejected(
            "forged", f"{env.sender!r} is not hosted on node {env.from_node!r}", env.id
        )
    if env.kind == receipts.KIND:
        try:
            with node.db.connection() as c:
                receipts.take(node, c, env, trust, now)
        except receipts.Unsolicited as exc:
            # An answer to an envelope this node never sent: someone sent one in its name.
            log.warning("node %s answered an envelope this node never sent: %s", env.from_node, exc)
            raise EnvelopeRejected("unsolicited", str(exc), env.id) from None
        except (ValueError, Conflict) as exc:
            raise EnvelopeRejected("malformed", f"receipt refused: {exc}", env.id) from None
        return "receipt"
    if env.kind == checkpoint.KIND:
        try:
            with node.db.connection() as c:
                checkpoint.take(node, c, env, now, replier)
        except Conflict:
            raise EnvelopeRejected(
                "replayed", "this checkpoint was witnessed already", env.id
            ) from None
        except EnvelopeRejected as exc:
            exc.opened = env
            raise
        return "witnessed"
    try:
        return _store(node, env, trust, now, replier)
    except EnvelopeRejected as exc:
        exc.opened = env
        raise


def _await_key(
    node: LocalNode, raw: bytes, exc: EnvelopeRejected, now: datetime, replier: Replier | None
) -> bool:
    """Hold an envelope that relies on a key this node's directory does not carry yet, from
    a node the directory knows, to try again shortly; False once it waited long enough."""
    head = outside(raw)
    known = replier is not None and replier.address_of(str(head["from"])) is not None
    if not known or exc.envelope_id is None:
        return False
    opened = exc.opened if isinstance(exc.opened, Opened) else None
    return hold.await_key(
        node, raw, exc.envelope_id, str(head["from"]), now, replier, opened, exc.detail
    )


def _hosted(env: Opened, hosts: Callable[[str], str | None] | None) -> bool:
    """Whether the envelope comes from the node that hosts its sender (where known)."""
    return hosts is None or hosts(env.kid) == env.from_node


def _store(
    node: LocalNode, env: Opened, trust: TrustList, now: datetime, replier: Replier | None
) -> str:
    payload = env.payload
    if env.kind not in admission.KINDS:
        raise EnvelopeRejected("malformed", f"unknown envelope kind {env.kind!r}", env.id)
    documents = payload_fields.documents(payload, env.id)
    content: dict[str, Any] = {}
    verified: dict[str, VerifiedDocument] = {}
    seen_before = witness.first_seen(node.db)
    try:
        for kind, token in documents.items():
            doc = verify_document(token, trust, now, seen_before)
            if doc.shipment != payload["shipment"]:
                raise VerificationFailed("malformed", f"{kind} belongs to another shipment")
            if doc.kind.value != kind:
                raise VerificationFailed("malformed", f"a {doc.kind.value} sent as {kind}")
            content[kind] = doc.disclosed
            verified[kind] = doc
    except VerificationFailed as exc:
        refused = EnvelopeRejected(
            "forged", f"a document failed: {exc.reason}: {exc.detail}", env.id
        )
        if exc.reason == "unknown_issuer":
            refused.unknown_kid = exc.detail
        raise refused from None
    if env.kind == DECISION:
        content["notice"] = payload_fields.notice(payload.get("notice"), env.id)
    chain = admission.chain_of(payload, env.id) if env.kind == KIND else None
    # The envelope id is the inbox key: a repeat fails the insert and the transaction
    # (inbox row and ledger entry together) rolls back.
    try:
        with node.db.connection() as s:
            admission.admit(s, node.organisation, env, verified, content)
            s.execute(
                _STORE,
                {
                    "envelope_id": env.id,
                    "from_node": env.from_node,
                    "sender": env.sender,
                    "kind": env.kind,
                    "shipment_id": payload["shipment"],
                    "procedure": payload["procedure"],
                    "content": content,
                    "chain": chain,
                    "received_at": now,
                    "crossing": payload_fields.text(payload.get("crossing"), 64),
                    "eta": payload_fields.when(payload.get("eta")),
                    "lodge_by": payload_fields.when(payload.get("lodge_by")),
                },
            )
            ledger.append(
                s,
                node.signer,
                node.organisation.id,
                payload["shipment"],
                "received",
                {"from": env.from_node, "envelope": env.id, "sender_head": payload.get("head")},
                now,
            )
            witness.record(s, (jws_digest(t) for t in documents.values()), node.node, now)
            issued = content.get("answer", {})
            if issued.get("outcome") == "issued":
                kind = issued["kind"]
                filing.file_issued(s, node, env, payload["shipment"], kind, documents[kind], now)
            if replier is not None:
                replier.queue(s, env, "stored", None, now)
    except Conflict:
        # Either this envelope is already in the inbox, or another writer took the ledger
        # position first; only the first is a replay.
        with node.db.connection() as s:
            seen = s.scalar(_SEEN, {"id": env.id})
        if not seen:
            raise
        raise EnvelopeRejected("replayed", "already received", env.id) from None
    return "stored"
