"""Shared fixtures: a fresh SQLite store per test, and a real PostgreSQL database.

PostgreSQL tests skip with the reason when the server at 127.0.0.1:5432 is unreachable, and
fail instead when CI=true.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings

from corridor import demo
from corridor.asgi import create_app
from corridor.config import Settings
from corridor.documents import Signer, TrustList
from corridor.model import Organisation, Role
from corridor.services import NODE_ADMIN, Context, keys, organisations
from corridor.store.db import Database
from corridor.store.tables import Base
from tests.factories import STORY

# Property tests: no per-example deadline (these machines are noisy), and in CI the same
# examples every run, so a red build always means a real failure that reproduces.
hypothesis_settings.register_profile(
    "corridor",
    deadline=None,
    derandomize=os.environ.get("CI", "").lower() == "true",
    print_blob=True,
)
hypothesis_settings.load_profile("corridor")

PG_ADMIN_URL = os.environ.get(
    "CORRIDOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The demo corridor with customs data on every authority's node (the `walked` fixture).
pytest_plugins = ["tests.customs_corridor"]

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock:
    """A clock that tests move by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def _unreachable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432 ({reason})")


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    name = f"corridor_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unreachable(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
    url = sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test session, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


def _empty(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def pg_db(pg_database_url: str) -> Iterator[Database]:
    db = Database.open(pg_database_url)
    yield db
    db.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty store on each backend."""
    if request.param == "sqlite":
        database = Database.open(f"sqlite:///{tmp_path / 'corridor.db'}")
        yield database
        database.close()
    else:
        database = request.getfixturevalue("pg_db")
        _empty(database)
        yield database
        _empty(database)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database.open(f"sqlite:///{tmp_path / 'corridor.db'}")
    yield database
    database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'corridor.db'}",
        max_json_bytes=64 * 1024,
        max_document_bytes=256 * 1024,
    )


ORGS: dict[str, Organisation] = {o.id: o for o in STORY.organisations}


def node_context(db: Database, data_dir: Path, clock: Clock | None = None) -> Context:
    """A node over `db` with its data folder (keys) in `data_dir`, on the test clock."""
    settings = Settings(
        data_dir=data_dir,
        database_url=str(db.engine.url),
        max_json_bytes=64 * 1024,
        max_document_bytes=256 * 1024,
    )
    return Context.open(settings, db=db, clock=clock or Clock())


@contextmanager
def walked_node(folder: Path) -> Iterator[tuple[Context, str]]:
    """A node on SQLite in `folder` that walked the story's shipment from Dostyk to
    Constanța, and that shipment's id."""
    db = Database.open(f"sqlite:///{folder / 'walked.db'}")
    try:
        ctx = node_context(db, folder)
        demo.seed(ctx, T0, STORY)
        yield ctx, demo.walk(ctx, T0, story=STORY).shipment.id
    finally:
        db.close()


def seed_directory(ctx: Context) -> None:
    """Register the demo organisations on a node (the organisation directory is public)."""
    demo.register_directory(ctx, T0, story=STORY)


@pytest.fixture
def node(db: Database, tmp_path: Path, clock: Clock) -> Context:
    """A node on each backend, with the demo organisations registered (no keys yet)."""
    ctx = node_context(db, tmp_path, clock)
    seed_directory(ctx)
    return ctx


@pytest.fixture
def ctx(sqlite_db: Database, tmp_path: Path, clock: Clock) -> Context:
    """A node on a fresh SQLite store, on the test clock, with no organisations yet."""
    return node_context(sqlite_db, tmp_path, clock)


@pytest.fixture
def api_keys(ctx: Context) -> dict[str, str]:
    """The demo organisations registered with their signing keys, and one API key each."""
    return demo.seed(ctx, T0, STORY)


@contextmanager
def off_the_event_loop(db: Database) -> Iterator[None]:
    """Fail if a statement reaches the database from a thread running an event loop: an
    `async` route that queries the store blocks every other request meanwhile."""
    blocking: list[str] = []

    def before(_c: object, _cur: object, statement: str, *_: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        blocking.append(statement.split("\n")[0][:120])

    sa.event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
    assert not blocking, f"the store was queried on the event loop: {blocking}"


@pytest.fixture
def client(ctx: Context, api_keys: dict[str, str]) -> Iterator[TestClient]:
    with (
        off_the_event_loop(ctx.db),
        TestClient(create_app(ctx), raise_server_exceptions=False) as c,
    ):
        yield c


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's environment: a node in `tmp_path` on SQLite; returns the data folder."""
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CORRIDOR_DATABASE_URL", raising=False)
    return tmp_path


class Keyring:
    """A node's signing keys as the document tests use them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def trust_list(self) -> TrustList:
        return keys.trust_list(self.ctx)

    def signer(self, org_id: str) -> Signer:
        with self.ctx.db.transaction() as s:
            return self.ctx.keys.signer(s, org_id)

    def current_kid(self, org_id: str) -> str | None:
        with self.ctx.db.transaction() as s:
            return self.ctx.keys.current_kid(s, org_id)


@pytest.fixture
def signing(tmp_path: Path) -> Iterator[tuple[Keyring, dict[str, Organisation]]]:
    """A node with every demo organisation and its key, and the organisations by id."""
    db = Database.open(f"sqlite:///{tmp_path / 'c.db'}")
    ctx = node_context(db, tmp_path)
    demo.seed(ctx, T0, STORY)
    # A single node holding every key, customs ones included: documents are tested here,
    # not who may hold which key (that is the federation's test).
    for org in STORY.organisations:
        if org.role is Role.CUSTOMS:
            keys.ensure_key(ctx, NODE_ADMIN, org.id, T0)
    yield Keyring(ctx), {o.id: o for o in organisations.list_all(ctx)}
    db.close()


def state(db: Database, data_dir: Path) -> tuple[dict[str, int], list[str]]:
    """What a node holds: rows per table, and every file in its data folder other than the
    store's own (whose content the row counts cover)."""
    with db.engine.connect() as conn:
        rows = {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }
    files = sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and not p.name.startswith("corridor.db")
    )
    return rows, files


def auth(api_keys: dict[str, str], org: str) -> dict[str, str]:
    """The Authorization header of a demo organisation."""
    return {"Authorization": f"Bearer {api_keys[org]}"}
