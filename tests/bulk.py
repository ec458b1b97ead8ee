"""Grow a PostgreSQL store to a realistic size fast: shipments with their parties, first
event and first ledger entry, written with COPY; and trusted keys made the ordinary way.

The parties follow a national node's mix: each shipment has one of 100 shippers (so one
shipper is party to ~1% of them), one of 20 consignees and two of seven carriers, where
`kz-rail` carries 15%. Every bulk shipment holds the stored JSON of one real submission, so
any of them reads back as a valid shipment. Bulk shipments are dated before the real ones:
a party's newest page shows what the services stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from corridor.model import Organisation, Role
from corridor.services import NODE_ADMIN, Context, keys, listing, organisations
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


def count(ctx: Context) -> int:
    with ctx.db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(ShipmentRow)) or 0)


def grow(ctx: Context, template_id: str, to: int, progress: Any = None) -> int:
    """Add bulk shipments until the store holds `to` of them; returns how many were added.
    `template_id` names a real submitted shipment whose stored JSON the bulk ones copy.
    The database makes the rows itself, a batch at a time."""
    start = count(ctx)
    if to <= start:
        return 0
    raw = ctx.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        step = 50_000
        for lo in range(start, to, step):
            hi = min(lo + step, to)
            for statement in _BATCH:
                cur.execute(statement, {"lo": lo, "hi": hi - 1, "template": template_id})
            raw.commit()
            if progress is not None:
                progress(hi - lo)
        # As autovacuum and the checkpointer would in time: statistics, the visibility map
        # that lets an index-only scan skip the table, and the load written out.
        driver = raw.driver_connection
        driver.autocommit = True
        try:
            for table in ("shipments", "shipment_parties", "shipment_events", "ledger_entries"):
                cur.execute(f"VACUUM ANALYZE {table}")
            cur.execute("CHECKPOINT")
        finally:
            driver.autocommit = False
    finally:
        raw.close()
    return to - start


# Row i of a batch: its id, creation time, shipper and two carriers (kz-rail on 3 in 20).
_ROWS = f"""
    WITH g AS (
        SELECT i,
               '00000000-0000-4000-8000-' || lpad(i::text, 12, '0') AS sid,
               timestamptz '{EPOCH.isoformat()}' + i * interval '1 second' AS at,
               CASE WHEN i %% {SHIPPERS} = 0 THEN '{SHIPPER}'
                    ELSE 'bulk-shipper-' || lpad((i %% {SHIPPERS})::text, 3, '0') END AS shipper,
               CASE WHEN i %% 20 < 3 THEN '{CARRIER}'
                    ELSE 'bulk-carrier-' || lpad((1 + i %% {CARRIERS - 1})::text, 3, '0') END
                   AS carrier1,
               'bulk-carrier-' || lpad((1 + (i / 7) %% {CARRIERS - 1})::text, 3, '0') AS carrier2
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
    )
"""
_BATCH = (
    _ROWS
    + """
    INSERT INTO shipments (id, reference, submitted_by, created_at, origin, destination,
                           status, payload, route, readiness, ready)
    SELECT g.sid, 'B-' || g.i, g.shipper, g.at, t.origin, t.destination, 'submitted',
           t.payload, t.route, t.readiness, t.ready
    FROM g, (SELECT * FROM shipments WHERE id = %(template)s) AS t
    """,
    _ROWS
    + f"""
    INSERT INTO shipment_parties (shipment_id, organisation_id, role, created_at)
    SELECT sid, shipper, 'submitter', at FROM g
    UNION ALL SELECT sid, shipper, 'consignor', at FROM g
    UNION ALL SELECT sid, 'bulk-consignee-' || lpad((i %% {CONSIGNEES})::text, 3, '0'),
                     'consignee', at FROM g
    UNION ALL SELECT sid, carrier1, 'carrier', at FROM g
    UNION ALL SELECT sid, carrier2, 'carrier', at FROM g WHERE carrier2 <> carrier1
    """,
    _ROWS
    + """
    INSERT INTO shipment_events (shipment_id, at, kind, actor_id, place, summary)
    SELECT sid, at, 'submitted', shipper, 'dostyk', 'Submitted B-' || i FROM g
    """,
    _ROWS
    + """
    INSERT INTO ledger_entries (shipment_id, seq, prev, kind, actor_id, kid, at, body, hash,
                                signature)
    SELECT sid, 0, repeat('0', 64), 'submitted', shipper, 'bulk',
           extract(epoch FROM at)::int, '{"reference": "B"}', lpad(to_hex(i), 64, '0'),
           repeat('0', 128)
    FROM g
    """,
)


def deep_cursor(ctx: Context, org_id: str, page: int = 100) -> str:
    """The listing cursor half-way down a party's rows, but with at least a full `page` of
    shipments after it (a shipper holds two rows of each of its shipments), so that a deep
    page returns as many shipments at every store size."""
    with ctx.db.engine.connect() as conn:
        at, sid = conn.execute(
            text(
                "SELECT created_at, shipment_id FROM shipment_parties WHERE organisation_id = :o "
                "ORDER BY created_at DESC, shipment_id DESC OFFSET (SELECT LEAST(count(*) / 2, "
                "GREATEST(count(*) - 2 * :page - 2, 0)) FROM shipment_parties "
                "WHERE organisation_id = :o) LIMIT 1"
            ),
            {"o": org_id, "page": page},
        ).one()
    return listing.cursor(at, sid)


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
