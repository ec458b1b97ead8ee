"""The store on SQLite and PostgreSQL: schema, transactions, visibility, error mapping."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from corridor import exceptions as exc
from corridor import ledger
from corridor.model import Organisation
from corridor.services import Context, shipments
from corridor.store import db as store_db
from corridor.store.db import Database, translate
from corridor.store.exchange_tables import RejectionRow
from corridor.store.tables import Base, ShipmentRow
from tests.conftest import T0
from tests.factories import STORY, draft

ORGS = {o.id: o for o in STORY.organisations}


def count(db: Database, table: type[Base]) -> int:
    with db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def test_migrations_produce_exactly_the_declared_schema(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _schema(db: Database) -> dict[str, object]:
    """Every table with its columns (name, type, nullability, default), primary key,
    indexes, unique constraints and foreign keys, plus the Alembic revision."""
    inspector = sa.inspect(db.engine)
    out: dict[str, object] = {}
    for table in inspector.get_table_names():
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    with db.engine.connect() as conn:
        out["alembic_version"] = conn.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).scalar_one()
    return out


def test_migrating_twice_changes_nothing(db: Database) -> None:
    before = _schema(db)
    assert "shipments" in before
    store_db.migrate(db.engine)
    assert _schema(db) == before
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_the_database_unique_constraint_backs_the_check(node: Context, db: Database) -> None:
    shipments.submit(node, ORGS["kz-ferroalloy"], draft("R-5"), T0)
    row = {
        "id": "dup",
        "reference": "R-5",
        "submitted_by": "kz-ferroalloy",
        "origin": "a",
        "destination": "b",
        "status": "x",
        "payload": {},
        "route": {},
        "created_at": T0,
    }
    with pytest.raises(exc.Conflict), db.transaction() as s:
        s.add(ShipmentRow(**row))
    assert count(db, ShipmentRow) == 1


def test_every_database_error_class_is_translated() -> None:
    for cls in [
        sa.exc.IntegrityError,
        sa.exc.OperationalError,
        sa.exc.InterfaceError,
        sa.exc.ProgrammingError,
        sa.exc.DataError,
        sa.exc.InternalError,
        sa.exc.NotSupportedError,
        sa.exc.DatabaseError,
        sa.exc.DBAPIError,
    ]:
        error = cls("stmt", {}, Exception("boom"))
        mapped = translate(error)
        assert isinstance(mapped, exc.CorridorError), cls
    assert isinstance(translate(sa.exc.IntegrityError("s", {}, Exception())), exc.Conflict)
    assert isinstance(translate(sa.exc.TimeoutError()), exc.StoreUnavailable)
    assert translate(ValueError("not ours")) is None


def _subclasses(base: type[Exception]) -> list[type[Exception]]:
    found, todo = [], [base]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_every_psycopg_and_sqlalchemy_error_maps_as_its_family_says() -> None:
    # Like httpx's transport map: every class either driver can raise, enumerated, is ours.
    for cls in _subclasses(psycopg.Error) + _subclasses(sa.exc.SQLAlchemyError):
        error = cls.__new__(cls)
        mapped = translate(error)
        assert isinstance(mapped, exc.CorridorError), cls
        if issubclass(cls, (psycopg.IntegrityError, sa.exc.IntegrityError)):
            assert isinstance(mapped, exc.Conflict), cls
        elif issubclass(cls, (psycopg.DataError, sa.exc.DataError)):
            assert isinstance(mapped, exc.InvalidInput), cls
        else:
            assert isinstance(mapped, exc.StoreUnavailable), cls
    # A cancelled statement (statement or lock timeout, pg_cancel_backend) is an outage.
    cancelled = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    assert isinstance(translate(cancelled), exc.StoreUnavailable)
    assert isinstance(translate(psycopg.errors.LockNotAvailable()), exc.StoreUnavailable)


@pytest.mark.postgres
def test_a_cancelled_statement_in_the_ledgers_own_read_is_an_outage(pg_db: Database) -> None:
    """The ledger's head is read through psycopg's pipeline; a cancel there (here a
    statement timeout while another transaction holds the chain) reaches the caller as
    StoreUnavailable, to retry, and never as an unknown error."""
    key = int.from_bytes(hashlib.sha256(b"S-CANCEL").digest()[:8], "big", signed=True)

    def read_head() -> None:
        with pg_db.connection() as c:
            c.exec_driver_sql("SET LOCAL statement_timeout = 50")
            ledger.head(c, "S-CANCEL")

    with pg_db.engine.connect() as other:
        other.exec_driver_sql(f"SELECT pg_advisory_lock({key})")
        try:
            with pytest.raises(exc.StoreUnavailable, match="unreachable or busy"):
                read_head()
        finally:
            other.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")


def test_an_unreachable_database_is_store_unavailable(tmp_path: object) -> None:
    with pytest.raises(exc.StoreUnavailable, match="unreachable"):
        Database.open("postgresql+psycopg://postgres@127.0.0.1:1/none")


def test_organisation_model_rejects_a_bad_tax_id() -> None:
    with pytest.raises(ValueError, match="not a valid tax id"):
        Organisation(id="x-ro", name="X", country="RO", role="consignee", tax_id="RO123")  # type: ignore[arg-type]


def test_the_sqlite_store_and_its_journal_are_owner_only(tmp_path: Path) -> None:
    import stat

    db = Database.open(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        with db.transaction() as s:
            s.execute(sa.text("SELECT 1"))
        files = [p for p in tmp_path.iterdir() if p.name.startswith("c.db")]
        assert {p.name for p in files} >= {"c.db", "c.db-wal"}
        for p in files:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
    finally:
        db.close()


def test_a_snapshot_reader_sees_one_moment_whatever_commits_meanwhile(db: Database) -> None:
    """What a ledger verification needs: its chain and its receipts from the same moment."""

    def refusal(n: int) -> RejectionRow:
        return RejectionRow(at=T0, reason="malformed", envelope_id=f"e{n}", detail="x")

    with db.transaction() as s:
        s.add(refusal(1))
    with db.snapshot() as s:
        before = s.scalar(sa.select(sa.func.count()).select_from(RejectionRow))
        with db.transaction() as other:
            other.add(refusal(2))
        after = s.scalar(sa.select(sa.func.count()).select_from(RejectionRow))
    assert before == after
    assert count(db, RejectionRow) == (before or 0) + 1
