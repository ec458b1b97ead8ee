"""Checkpoints: the witness window is bounded. A ledger's entries are witnessed when another
node signs a receipt naming its head; envelopes carry the head, but a shipment can go on
growing (documents, custody events, decisions) with nothing sent. So each node, once a
minute, sends the current head of every ledger whose oldest unwitnessed entry is more than
`SEND_AFTER_S` old to a peer that already knows the shipment (one it exchanged the shipment's
data with): the peer keeps what it saw and answers with a signed receipt, and the receipt
witnesses the head like any other. Every entry is thus witnessed within `WINDOW_S` of being
written while a peer answers, and cutting a witnessed entry is found by `ledger verify`.

A checkpoint adds no ledger entry of its own (its receipt adds the usual "witnessed" entry,
itself covered by the receipt kept whole), and a peer takes a checkpoint only for a shipment
it received data on from that very node: it learns nothing new, and nobody can make it keep
heads of shipments it never heard of.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select

from corridor.exceptions import EnvelopeRejected
from corridor.exchange.envelope import NodeAddress, Opened, seal
from corridor.exchange.node import LocalNode
from corridor.exchange.receipts import Replier
from corridor.store.exchange_tables import CheckpointRow, InboxRow, OutboxRow, ReceiptRow
from corridor.store.tables import LedgerEntryRow

log = logging.getLogger("corridor.exchange")
KIND = "checkpoint"
# A ledger entry is witnessed within this long of being written while a peer answers.
WINDOW_S = 600
# How old the oldest unwitnessed entry must be before its head is sent (entries written
# together go in one checkpoint), and how often a node looks.
SEND_AFTER_S = 60
LOOK_EVERY_S = 60
# Entries a receipt itself notes: covered by the receipt kept whole, never sent on their own.
WITNESSED = "witnessed"

__all__ = ["KIND", "WINDOW_S", "Due", "due", "send", "take"]


@dataclass(frozen=True)
class Due:
    """A ledger whose head should be witnessed now, and the peer asked to."""

    shipment_id: str
    seq: int
    hash: str
    witness: str


def _oldest_unwitnessed(c: Connection, shipment_id: str, witnessed_seq: int | None) -> int | None:
    """When the oldest of a shipment's entries after its last witnessed head was written
    (epoch seconds; entries noting a receipt aside), or None when there is none."""
    after = -1 if witnessed_seq is None else witnessed_seq
    oldest = c.scalar(
        select(func.min(LedgerEntryRow.at)).where(
            LedgerEntryRow.shipment_id == shipment_id,
            LedgerEntryRow.seq > after,
            LedgerEntryRow.kind != WITNESSED,
        )
    )
    return None if oldest is None else int(oldest)


def due(c: Connection, now: datetime) -> list[Due]:
    """Every ledger on this node with an entry unwitnessed for longer than `SEND_AFTER_S`,
    no request already out for its head, and a peer that knows the shipment."""
    newest = (
        select(LedgerEntryRow.shipment_id, func.max(LedgerEntryRow.seq).label("seq"))
        .where(LedgerEntryRow.kind != WITNESSED)
        .group_by(LedgerEntryRow.shipment_id)
        .subquery()
    )
    witnessed = (
        select(ReceiptRow.shipment_id, func.max(ReceiptRow.head_seq).label("seq"))
        .where(ReceiptRow.status == "stored")
        .group_by(ReceiptRow.shipment_id)
        .subquery()
    )
    # A head already sent (a disclosure, a decision or a checkpoint) and not yet answered
    # for good (a receiver holding it for the clock answers later).
    asked = (
        select(OutboxRow.shipment_id, func.max(OutboxRow.head_seq).label("seq"))
        .where(
            OutboxRow.head_seq.is_not(None),
            or_(OutboxRow.receipt_status.is_(None), OutboxRow.receipt_status == "held"),
            OutboxRow.created_at > now - timedelta(seconds=WINDOW_S),
        )
        .group_by(OutboxRow.shipment_id)
        .subquery()
    )
    rows = c.execute(
        select(newest.c.shipment_id, witnessed.c.seq)
        .outerjoin(witnessed, witnessed.c.shipment_id == newest.c.shipment_id)
        .outerjoin(asked, asked.c.shipment_id == newest.c.shipment_id)
        .where(
            newest.c.seq > func.coalesce(witnessed.c.seq, -1),
            newest.c.seq > func.coalesce(asked.c.seq, -1),
        )
    ).all()
    out = []
    horizon = now.timestamp() - SEND_AFTER_S
    for shipment_id, witnessed_seq in rows:
        oldest = _oldest_unwitnessed(c, shipment_id, witnessed_seq)
        if oldest is None or oldest > horizon:
            continue
        peer = _witness(c, shipment_id)
        if peer is None:
            continue  # no peer knows the shipment yet: its first envelope will carry the head
        seq, digest = c.execute(
            select(LedgerEntryRow.seq, LedgerEntryRow.hash)
            .where(LedgerEntryRow.shipment_id == shipment_id)
            .order_by(LedgerEntryRow.seq.desc())
            .limit(1)
        ).one()
        out.append(Due(shipment_id, int(seq), str(digest), peer))
    return out


def _witness(c: Connection, shipment_id: str) -> str | None:
    """The peer to ask: the last that answered for this shipment, else the last this node
    sent its data to."""
    answered = c.scalar(
        select(ReceiptRow.node)
        .where(ReceiptRow.shipment_id == shipment_id, ReceiptRow.status == "stored")
        .order_by(ReceiptRow.received_at.desc())
        .limit(1)
    )
    if answered is not None:
        return str(answered)
    sent = c.scalar(
        select(OutboxRow.to_node)
        .where(OutboxRow.shipment_id == shipment_id, OutboxRow.head_seq.is_not(None))
        .order_by(OutboxRow.created_at.desc())
        .limit(1)
    )
    return None if sent is None else str(sent)


def send(node: LocalNode, address_of: Callable[[str], NodeAddress | None], now: datetime) -> int:
    """Queue a checkpoint for every ledger that is due, in one transaction; returns how
    many were queued."""
    queued = 0
    with node.db.connection() as c:
        for d in due(c, now):
            to = address_of(d.witness)
            if to is None:
                continue
            payload = {"shipment": d.shipment_id, "head": {"seq": d.seq, "hash": d.hash}}
            env_id, body = seal(
                payload,
                to,
                node.node,
                node.organisation.id,
                node.signer,
                KIND,
                now,
                env_id=str(uuid.uuid4()),
            )
            c.execute(
                insert(OutboxRow).values(
                    id=env_id,
                    to_node=to.node,
                    body=body,
                    created_at=now,
                    sent_at=None,
                    shipment_id=d.shipment_id,
                    head_seq=d.seq,
                    head_hash=d.hash,
                )
            )
            queued += 1
    if queued:
        log.info("node %s asked its peers to witness %d ledger heads", node.node, queued)
    return queued


def take(
    node: LocalNode, c: Connection, env: Opened, now: datetime, replier: Replier | None
) -> None:
    """Witness a peer's ledger head, inside the caller's transaction: only for a shipment
    this node received data on from that node; kept, and answered with a signed receipt.
    A repeat fails the insert (the envelope id is the key)."""
    payload: dict[str, Any] = env.payload
    shipment, head = payload.get("shipment"), payload.get("head")
    if (
        not isinstance(shipment, str)
        or not 0 < len(shipment) <= 36
        or not isinstance(head, dict)
        or type(head.get("seq")) is not int
        or not isinstance(head.get("hash"), str)
        or len(head["hash"]) != 64
    ):
        raise EnvelopeRejected("malformed", "a checkpoint names no shipment and head", env.id)
    known = c.scalar(
        select(func.count()).where(
            and_(InboxRow.shipment_id == shipment, InboxRow.from_node == env.from_node)
        )
    )
    if not known:
        raise EnvelopeRejected(
            "not_entitled",
            f"node {env.from_node!r} sent this node no data on shipment {shipment!r}",
            env.id,
        )
    c.execute(
        insert(CheckpointRow).values(
            envelope_id=env.id,
            shipment_id=shipment,
            from_node=env.from_node,
            head_seq=head["seq"],
            head_hash=head["hash"],
            witnessed_at=now,
        )
    )
    if replier is not None:
        replier.queue(c, env, "stored", None, now)
