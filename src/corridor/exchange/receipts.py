"""Receipts: every envelope a node takes in or refuses is answered.

The receiver signs a statement (the envelope, the shipment, stored or refused with the
reason, the sender's ledger head the envelope carried, the time) with its own key and
sends it back sealed to the sender's node, through its outbox. The sender keeps each
receipt whole, marks its outbox row with the answer, and a ledger verification holds the
shipment's chain against the heads the receivers witnessed: a chain cut short or rewritten
after a disclosure no longer matches them. A refused envelope is not lost silently: the
sender's outbox says refused, with the reason, and the data can be disclosed again after a
fix (a clock put right, say).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import Signer, TrustList, jws_digest, signing
from corridor.exceptions import VerificationFailed
from corridor.exchange import witness
from corridor.exchange.envelope import NodeAddress, Opened, seal
from corridor.exchange.node import LocalNode
from corridor.store.exchange_tables import OutboxRow, ReceiptRow

log = logging.getLogger("corridor.exchange")
KIND = "receipt"
_OUTBOX = insert(OutboxRow)
# A receiver's answers: taken in, refused with a reason, or held until the clocks agree.
STATUSES = ("stored", "refused", "held")


class Unsolicited(ValueError):
    """A receipt for an envelope this node never sent to the node that answers."""


_RECEIPT = insert(ReceiptRow)


def statement(
    signer: Signer,
    node: str,
    env: Opened,
    status: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The receiver's signed answer to one envelope."""
    payload = env.payload
    head = payload.get("head")
    documents = payload.get("documents")
    seen = (
        sorted(jws_digest(t) for t in documents.values() if isinstance(t, str))
        if status == "stored" and isinstance(documents, dict)
        else []
    )
    body = {
        "type": KIND,
        "envelope": env.id,
        "shipment": payload.get("shipment") if isinstance(payload.get("shipment"), str) else None,
        "node": node,
        "status": status,
        "reason": reason,
        "head": head if _is_head(head) else None,
        "at": int(now.timestamp()),
        # The documents this node took in: a witness that they existed by `at`.
        "documents": seen,
    }
    return {"body": body, "kid": signer.kid, "sig": signing.sign(signer, signing.canonical(body))}


def _is_head(head: Any) -> bool:
    return (
        isinstance(head, dict)
        and isinstance(head.get("seq"), int)
        and not isinstance(head.get("seq"), bool)
        and isinstance(head.get("hash"), str)
        and len(head["hash"]) == 64
    )


class Replier:
    """Queues a node's receipts in its outbox, sealed to the node that sent each envelope."""

    def __init__(self, node: LocalNode, address_of: Callable[[str], NodeAddress | None]):
        self.node = node
        self.address_of = address_of

    def queue(
        self,
        conn: Session | Connection,
        env: Opened,
        status: str,
        reason: str | None,
        now: datetime,
    ) -> None:
        """Put the receipt for `env` in the outbox, inside the caller's transaction."""
        if env.kind == KIND:
            return  # receipts are not answered
        to = self.address_of(env.from_node)
        if to is None:
            log.warning("no address for node %s to send a receipt to", env.from_node)
            return
        body = statement(self.node.signer, self.node.node, env, status, reason, now)
        env_id, sealed = seal(
            {"receipt": body},
            to,
            self.node.node,
            self.node.organisation.id,
            self.node.signer,
            KIND,
            now,
        )
        conn.execute(
            _OUTBOX,
            {"id": env_id, "to_node": to.node, "body": sealed, "created_at": now, "sent_at": None},
        )


def take(
    node: LocalNode, conn: Session | Connection, env: Opened, trust: TrustList, now: datetime
) -> None:
    """Keep a receipt for an envelope this node sent: check its statement, store it whole,
    mark the outbox row, and note what was witnessed in the shipment's ledger."""
    raw = env.payload.get("receipt")
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), dict):
        raise ValueError("not a receipt")
    body: dict[str, Any] = raw["body"]
    if body.get("type") != KIND:
        raise ValueError("not a receipt")
    check(raw, trust, env.sender)
    if body.get("node") != env.from_node:
        raise ValueError("a receipt names another node than the one that sent it")
    env_id, status = str(body.get("envelope")), str(body.get("status"))
    sent = conn.execute(
        select(
            OutboxRow.created_at, OutboxRow.shipment_id, OutboxRow.head_seq, OutboxRow.head_hash
        ).where(OutboxRow.id == env_id, OutboxRow.to_node == env.from_node)
    ).first()
    if sent is None:
        raise Unsolicited(f"a receipt for envelope {env_id}, which this node did not send to it")
    if status not in STATUSES:
        raise ValueError(f"a receipt's status is stored, refused or held, not {status!r}")
    if status == "held":
        # The receiver holds the envelope until the clocks agree: its final answer follows.
        conn.execute(
            update(OutboxRow)
            .where(OutboxRow.id == env_id, OutboxRow.receipt_status.is_(None))
            .values(receipt_status=status, receipt_reason=str(body.get("reason"))[:500])
        )
        return
    head = body.get("head") if _is_head(body.get("head")) else None
    shipment = str(body.get("shipment") or "")
    # Bound to the envelope it answers: the shipment and the ledger head this node sent.
    if sent.shipment_id is not None:
        if shipment != sent.shipment_id:
            raise ValueError(
                f"the receipt names shipment {shipment!r}; envelope {env_id} was about "
                f"{sent.shipment_id!r}"
            )
        expected = {"seq": sent.head_seq, "hash": sent.head_hash}
        if status == "stored" and head != expected:
            raise ValueError(f"the receipt names a ledger head envelope {env_id} did not carry")
    conn.execute(
        _RECEIPT,
        {
            "envelope_id": env_id,
            "shipment_id": shipment,
            "node": env.from_node,
            "organisation_id": env.sender,
            "status": status,
            "head_seq": head["seq"] if head else None,
            "head_hash": head["hash"] if head else None,
            "statement": raw,
            "received_at": now,
        },
    )
    conn.execute(
        update(OutboxRow)
        .where(OutboxRow.id == env_id)
        .values(receipt_status=status, receipt_reason=body.get("reason"), receipt_at=now)
    )
    seen = body.get("documents")
    if status == "stored" and isinstance(seen, list):
        # Witnessed at the receiver's signed time, within the envelope's life: never before
        # the envelope was made, never later than this node heard of it.
        at = body.get("at")
        when = min(now, datetime.fromtimestamp(at, UTC)) if isinstance(at, int) else now
        when = max(when, sent.created_at)
        digests = [d for d in seen if isinstance(d, str) and len(d) == 64]
        witness.record(conn, digests, env.from_node, when)
    if status == "stored" and head is not None and shipment:
        ledger.append(
            conn,
            node.signer,
            node.organisation.id,
            shipment,
            "witnessed",
            {"by": env.from_node, "envelope": env_id, "head": head},
            now,
        )


def check(raw: dict[str, Any], trust: TrustList, organisation: str) -> None:
    """Raise ValueError unless `raw` is a receipt statement signed by `organisation`."""
    key = trust.resolve(str(raw.get("kid")))
    if key is None or key.organisation_id != organisation:
        raise ValueError("the receipt is not signed by the receiving organisation")
    try:
        signing.check_signature(
            key.public_key, str(raw.get("sig")), signing.canonical(raw.get("body"))
        )
    except (VerificationFailed, TypeError, ValueError):
        raise ValueError("the receipt's signature does not match") from None


def witnesses(s: Session, shipment_id: str, trust: TrustList) -> list[ledger.Witness]:
    """The heads of this shipment's ledger that receiving nodes signed for."""
    out = []
    for row in s.scalars(
        select(ReceiptRow).where(
            ReceiptRow.shipment_id == shipment_id,
            ReceiptRow.status == "stored",
            ReceiptRow.head_seq.is_not(None),
        )
    ):
        try:
            check(row.statement, trust, row.organisation_id)
        except ValueError:
            continue  # a receipt that no longer checks out witnesses nothing
        assert row.head_seq is not None
        assert row.head_hash is not None
        out.append(ledger.Witness(row.head_seq, row.head_hash, row.node, row.envelope_id))
    return out
