"""Envelopes held, not refused and lost, for what will come right by itself:

- **The clock.** An envelope (or a receipt) signed by a known sender but made ahead of this
  node's clock by more than the skew a receiver allows is kept whole and taken in again once
  the clocks agree, and its sender is told it waits and why: a node whose clock is fast learns
  it from the receipt that says "held", a node whose clock is slow sees on its own outbox row
  that the answer is held here.
- **A key on its way.** An envelope that relies on a key this node's directory does not carry
  yet (made a moment ago on the sending node; the directory carries it within seconds) is
  tried again every few seconds for ten minutes (`await_key`), then refused.

`intake.release` takes in what is due.

A clock further off than `HOLD_AT_MOST_S`, or a node that already has `HOLD_PER_NODE`
envelopes held, is refused as before: a hostile node cannot fill the store with envelopes
dated far ahead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from corridor.exchange.envelope import CLOCK_SKEW_S, Opened
from corridor.exchange.node import LocalNode
from corridor.exchange.receipts import KIND as RECEIPT
from corridor.exchange.receipts import Replier
from corridor.store.db import Database
from corridor.store.exchange_tables import HeldRow, OutboxRow

log = logging.getLogger("corridor.exchange")
# How far ahead of this node's clock an envelope may be made and still be held (an hour: a
# clock left unsynchronised for days, or set to the wrong zone, is refused with a reason).
HOLD_AT_MOST_S = 3600
HOLD_PER_NODE = 1000
# An envelope that relies on a key not yet in this node's directory is tried again this
# often, for this long (the directory carries a new key within seconds), then refused.
KEY_RETRY_S = 5
KEY_WAIT_S = 600
UNCHECKED_PER_NODE = 50

__all__ = [
    "HOLD_AT_MOST_S",
    "HOLD_PER_NODE",
    "KEY_WAIT_S",
    "Held",
    "await_key",
    "count",
    "due",
    "keep",
    "listing",
    "taken",
]


def keep(node: LocalNode, raw: bytes, env: Opened, now: datetime, replier: Replier | None) -> bool:
    """Hold `env` until its making time is within the allowed skew of this node's clock, and
    tell its sender; False when it may not be held (too far ahead, too many held)."""
    ahead = env.created - now.timestamp()
    if ahead > HOLD_AT_MOST_S:
        return False
    until = datetime.fromtimestamp(env.created - CLOCK_SKEW_S, UTC)
    with node.db.transaction() as s:
        if s.get(HeldRow, env.id) is not None:
            return True  # delivered again while held: still held
        held = s.scalar(select(func.count()).where(HeldRow.from_node == env.from_node)) or 0
        if held >= HOLD_PER_NODE:
            return False
        if env.kind == RECEIPT:
            # This node's clock is slow (or the receiver's fast): the answer waits here.
            reason = (
                f"node {env.from_node}'s answer was made {ahead:.0f} s ahead of this node's "
                f"clock; it is held here until {until:%Y-%m-%d %H:%M:%S} UTC (check this "
                "node's clock)"
            )
            _note(s, env, reason)
        else:
            reason = (
                f"made {ahead:.0f} s ahead of node {node.node}'s clock (up to {CLOCK_SKEW_S} s "
                f"allowed); held there until {until:%Y-%m-%d %H:%M:%S} UTC, then taken in "
                "(check the sending node's clock)"
            )
        s.add(
            HeldRow(
                envelope_id=env.id,
                from_node=env.from_node,
                kind=env.kind,
                body=raw,
                held_at=now,
                until=until,
                reason=reason[:500],
            )
        )
        if replier is not None:
            replier.queue(s, env, "held", reason[:400], now)
    log.warning("envelope %s from %s held: %s", env.id, env.from_node, reason)
    return True


def await_key(
    node: LocalNode,
    raw: bytes,
    env_id: str,
    from_node: str,
    now: datetime,
    replier: Replier | None,
    env: Opened | None,
    why: str,
) -> bool:
    """Hold an envelope that relies on a key this node's directory does not carry yet (a key
    made a moment ago, still on its way through the directory): tried again every
    `KEY_RETRY_S` for `KEY_WAIT_S`, then refused. False when it may not be held (waited
    long enough, or too many held from that node)."""
    with node.db.transaction() as s:
        row = s.get(HeldRow, env_id)
        if row is not None:
            if (now - row.held_at).total_seconds() >= KEY_WAIT_S:
                s.delete(row)
                return False  # refused now, with the reason
            row.until = now + timedelta(seconds=KEY_RETRY_S)
            return True
        held = s.scalar(select(func.count()).where(HeldRow.from_node == from_node)) or 0
        # An envelope whose own signature could not be checked yet claims its sender: a
        # few are held per claimed node, so a forger cannot fill the store in its name.
        if held >= (HOLD_PER_NODE if env is not None else UNCHECKED_PER_NODE):
            return False
        reason = (
            f"waiting for a key node {node.node}'s directory does not carry yet ({why[:120]}); "
            f"tried again until {now + timedelta(seconds=KEY_WAIT_S):%Y-%m-%d %H:%M:%S} UTC"
        )
        s.add(
            HeldRow(
                envelope_id=env_id,
                from_node=from_node,
                kind=env.kind if env is not None else "unknown",
                body=raw,
                held_at=now,
                until=now + timedelta(seconds=KEY_RETRY_S),
                reason=reason[:500],
            )
        )
        if replier is not None and env is not None:
            replier.queue(s, env, "held", reason[:400], now)
    log.info("envelope %s from %s held: %s", env_id, from_node, reason)
    return True


def _note(s: Session, env: Opened, reason: str) -> None:
    """Mark the outbox row a held receipt answers, so the sender sees why it waits."""
    raw = env.payload.get("receipt")
    body = raw.get("body") if isinstance(raw, dict) else None
    answered = body.get("envelope") if isinstance(body, dict) else None
    if not isinstance(answered, str):
        return
    s.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == answered,
            OutboxRow.to_node == env.from_node,
            OutboxRow.receipt_status.is_(None),
        )
        .values(receipt_status="held", receipt_reason=reason[:500])
    )


def due(db: Database, now: datetime, limit: int = 100) -> list[tuple[str, bytes]]:
    """The held envelopes whose time has come (id, body), oldest first."""
    with db.transaction() as s:
        rows = s.execute(
            select(HeldRow.envelope_id, HeldRow.body)
            .where(HeldRow.until <= now)
            .order_by(HeldRow.until, HeldRow.envelope_id)
            .limit(limit)
        )
        return [(r.envelope_id, r.body) for r in rows]


def taken(db: Database, env_id: str) -> None:
    """Forget a held envelope once it was taken in (stored, refused or a repeat)."""
    with db.transaction() as s:
        s.execute(delete(HeldRow).where(HeldRow.envelope_id == env_id))


def count(db: Database) -> int:
    """How many envelopes this node holds (for the clock, or for a key on its way)."""
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(HeldRow)) or 0)


@dataclass(frozen=True)
class Held:
    """One held envelope, as an operator sees it."""

    envelope_id: str
    from_node: str
    kind: str
    held_at: datetime
    until: datetime
    reason: str


def listing(db: Database) -> list[Held]:
    """Every held envelope, the soonest taken in first."""
    with db.transaction() as s:
        rows = s.scalars(select(HeldRow).order_by(HeldRow.until, HeldRow.envelope_id))
        return [
            Held(r.envelope_id, r.from_node, r.kind, r.held_at, r.until, r.reason) for r in rows
        ]
