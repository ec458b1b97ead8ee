"""Engine, migrations and transactions, with database errors translated into ours."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

import psycopg
import sqlalchemy.exc as sa_exc
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from pydantic_core import from_json, to_json
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Insert,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import ClauseElement, Executable

from corridor.exceptions import Conflict, CorridorError, InvalidInput, StoreUnavailable
from corridor.store.tables import ProbeRow

# Foreign exception -> ours. Order matters: the first matching class wins, so subclasses
# (IntegrityError is a DatabaseError) come before their bases.
EXCEPTION_MAP: tuple[tuple[type[Exception], type[CorridorError], str], ...] = (
    (sa_exc.IntegrityError, Conflict, "the change clashes with stored data"),
    # Data the database cannot hold (a NUL character, a value too long or out of range) is
    # the client's to correct, not an outage.
    (
        sa_exc.DataError,
        InvalidInput,
        "the store cannot hold a value given (a NUL character, or too long or out of range); "
        "correct it",
    ),
    (sa_exc.OperationalError, StoreUnavailable, "the database is unreachable or busy"),
    (sa_exc.InterfaceError, StoreUnavailable, "the database connection failed"),
    (sa_exc.DatabaseError, StoreUnavailable, "the database refused the operation"),
    (sa_exc.DBAPIError, StoreUnavailable, "the database driver failed"),
    (sa_exc.TimeoutError, StoreUnavailable, "no database connection was free in time"),
    (sa_exc.SQLAlchemyError, StoreUnavailable, "the store failed"),
    # What psycopg raises where the store speaks to it directly (its pipeline): the same
    # classes, so a cancelled statement (a statement or lock timeout, an operator's
    # pg_cancel_backend) is an outage to retry, never a verdict on the data.
    (psycopg.IntegrityError, Conflict, "the change clashes with stored data"),
    (
        psycopg.DataError,
        InvalidInput,
        "the store cannot hold a value given (a NUL character, or too long or out of range); "
        "correct it",
    ),
    (psycopg.OperationalError, StoreUnavailable, "the database is unreachable or busy"),
    (psycopg.InterfaceError, StoreUnavailable, "the database connection failed"),
    (psycopg.Error, StoreUnavailable, "the database refused the operation"),
)
# Every foreign class the map translates: what the store's boundaries catch.
FOREIGN: tuple[type[Exception], ...] = (sa_exc.SQLAlchemyError, psycopg.Error)


def translate(exc: Exception) -> CorridorError | None:
    """Our error for a database exception, or None if it is not one."""
    for foreign, ours, detail in EXCEPTION_MAP:
        if isinstance(exc, foreign):
            return ours(f"{detail}: {type(exc).__name__}")
    return None


def dialect_of(s: Session | Connection) -> str:
    """The database dialect a session or connection speaks ('postgresql', 'sqlite')."""
    return (s.get_bind() if isinstance(s, Session) else s).dialect.name


def insert_unless_exists(s: Session | Connection, table: Table, returning: Column[Any]) -> Insert:
    """An INSERT ... RETURNING `returning` that adds nothing (and returns no row) where a
    unique key already holds the row, instead of failing the transaction: SQLite and
    PostgreSQL both say ON CONFLICT DO NOTHING. Built once per dialect and table."""
    return _insert_unless_exists(dialect_of(s), table, returning)


@functools.cache
def _insert_unless_exists(dialect: str, table: Table, returning: Column[Any]) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing().returning(returning)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing().returning(returning)
    raise NotImplementedError(f"no insert-unless-exists for {dialect}")


def driver_of(s: Session | Connection) -> Any:
    """The DB-API connection under a session or connection, for what only the driver does
    (psycopg's pipeline)."""
    conn = s.connection() if isinstance(s, Session) else s
    return conn.connection.driver_connection


@functools.lru_cache(maxsize=64)
def pg_text(query: Executable) -> tuple[str, dict[str, Any]]:
    """A statement as PostgreSQL text with named parameters, for the driver itself (inside
    a pipeline), and the values it binds itself (such as a JSON path's key)."""
    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    compiled = cast(ClauseElement, query).compile(dialect=dialect)
    return str(compiled), {k: v for k, v in compiled.params.items() if v is not None}


@contextmanager
def batched(conn: Connection) -> Iterator[None]:
    """Statements whose results nobody reads, sent together: on PostgreSQL in one pipeline
    (one round trip, errors raised at its end, the transaction still whole or nothing);
    elsewhere one by one."""
    if dialect_of(conn) != "postgresql":
        yield
        return
    with driver_of(conn).pipeline():
        yield


def to_json_text(value: Any) -> str:
    """JSON as the engine writes its JSON columns."""
    return to_json(value).decode()


# JSON columns (drafts, routes, reports, envelopes) written and read by pydantic's encoder
# and parser (Rust) instead of the standard library's: the same JSON, in a fraction of the
# time on every submission and read.
_JSON_CODEC: dict[str, Any] = {"json_serializer": to_json_text, "json_deserializer": from_json}


def make_engine(url: str, pool_size: int = 5) -> Engine:
    """An engine for a SQLite file (created with its folder) or a PostgreSQL URL, keeping
    up to `pool_size` connections (and as many again at a burst)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            # The store holds commercial data: owner-only, like the keys. SQLite gives its
            # -wal and -shm files the database file's permissions.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
        pooled = (
            {}
            if parsed.database in (None, "", ":memory:")
            else {
                "pool_size": pool_size,
                "max_overflow": pool_size,
            }
        )
        engine = create_engine(url, connect_args={"timeout": 30}, **_JSON_CODEC, **pooled)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, **_JSON_CODEC)
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for longer than this is tested before use. A busy connection is
# not (a test costs a round trip per transaction): if the server restarted under it, its
# first statement fails, the pool drops every connection made before, and the next
# transaction connects afresh.
IDLE_PING_S = 5.0
# How often a health check may write its probe row (seconds).
PROBE_EVERY_S = 1.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) <= IDLE_PING_S:
            return
        try:
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi.rollback()
        except Exception as exc:  # any failure: the pool replaces the connection
            raise sa_exc.DisconnectionError(str(exc)) from exc


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to an Alembic revision (the newest by default), up or down."""
    script_dir = resources.files("corridor.store").joinpath("migrations")
    config = Config()
    config.set_main_option("script_location", str(script_dir))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            current = MigrationContext.configure(connection).get_current_revision()
            if revision != "head" and current is not None and current > revision:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    except FOREIGN as exc:
        raise translate(exc) or exc from exc


def table_names(engine: Engine) -> list[str]:
    """Tables present in the database."""
    return sorted(inspect(engine).get_table_names())


def undo_on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Run `undo` if the session's transaction rolls back: a file written as part of a
    change must not outlive the change."""
    session.info.setdefault("undo", []).append(undo)


def _rollback(session: Session) -> None:
    session.rollback()
    for undo in reversed(session.info.pop("undo", [])):
        undo()


class Database:
    """An engine plus transactions that commit whole or not at all."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._probed = -PROBE_EVERY_S
        self._unwritable: str | None = None

    def unwritable(self) -> str | None:
        """Why the store takes no write now (a full disk, a read-only or unreachable
        server), or None when it does: one row written and committed, at most once every
        `PROBE_EVERY_S` (a health check asked often costs no more)."""
        moment = time.monotonic()
        if moment - self._probed < PROBE_EVERY_S:
            return self._unwritable
        table = cast(Table, ProbeRow.__table__)
        try:
            with self.engine.begin() as conn:
                at = datetime.now(UTC)
                if not conn.execute(update(table).values(at=at)).rowcount:
                    conn.execute(insert(table).values(id=1, at=at))
            self._unwritable = None
        except FOREIGN as exc:
            cause = getattr(exc, "orig", None) or exc
            self._unwritable = f"{type(cause).__name__}: {str(cause).splitlines()[0][:200]}"
        self._probed = time.monotonic()
        return self._unwritable

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, pool_size: int = 5) -> Database:
        """Connect, and migrate to the newest schema unless told not to."""
        engine = make_engine(url, pool_size)
        if upgrade:
            migrate(engine)
        return cls(engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose changes commit on success and roll back on any error; on a
        rollback, what `undo_on_rollback` registered is undone too (files written for it)."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except FOREIGN as exc:
            _rollback(session)
            raise translate(exc) or exc from exc
        except BaseException:
            _rollback(session)
            raise
        finally:
            session.close()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A Core connection in a transaction: cheaper than a session for a few statements
        on a hot path; commits on success, rolls back on any error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except FOREIGN as exc:
            raise translate(exc) or exc from exc

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only session whose statements all see one snapshot of the store
        (REPEATABLE READ on PostgreSQL; one read transaction on SQLite), for a reader that
        must not mix what two commits left: a chain and its receipts read while a receipt
        is taken, say. Nothing it does is committed."""
        session = self._sessions()
        try:
            if self.engine.dialect.name == "postgresql":
                session.connection(
                    execution_options={
                        "isolation_level": "REPEATABLE READ",
                        "postgresql_readonly": True,
                    }
                )
            else:
                session.connection().exec_driver_sql("BEGIN")
            yield session
        except FOREIGN as exc:
            raise translate(exc) or exc from exc
        finally:
            _rollback(session)
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection whose statements each stand alone (autocommit): for reads of one
        statement, or writes that are one statement, on a hot path. No BEGIN and COMMIT
        round trips."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                yield conn
        except FOREIGN as exc:
            raise translate(exc) or exc from exc

    def safe_url(self) -> str:
        """The store's URL with any password hidden, for printing."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
