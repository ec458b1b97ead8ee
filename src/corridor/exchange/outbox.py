"""The outbox's side of delivery: publishing what was queued, and how much still waits.

Rows are written by `delivery.queue` in the transaction of the change that causes them;
`relay` publishes unsent rows and marks each sent only after the bus took it, so a crash in
between only sends again. The store is read and written in worker threads, never on the
event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from corridor.exchange.bus import Bus
from corridor.store.db import Database
from corridor.store.exchange_tables import OutboxRow


async def relay(db: Database, bus: Bus, now: Callable[[], datetime], limit: int = 500) -> int:
    """Publish unsent outbox rows; each is marked sent only after the bus took it. The store
    is read and written in worker threads, never on the event loop."""
    pending = await asyncio.to_thread(_unsent, db, limit)
    for env_id, to_node, body in pending:
        await bus.publish(to_node, env_id, body)
        await asyncio.to_thread(_mark_sent, db, env_id, now())
    return len(pending)


def _unsent(db: Database, limit: int) -> list[tuple[str, str, bytes]]:
    with db.transaction() as s:
        return [
            (r.id, r.to_node, r.body)
            for r in s.scalars(
                select(OutboxRow)
                .where(OutboxRow.sent_at.is_(None))
                .order_by(OutboxRow.created_at, OutboxRow.id)
                .limit(limit)
            )
        ]


def _mark_sent(db: Database, env_id: str, at: datetime) -> None:
    with db.transaction() as s:
        row = s.get(OutboxRow, env_id)
        if row is not None and row.sent_at is None:
            row.sent_at = at


def waiting(db: Database) -> int:
    """How many envelopes in the outbox are not sent yet."""
    with db.transaction() as s:
        return int(
            s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))
            or 0
        )
