"""The exchange's tables, on every national node: the outbox (what this node sends, and what
each receiver answered), the receipts it kept, when each signed document was first witnessed,
the inbox (what it took in), what it refused and why, and what it holds until a sender's
clock and its own agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from corridor.store.tables import Base
from corridor.store.types import JSONType


class OutboxRow(Base):
    __tablename__ = "exchange_outbox"

    # Written in the same transaction as the change that causes the message; a relay
    # publishes unsent rows and marks them sent, so a crash in between only re-sends.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    to_node: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    # What the receiving node answered: stored, or refused with its reason.
    receipt_status: Mapped[str | None] = mapped_column(String(16))
    receipt_reason: Mapped[str | None] = mapped_column(String(500))
    receipt_at: Mapped[datetime | None]
    # What the envelope was about: its receipt must name the same shipment and head.
    shipment_id: Mapped[str | None] = mapped_column(String(36))
    head_seq: Mapped[int | None] = mapped_column(Integer)
    head_hash: Mapped[str | None] = mapped_column(String(64))


class ReceiptRow(Base):
    __tablename__ = "exchange_receipts"

    # A receiving node's signed answer to one envelope this node sent: its statement, kept
    # whole so that anyone can check the signature again, and the ledger head it witnessed.
    envelope_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String(64), index=True)
    node: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    head_seq: Mapped[int | None]
    head_hash: Mapped[str | None] = mapped_column(String(64))
    statement: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class WitnessRow(Base):
    __tablename__ = "witnessed_documents"

    # When a node first saw a signed document (its JWS, which every presentation of it
    # shares): this node on taking it in, or another node by its signed receipt. A document
    # whose key was later superseded counts only if it was witnessed before that.
    jws_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    node: Mapped[str] = mapped_column(String(32), primary_key=True)
    witnessed_at: Mapped[datetime]


class InboxRow(Base):
    __tablename__ = "exchange_inbox"
    # A shipment's messages of one kind in the order they came (who sent its pre-arrival data
    # first is asked of every envelope): one index range, however many a shipment holds.
    __table_args__ = (
        Index("ix_exchange_inbox_arrival", "shipment_id", "kind", "received_at", "envelope_id"),
    )

    # The envelope id is the key: a message delivered twice is stored once.
    envelope_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_node: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    shipment_id: Mapped[str] = mapped_column(String(36), index=True)
    procedure: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]]
    # The shipment's chain of legs, as its parties' node announced it with pre-arrival data.
    chain: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    received_at: Mapped[datetime]
    # Where and when the shipment is expected, as the sender planned it.
    crossing: Mapped[str | None] = mapped_column(String(64))
    eta: Mapped[datetime | None]
    lodge_by: Mapped[datetime | None]


class RejectionRow(Base):
    __tablename__ = "exchange_rejections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(16))
    envelope_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class HeldRow(Base):
    __tablename__ = "exchange_held"

    # An envelope (or a receipt) made ahead of this node's clock by more than the skew
    # allowed: checked and kept whole, then taken in once the clocks agree (`until`), instead
    # of being refused and lost. Its sender is told it is held, and why.
    envelope_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    from_node: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    held_at: Mapped[datetime]
    until: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(String(500))


class CheckpointRow(Base):
    __tablename__ = "exchange_checkpoints"

    # A peer's ledger head this node witnessed (and answered with a signed receipt): the
    # peer's chain had `head_hash` at `head_seq` when this node saw it.
    envelope_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String(36), index=True)
    from_node: Mapped[str] = mapped_column(String(32))
    head_seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    witnessed_at: Mapped[datetime]
