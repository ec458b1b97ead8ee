"""The tamper-evident ledger: per shipment, an append-only chain of entries, each hashed with
RFC 8785 + SHA-256 over its content and its predecessor's hash, and signed by its actor.

Entries commit to content by digest (a document's SHA-256, a shipment draft's canonical
digest), never by value, so a ledger can be shown to any party without revealing goods,
values or routes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.orm import Session

from corridor.documents import Signer, TrustList, signing
from corridor.exceptions import LedgerBroken, VerificationFailed
from corridor.store.db import dialect_of, driver_of, pg_text
from corridor.store.tables import LedgerEntryRow

__all__ = [
    "GENESIS",
    "Entry",
    "Head",
    "Witness",
    "append",
    "append_many",
    "content_hash",
    "entries",
    "extend",
    "head",
    "store",
    "verify_chain",
]

GENESIS = "0" * 64
# Built once: appending is on the hot path of every exchange message.
_LAST = (
    select(LedgerEntryRow.seq, LedgerEntryRow.hash, LedgerEntryRow.at)
    .where(LedgerEntryRow.shipment_id == bindparam("shipment"))
    .order_by(LedgerEntryRow.seq.desc())
    .limit(1)
)
_INSERT = insert(LedgerEntryRow)


@dataclass(frozen=True)
class Entry:
    """One ledger entry."""

    shipment_id: str
    seq: int
    prev: str
    kind: str
    actor_id: str
    kid: str
    at: int
    body: dict[str, Any]
    hash: str
    signature: str

    def content(self) -> dict[str, Any]:
        """What the hash covers."""
        return {
            "shipment": self.shipment_id,
            "seq": self.seq,
            "prev": self.prev,
            "kind": self.kind,
            "actor": self.actor_id,
            "kid": self.kid,
            "at": self.at,
            "body": self.body,
        }


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 (hex) of an entry's canonical content."""
    return signing.digest_of(content)


digest_of = signing.digest_of


@dataclass(frozen=True)
class Head:
    """Where a chain goes on: the next position, the hash it follows, and the earliest time
    its next entry may carry (time in a chain never runs backwards)."""

    shipment_id: str
    seq: int
    prev: str
    at: int


def head(s: Session | Connection, shipment_id: str, *, first: bool = False) -> Head:
    """The chain's head, read once the chain is held for the caller's transaction, so that
    concurrent appends take turns: the second reads the head the first wrote, instead of
    both claiming the same position and one failing. On PostgreSQL a transaction-scoped
    advisory lock holds it (lock and read sent together, each statement with its own
    snapshot); SQLite lets one writer in at a time. `first`: the chain starts here."""
    if first:
        return Head(shipment_id, 0, GENESIS, 0)
    if dialect_of(s) == "postgresql":
        key = int.from_bytes(hashlib.sha256(shipment_id.encode()).digest()[:8], "big", signed=True)
        driver = driver_of(s)
        with driver.pipeline():
            driver.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})
            sql, bound = pg_text(_LAST)
            cursor = driver.execute(sql, {**bound, "shipment": shipment_id})
        last = cursor.fetchone()
    else:
        last = s.execute(_LAST, {"shipment": shipment_id}).first()
    return (
        Head(shipment_id, last[0] + 1, last[1], last[2])
        if last
        else Head(shipment_id, 0, GENESIS, 0)
    )


def append(
    s: Session | Connection,
    signer: Signer,
    actor_id: str,
    shipment_id: str,
    kind: str,
    body: dict[str, Any],
    now: datetime,
    *,
    first: bool = False,
) -> Entry:
    """Add an entry inside the caller's transaction, so it commits with the change it
    records or not at all. `first`: the shipment was made in this transaction, so the
    chain starts here (the (shipment, seq) key would refuse a second genesis anyway)."""
    return append_many(s, signer, actor_id, shipment_id, [(kind, body)], now, first=first)[0]


def append_many(
    s: Session | Connection,
    signer: Signer,
    actor_id: str,
    shipment_id: str,
    records: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
    *,
    first: bool = False,
) -> list[Entry]:
    """Add entries in order, each chained to the one before, with one look-up of the head
    and one insert for all of them."""
    made = extend(head(s, shipment_id, first=first), signer, actor_id, records, now)
    store(s, made)
    return made


def extend(
    at_head: Head,
    signer: Signer,
    actor_id: str,
    records: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
) -> list[Entry]:
    """Entries going on from a chain's head, in order, each hashed and signed (not stored)."""
    seq, prev = at_head.seq, at_head.prev
    # Time in a chain never runs backwards: a clock put back (after running fast) records
    # at the last entry's time until it catches up.
    at = max(int(now.timestamp()), at_head.at)
    made: list[Entry] = []
    for kind, body in records:
        draft = Entry(at_head.shipment_id, seq, prev, kind, actor_id, signer.kid, at, body, "", "")
        digest = content_hash(draft.content())
        signature = signing.sign(signer, bytes.fromhex(digest))
        made.append(Entry(**{**draft.__dict__, "hash": digest, "signature": signature}))
        seq, prev = seq + 1, digest
    return made


def store(s: Session | Connection, made: list[Entry]) -> None:
    """Insert entries made by `extend` (a Core insert: the (shipment, seq) key still refuses
    a second entry at a position)."""
    if made:
        s.execute(_INSERT, [e.__dict__ for e in made])


def entries(s: Session, shipment_id: str) -> list[Entry]:
    """A shipment's entries in order."""
    rows = s.scalars(
        select(LedgerEntryRow)
        .where(LedgerEntryRow.shipment_id == shipment_id)
        .order_by(LedgerEntryRow.seq)
    )
    return [
        Entry(
            r.shipment_id,
            r.seq,
            r.prev,
            r.kind,
            r.actor_id,
            r.kid,
            r.at,
            r.body,
            r.hash,
            r.signature,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Witness:
    """Another node's signed statement that this chain had `hash` at position `seq`."""

    seq: int
    hash: str
    by: str
    # The envelope the receipt answered: the chain must also note that it was witnessed.
    envelope: str | None = None


def verify_chain(
    chain: Iterable[Entry],
    trust: TrustList,
    documents: Mapping[str, str] | None = None,
    witnesses: Iterable[Witness] = (),
    events: Mapping[str, str] | None = None,
) -> int:
    """Check every link, hash and signature, that time never runs backwards, that each
    signing key was valid at its entry's time, that each attached document's digest matches
    the stored document (`documents`: id -> SHA-256), that each captured event still hashes
    to its id (`events`: stored id -> the digest its content hashes to now), and that the
    chain still holds what other nodes witnessed (a truncated or rewritten chain does not).
    Returns the number of entries; raises LedgerBroken naming the first bad entry."""
    prev, count, last_at = GENESIS, 0, None
    entries = list(chain)
    for expected_seq, e in enumerate(entries):
        if e.seq != expected_seq:
            raise LedgerBroken(expected_seq, "gap", f"entry {expected_seq} is missing")
        if e.prev != prev:
            raise LedgerBroken(
                e.seq, "bad_link", f"entry {e.seq} does not follow entry {e.seq - 1}"
            )
        if content_hash(e.content()) != e.hash:
            raise LedgerBroken(e.seq, "bad_hash", f"entry {e.seq} was changed after it was written")
        key = trust.resolve(e.kid)
        if key is None or key.organisation_id != e.actor_id:
            raise LedgerBroken(
                e.seq,
                "unknown_key",
                f"entry {e.seq} is signed with a key that does not belong to {e.actor_id}",
            )
        try:
            signing.check_signature(key.public_key, e.signature, bytes.fromhex(e.hash))
        except VerificationFailed:
            raise LedgerBroken(
                e.seq, "bad_signature", f"entry {e.seq}'s signature does not match"
            ) from None
        if (
            e.at < key.valid_from
            or (key.valid_to is not None and e.at >= key.valid_to)
            or (key.revoked_at is not None and e.at >= key.revoked_at)
        ):
            raise LedgerBroken(
                e.seq,
                "invalid_key",
                f"entry {e.seq} is signed with a key that was not valid at its time",
            )
        if last_at is not None and e.at < last_at:
            raise LedgerBroken(
                e.seq, "time_order", f"entry {e.seq} is dated before entry {e.seq - 1}"
            )
        if documents is not None and e.kind == "document_attached":
            stored = documents.get(str(e.body.get("document")))
            if stored != e.body.get("sha256"):
                raise LedgerBroken(
                    e.seq,
                    "document_changed",
                    f"entry {e.seq}'s document is missing or changed since it was attached",
                )
        if events is not None and e.kind == "epcis_events":
            for digest in e.body.get("events", []):
                if events.get(str(digest)) != digest:
                    raise LedgerBroken(
                        e.seq,
                        "event_changed",
                        f"entry {e.seq} names event {digest}, which is missing or changed "
                        "since it was captured",
                    )
        prev, last_at = e.hash, e.at
        count += 1
    noted = {str(e.body.get("envelope")) for e in entries if e.kind == "witnessed"}
    for w in sorted(witnesses, key=lambda w: w.seq):
        if w.seq >= len(entries):
            raise LedgerBroken(
                len(entries),
                "truncated",
                f"node {w.by!r} witnessed entry {w.seq}; the chain ends at {len(entries) - 1}",
            )
        if entries[w.seq].hash != w.hash:
            raise LedgerBroken(
                w.seq, "rewritten", f"entry {w.seq} differs from what node {w.by!r} witnessed"
            )
        if w.envelope is not None and w.envelope not in noted:
            raise LedgerBroken(
                len(entries),
                "truncated",
                f"the receipt of node {w.by!r} for envelope {w.envelope} is no longer noted",
            )
    return count
