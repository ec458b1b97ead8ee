"""On PostgreSQL with 20,000 shipments: every query a party's everyday reads send (the list,
a deep page, one shipment, its events, documents, ledger and readiness, and the API key
check) reads the big tables through an index, never a sequential scan; and the list reads
the party index in order instead of sorting a party's shipments.

The queries are the ones the services really send, captured as they run, then EXPLAINed
with their own parameters after ANALYZE.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from corridor import demo
from corridor.model import DocumentKind
from corridor.services import (
    Context,
    authentication,
    ledgers,
    listing,
    papers,
    readiness,
    shipments,
    timeline,
)
from corridor.store.db import Database
from tests import bulk
from tests.conftest import ORGS, T0, fresh_pg_database, node_context
from tests.factories import STORY

pytestmark = pytest.mark.postgres

BIG = ("shipments", "shipment_parties", "shipment_events", "ledger_entries", "documents")


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, str, str]]:
    """A node with one real shipment (with a signed document) and 20,000 bulk ones;
    returns the node, the real shipment's id and the shipper's API key."""
    with fresh_pg_database() as url:
        db = Database.open(url)
        ctx = node_context(db, Path(tmp_path_factory.mktemp("plans")))
        api_keys = demo.seed(ctx, T0, STORY)
        bulk.register(ctx, T0)
        shipper = ORGS[bulk.SHIPPER]
        real = shipments.submit(ctx, shipper, STORY.draft("PLAN-1"), T0)
        fields = STORY.papers(real)[DocumentKind.COMMERCIAL_INVOICE]
        papers.issue_signed(ctx, shipper, real.id, DocumentKind.COMMERCIAL_INVOICE, fields, T0)
        bulk.grow(ctx, real.id, 20_000)
        yield ctx, real.id, api_keys[bulk.SHIPPER]
        db.close()


@contextmanager
def _captured(ctx: Context) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements sent while inside, with their parameters."""
    found: list[tuple[str, Any]] = []

    def before(_c: Any, _cur: Any, statement: str, params: Any, _x: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not many:
            found.append((statement, params))

    event.listen(ctx.db.engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", before)


def _plans(ctx: Context, reads: Callable[[], None]) -> list[tuple[str, str]]:
    with _captured(ctx) as statements:
        reads()
    with ctx.db.engine.connect() as conn:
        return [
            (sql, "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params)))
            for sql, params in statements
        ]


def test_everyday_reads_use_indexes_only(grown: tuple[Context, str, str]) -> None:
    ctx, sid, api_key = grown
    shipper, carrier = ORGS[bulk.SHIPPER], ORGS[bulk.CARRIER]
    deep = {o.id: bulk.deep_cursor(ctx, o.id) for o in (shipper, carrier)}

    def reads() -> None:
        authentication.authenticate(ctx, api_key)
        for who in (shipper, carrier):
            assert len(listing.page(ctx, who).items) == 100
            assert listing.page(ctx, who, after=deep[who.id]).items
        shipments.get(ctx, shipper, sid)
        timeline.read(ctx, shipper, sid)
        papers.documents(ctx, shipper, sid)
        ledgers.shipment(ctx, shipper, sid)
        readiness.check(ctx, shipper, sid, T0)

    plans = _plans(ctx, reads)
    touched = set()
    for statement, plan in plans:
        for table in BIG:
            assert not re.search(rf"Seq Scan on {table}\b", plan), f"{statement}\n{plan}"
            if re.search(rf"\b{table}\b", plan):
                touched.add(table)
    assert touched == set(BIG), touched
    listings = [p for s, p in plans if "SELECT DISTINCT shipment_parties.created_at" in s]
    assert len(listings) == 4
    for plan in listings:
        # The party's shipments come off the index in order: no sort of all of them.
        assert "Backward using ix_shipment_parties_listing" in plan, plan
        assert not re.search(r"Sort\b.*\n.*shipment_parties", plan), plan
