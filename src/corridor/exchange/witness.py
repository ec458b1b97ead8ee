"""Witnesses of signed documents: when a node first saw each one.

A document's issuance time is its signer's word. Once the signing key is superseded, a
thief of the key could sign new documents dated before that; so a document of a superseded
key counts only if a node saw it before the key was superseded: this node on taking it in,
or another node by a receipt naming the document's digest (the digest of its signed part,
which every presentation of it shares).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, select
from sqlalchemy.orm import Session

from corridor.store.db import Database, insert_unless_exists
from corridor.store.exchange_tables import WitnessRow

_TABLE = cast(Table, WitnessRow.__table__)
_FIRST = select(func.min(WitnessRow.witnessed_at)).where(
    WitnessRow.jws_sha256 == bindparam("digest")
)


def record(conn: Session | Connection, digests: Iterable[str], node: str, at: datetime) -> None:
    """Note that `node` saw these documents at `at` (a node's first sighting is kept)."""
    rows = [{"jws_sha256": d, "node": node, "witnessed_at": at} for d in sorted(set(digests))]
    for row in rows:
        conn.execute(insert_unless_exists(conn, _TABLE, _TABLE.c.jws_sha256), row)


def first(conn: Session | Connection, digest: str) -> datetime | None:
    """When any node this node knows of first saw the document with this digest."""
    found: datetime | None = conn.scalar(_FIRST, {"digest": digest})
    return found


def first_seen(db: Database) -> Callable[[str], datetime | None]:
    """`first`, each lookup on a connection of its own (asked only for documents whose key
    was superseded)."""

    def lookup(digest: str) -> datetime | None:
        with db.reading() as conn:
            return first(conn, digest)

    return lookup
