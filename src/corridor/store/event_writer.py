"""Storing captured EPCIS events with the identifiers each names (`EventWriter`).

On PostgreSQL one statement stores a part of a capture: the rows travel as two JSON arrays,
opened on the server by `jsonb_to_recordset`; the events go in unless already stored, and
the identifiers follow for the events that went in. The parts go in one pipeline, so the
server stores one while the caller checks and hashes the next. Elsewhere, two statements
store each part when it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from types import TracebackType
from typing import Any, Self

import orjson
from sqlalchemy import Select, Table, bindparam, column, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import TableValuedAlias

from corridor.store.db import (
    dialect_of,
    driver_of,
    insert_unless_exists,
    pg_text,
    to_json_text,
)
from corridor.store.tables import EpcisEpcRow, EpcisEventRow

Row = Mapping[str, Any]
EVENTS: Table = EpcisEventRow.__table__  # type: ignore[assignment]
IDENTIFIERS: Table = EpcisEpcRow.__table__  # type: ignore[assignment]
EVENT = "event_id"


def _insert(s: Session, events: Sequence[Row], identifiers: Sequence[Row]) -> set[str]:
    """Insert events not stored yet (ids unique within `events`), and the identifier rows
    (each naming its event as `event_id`) of those that went in, statement by statement.
    Returns the ids of the events inserted now."""
    inserted = set(s.execute(insert_unless_exists(s, EVENTS, EVENTS.c.id), list(events)).scalars())
    ids = [r for r in identifiers if r[EVENT] in inserted]
    if ids:
        s.execute(insert(IDENTIFIERS), ids)
    return inserted


def _rows(name: str, table: Table, names: Sequence[str]) -> TableValuedAlias:
    """`jsonb_to_recordset(:name) AS name(col type, ...)` over these columns of `table`."""
    columns = [column(n, table.c[n].type) for n in names]
    source = func.jsonb_to_recordset(bindparam(name, type_=postgresql.JSONB))
    return source.table_valued(*columns).render_derived(name=name, with_types=True)


@lru_cache(maxsize=16)
def _statement(names: tuple[str, ...], id_names: tuple[str, ...]) -> Select[Any]:
    """The statement for rows with these columns, built once."""
    given = _rows("events", EVENTS, names)
    added = (
        postgresql.insert(EVENTS)
        .from_select(names, select(*[given.c[n] for n in names]))
        .on_conflict_do_nothing()
        .returning(EVENTS.c.id)
        .cte("added")
    )
    query = select(added.c.id)
    if id_names:
        values = _rows("ids", IDENTIFIERS, id_names)
        follow = insert(IDENTIFIERS).from_select(
            id_names,
            select(*[values.c[k] for k in id_names]).join(added, added.c.id == values.c[EVENT]),
        )
        query = query.add_cte(follow.cte("ids_added"))
    return query


class EventWriter:
    """Inserts parts of a capture as they are given, in the caller's transaction, and says
    at the end which events went in. On PostgreSQL each part is sent at once in a pipeline
    and its result read at `finish`; until then the session may be used only after
    `pause()`. Elsewhere each part is inserted when given."""

    def __init__(self, s: Session) -> None:
        self._s = s
        self._pg = dialect_of(s) == "postgresql"
        self._pipeline: AbstractContextManager[Any] | None = None
        self._cursors: list[Any] = []
        self._inserts: list[Any] = []
        self._inserted: set[str] = set()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._leave(kind, exc, tb)
        finally:
            for cursor in self._cursors:
                cursor.close()

    def send(self, events: Sequence[Row], identifiers: Sequence[Row]) -> None:
        """Insert these events (rows of `epcis_events`) not stored yet, and the identifier
        rows (each naming its event as `event_id`) of those that go in."""
        if not events:
            return
        if not self._pg:
            self._inserted |= _insert(self._s, events, identifiers)
            return
        sql = _sql(tuple(events[0]), tuple(identifiers[0]) if identifiers else ())
        params = {"events": events, "ids": identifiers}
        self._inserts.append(self._send(sql, {k: _json(v) for k, v in params.items() if v}))

    def ask(self, query: Executable, params: Mapping[str, Any]) -> Callable[[], Sequence[Any]]:
        """Send a read with what is sent; the function returned gives its rows once the
        writer has paused or finished (on PostgreSQL the read then cost no round trip of
        its own; elsewhere it runs at once)."""
        if not self._pg:
            rows = self._s.connection().execute(query, params).all()
            return lambda: rows
        sql, defaults = pg_text(query)
        cursor = self._send(sql, {**defaults, **params})
        return lambda: list(cursor.fetchall())

    def _send(self, sql: str, params: Mapping[str, Any]) -> Any:
        driver = driver_of(self._s)
        if self._pipeline is None:
            self._pipeline = driver.pipeline()
            self._pipeline.__enter__()
        cursor = driver.cursor()
        self._cursors.append(cursor)
        cursor.execute(sql, params)
        return cursor

    def pause(self) -> None:
        """Wait for what was sent, so the session can be used."""
        self._leave(None, None, None)

    def finish(self) -> set[str]:
        """The ids of the events inserted now."""
        self.pause()
        for cursor in self._inserts:
            self._inserted.update(row[0] for row in cursor.fetchall())
        self._inserts = []
        return self._inserted

    def _leave(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.__exit__(kind, exc, tb)


def _json(rows: Sequence[Row]) -> str:
    """Rows as the JSON `jsonb_to_recordset` reads: by orjson, which writes this shape (str,
    int, float, datetime, nested events) several times faster; anything it cannot write
    (an integer past 64 bits) by the engine's own encoder."""
    try:
        return orjson.dumps(rows).decode()
    except TypeError:
        return to_json_text(rows)


@lru_cache(maxsize=16)
def _sql(names: tuple[str, ...], id_names: tuple[str, ...]) -> str:
    """`_statement` as PostgreSQL text with named parameters, for the driver itself."""
    return pg_text(_statement(names, id_names))[0]
