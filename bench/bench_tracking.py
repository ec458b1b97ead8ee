"""Custody event capture and the events query on PostgreSQL.

Capture: documents of 100 and of 1,000 new events through `tracking.capture` (GS1 schema validation,
CBV 2.0 hash ids, entitlement, store, identifiers, ledger entries) against a bare SQLAlchemy
insert of the same events' JSON into a JSONB table, in interleaved rounds of the same run;
printed as events per second and the ratio (target >= 0.3).

Query: 1,000,000 events over 2,000 containers (made in the database), then a page of 30
events by container (`MATCH_epc`, as a party) for random containers: p50 and p99, and the
plan, which must read the (epc, event_time) index rather than scan.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from _scratch import scratch_database
from rich.console import Console
from rich.progress import Progress
from stdnum import iso6346

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import ORGS

from corridor import demo
from corridor.config import Settings
from corridor.services import Context, event_query, shipments, tracking
from corridor.services.event_query import EventQuery
from corridor.tracking import epcis
from corridor.tracking.epcis import Step

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
# Documents of 100 events (a train's hand-overs) and of 1,000 (a terminal's batch).
BATCHES = (100, 1000)
ROUNDS = 60
EVENTS = int(os.environ.get("CORRIDOR_BENCH_EVENTS", "1000000"))
CONTAINERS = 2000
console = Console()


def containers(n: int) -> list[str]:
    return [
        epcis.container_epc(f"CSQU{i:06d}" + iso6346.calc_check_digit(f"CSQU{i:06d}"))
        for i in range(n)
    ]


def main() -> None:
    with (
        scratch_database("corridor_track", console) as url,
        tempfile.TemporaryDirectory() as folder,
    ):
        ctx = Context.open(Settings(data_dir=Path(folder), database_url=url))
        try:
            run(ctx)
        finally:
            ctx.db.close()


def run(ctx: Context) -> None:
    demo.seed(ctx, NOW)
    shipper, rail = ORGS["kz-ferroalloy"], ORGS["kz-rail"]
    made = shipments.submit(ctx, shipper, demo.draft("BENCH-TRACK"), NOW)
    boxes = containers(CONTAINERS)
    counter = iter(range(10**9))

    def batch(size: int) -> list[dict[str, object]]:
        return [
            epcis.build(
                Step.ARRIVING,
                # Hand-overs that happened before they are recorded (and after the
                # shipment's earliest allowed time): a capture refuses events from the future.
                NOW - timedelta(days=20) + timedelta(seconds=next(counter)),
                made.id,
                # One place: a shipment's moves follow its route, and these all carry later
                # times than the last.
                "aktau",
                [random.choice(boxes)],
            )
            for _ in range(size)
        ]

    with ctx.db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE bare_events (id bigserial PRIMARY KEY, doc jsonb)"))
    bare_insert = sa.text("INSERT INTO bare_events (doc) VALUES (cast(:doc AS jsonb))")
    for size in BATCHES:
        ours_t, base_t, ratios = [], [], []
        rounds = max(9, ROUNDS * BATCHES[0] // size)
        # Drawn between rounds, not by Rich's refresh thread: a thread taking the GIL while
        # Python-bound capture runs would slow it more than the waiting bare insert.
        with Progress(console=console, auto_refresh=False) as bar:
            task = bar.add_task(f"Capture vs bare insert, {size} events a document", total=rounds)
            for _ in range(rounds):
                rows = [{"doc": json.dumps(d)} for d in batch(size)]
                t = time.perf_counter()
                with ctx.db.engine.begin() as conn:
                    conn.execute(bare_insert, rows)
                base = time.perf_counter() - t
                capture_doc = epcis.document(batch(size), NOW)
                t = time.perf_counter()
                tracking.capture(ctx, rail, capture_doc, NOW)
                ours = time.perf_counter() - t
                ours_t.append(ours)
                base_t.append(base)
                ratios.append(base / ours)
                bar.advance(task)
                bar.refresh()
        console.print(
            f"capture, {size} events a document: {size / statistics.median(ours_t):,.0f} "
            f"events/s, bare insert {size / statistics.median(base_t):,.0f}/s, "
            f"ratio [bold]{statistics.median(ratios):.2f}x[/] (target >= 0.3)"
        )
    fill(ctx, made.id, boxes)
    query(ctx, shipper, boxes)


def fill(ctx: Context, shipment: str, boxes: list[str]) -> None:
    """EVENTS events made in the database, each naming one of the containers."""
    start = time.perf_counter()
    chunk = 100_000
    with Progress(console=console) as bar:
        task = bar.add_task(f"Filling {EVENTS:,} events", total=EVENTS)
        for lo in range(0, EVENTS, chunk):
            with ctx.db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        """
                        WITH g AS (
                          SELECT n, (CAST(:boxes AS text[]))[1 + n % :k] AS epc,
                                 timestamptz '2026-01-01' + n * interval '1 second' AS t
                          FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS n)
                        , e AS (
                          INSERT INTO epcis_events (id, shipment_id, event_time, biz_step,
                              location, country, recorded_by, recorded_at, event)
                          SELECT md5('e' || n) || md5('f' || n), :shipment, t, 'arriving',
                              'aktau', 'KZ', 'kz-rail', t,
                              jsonb_build_object('type', 'ObjectEvent', 'eventTime', t,
                                  'eventTimeZoneOffset', '+00:00', 'epcList',
                                  jsonb_build_array(epc), 'action', 'OBSERVE',
                                  'bizStep', 'arriving')
                          FROM g RETURNING id, event_time, event)
                        INSERT INTO epcis_event_epcs (epc, event_time, event_id)
                        SELECT event->'epcList'->>0, event_time, id FROM e
                        """
                    ),
                    {
                        "boxes": boxes,
                        "k": len(boxes),
                        "lo": lo,
                        "hi": min(EVENTS, lo + chunk) - 1,
                        "shipment": shipment,
                    },
                )
            bar.advance(task, min(chunk, EVENTS - lo))
        with ctx.db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    console.print(f"filled {EVENTS:,} events in {time.perf_counter() - start:.0f} s")


def query(ctx: Context, who: object, boxes: list[str]) -> None:
    times = []
    for _ in range(1000):
        epc = random.choice(boxes)
        t = time.perf_counter()
        page = event_query.events(ctx, who, EventQuery(MATCH_epc=[epc], perPage=30))  # type: ignore[arg-type]
        times.append((time.perf_counter() - t) * 1000)
        assert len(page.events) >= min(30, EVENTS // CONTAINERS), len(page.events)
    times.sort()
    console.print(
        f"query by container over {EVENTS:,} events: p50 {times[499]:.2f} ms, "
        f"p99 {times[989]:.2f} ms (1,000 queries, pages of 30)"
    )
    with ctx.db.engine.connect() as conn:
        plan = (
            conn.execute(
                sa.text(
                    "EXPLAIN SELECT event_id FROM epcis_event_epcs WHERE epc = :e "
                    "ORDER BY event_time, event_id LIMIT 31"
                ),
                {"e": boxes[0]},
            )
            .scalars()
            .all()
        )
    console.print("plan: " + " / ".join(p.strip() for p in plan))
    if not any("Index" in p for p in plan):
        raise SystemExit("the query by container does not use the index")


if __name__ == "__main__":
    main()
