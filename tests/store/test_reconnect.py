"""The store's connections across a PostgreSQL restart: a connection idle for a while is
tested before use, so the first request after a quiet restart succeeds; a busy one is not
(that would cost a round trip per transaction), so at most one transaction fails after a
restart under load, and the next connects afresh.

The test runs its own PostgreSQL server (own folder, own port) and stops only that.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from corridor.exceptions import StoreUnavailable
from corridor.store import db as db_mod
from corridor.store.db import Database
from tests.servers import PostgresServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    own = PostgresServer().start()
    try:
        yield own
    finally:
        own.remove()


def _one(db: Database) -> int:
    with db.transaction() as s:
        return int(s.scalar(sa.select(1)) or 0)


def test_restarts_cost_at_most_one_failed_transaction(
    server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.open(server.url, pool_size=2)
    try:
        assert _one(db) == 1
        # Busy: used just now, so not tested on checkout; the restart surfaces once.
        server.stop()
        server.start()
        failures = 0
        for _ in range(3):
            try:
                assert _one(db) == 1
            except StoreUnavailable:
                failures += 1
        assert failures <= 1
        # Idle: tested on checkout, so a restart during the quiet costs nothing.
        monkeypatch.setattr(db_mod, "IDLE_PING_S", 0.0)
        server.stop()
        server.start()
        assert [_one(db) for _ in range(3)] == [1, 1, 1]
    finally:
        db.close()
