"""Grow a PostgreSQL store to a realistic size fast: shipments with their parties, first
event and first ledger entry, written with COPY; and trusted keys made the ordinary way.

The parties follow a national node's mix: each shipment has one of 100 shippers (so one
shipper is party to ~1% of them), one of 20 consignees and two of seven carriers, where
`kz-rail` carries 15%. Every bulk shipment holds the stored JSON of one real submission, so
any of them reads back as a valid shipment. Bulk shipments are dated before the real ones:
a party's newest page shows what the services stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from corridor.model import Organisation, Role
from corridor.services import NODE_ADMIN, Context, keys, organisations
from corridor.store.tables import ShipmentRow

SHIPPER = "kz-ferroalloy"
CARRIER = "kz-rail"
SHIPPERS = 100
CARRIERS = 7
CONSIGNEES = 20
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _org(kind: str, i: int, role: Role) -> Organisation:
    return Organisation(id=f"bulk-{kind}-{i:03d}", name=f"Bulk {kind} {i}", country="KZ", role=role)


def register(ctx: Context, now: datetime) -> None:
    """The synthetic shippers, consignees and carriers (the demo ones must be there)."""
    have = {o.id for o in organisations.list_all(ctx)}
    wanted = [_org("shipper", i, Role.SHIPPER) for i in range(1, SHIPPERS)]
    wanted += [_org("consignee", i, Role.CONSIGNEE) for i in range(CONSIGNEES)]
    wanted += [_org("carrier", i, Role.CARRIER) for i in range(1, CARRIERS)]
    for org in wanted:
        if org.id not in have:
            organisations.register(ctx, NODE_ADMIN, org, now)


def _shipper(i: int) -> str:
    return SHIPPER if i % SHIPPERS == 0 else f"bulk-shipper-{i % SHIPPERS:03d}"


def _carriers(i: int) -> tuple[str, str]:
    # kz-rail on 3 of every 20 shipments (15%); the other slots share six bulk carriers.
    first = CARRIER if i % 20 < 3 else f"bulk-carrier-{1 + i % (CARRIERS - 1):03d}"
    return first, f"bulk-carrier-{1 + (i // 7) % (CARRIERS - 1):03d}"


def _id(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def count(ctx: Context) -> int:
    with ctx.db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(ShipmentRow)) or 0)


def grow(ctx: Context, template_id: str, to: int, progress: Any = None) -> int:
    """Add bulk shipments until the store holds `to` of them; returns how many were added.
    `template_id` names a real submitted shipment whose stored JSON the bulk ones copy."""
    start = count(ctx)
    if to <= start:
        return 0
    with ctx.db.transaction() as s:
        row = s.get(ShipmentRow, template_id)
        assert row is not None, template_id
        # Every bulk shipment: origin, destination, status, the three JSON documents, ready.
        like = (
            row.origin,
            row.destination,
            "submitted",
            *(json.dumps(x) for x in (row.payload, row.route, row.readiness)),
            row.ready,
        )
    raw = ctx.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        step = 20_000
        for lo in range(start, to, step):
            hi = min(lo + step, to)
            _copy(cur, range(lo, hi), like)
            raw.commit()
            if progress is not None:
                progress(hi - lo)
        # As autovacuum would in time: statistics, and the visibility map that lets an
        # index-only scan skip the table.
        driver = raw.driver_connection
        driver.autocommit = True
        try:
            for table in ("shipments", "shipment_parties", "shipment_events", "ledger_entries"):
                cur.execute(f"VACUUM ANALYZE {table}")
        finally:
            driver.autocommit = False
    finally:
        raw.close()
    return to - start


def _rows(n: range) -> Iterator[tuple[int, str, datetime]]:
    for i in n:
        yield i, _id(i), EPOCH + timedelta(seconds=i)


def _copy(cur: Any, n: range, like: tuple[Any, ...]) -> None:
    origin = like[0]
    with cur.copy(
        "COPY shipments (id, reference, submitted_by, created_at, origin, destination, status, "
        "payload, route, readiness, ready) FROM STDIN"
    ) as copy:
        for i, sid, at in _rows(n):
            copy.write_row((sid, f"B-{i}", _shipper(i), at, *like))
    with cur.copy(
        "COPY shipment_parties (shipment_id, organisation_id, role, created_at) FROM STDIN"
    ) as copy:
        for i, sid, at in _rows(n):
            shipper = _shipper(i)
            copy.write_row((sid, shipper, "submitter", at))
            copy.write_row((sid, shipper, "consignor", at))
            copy.write_row((sid, f"bulk-consignee-{i % CONSIGNEES:03d}", "consignee", at))
            for carrier in set(_carriers(i)):
                copy.write_row((sid, carrier, "carrier", at))
    with cur.copy(
        "COPY shipment_events (shipment_id, at, kind, actor_id, place, summary) FROM STDIN"
    ) as copy:
        for i, sid, at in _rows(n):
            copy.write_row((sid, at, "submitted", _shipper(i), origin, f"Submitted B-{i}"))
    with cur.copy(
        "COPY ledger_entries (shipment_id, seq, prev, kind, actor_id, kid, at, body, hash, "
        "signature) FROM STDIN"
    ) as copy:
        for i, sid, at in _rows(n):
            copy.write_row(
                (
                    sid,
                    0,
                    "0" * 64,
                    "submitted",
                    _shipper(i),
                    "bulk",
                    int(at.timestamp()),
                    '{"reference": "B"}',
                    f"{i:064x}",
                    "0" * 128,
                )
            )


def grow_keys(ctx: Context, to: int, now: datetime) -> int:
    """Rotate keys of the bulk organisations until the trust list holds `to` keys (each
    rotation retires the previous key, which stays on the list)."""
    made = len(keys.trust_list(ctx).entries)
    orgs = [f"bulk-shipper-{i:03d}" for i in range(1, SHIPPERS)]
    i = 0
    while made < to:
        keys.rotate(ctx, NODE_ADMIN, orgs[i % len(orgs)], now)
        made += 1
        i += 1
    return made
