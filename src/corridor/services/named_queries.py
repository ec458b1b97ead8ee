"""EPCIS named queries (the REST binding's `/queries`): an organisation saves a simple event
query under a name, runs it page by page, and follows it as events arrive (a stream
subscription). A query is checked when it is saved, as the events query would check it,
and answers only what its owner may see when it runs."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, insert, select

from corridor.exceptions import Conflict, InvalidInput, NotFound, QueryParameterInvalid
from corridor.model import Organisation
from corridor.services import event_query
from corridor.services.context import Context
from corridor.services.event_query import EventPage, EventQuery
from corridor.store.tables import NamedQueryRow
from corridor.tracking import query

__all__ = ["NamedQuery", "create", "delete_query", "get", "names", "run", "since"]

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# What belongs to a run of the query, not to the query.
_PAGING = frozenset({"perPage", "nextPageToken"})


class NamedQuery(BaseModel):
    """A saved query: its name and its parameters, as the binding writes them."""

    name: str
    query: dict[str, list[str]]
    createdAt: datetime


def _parameters(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The binding's JSON query (`{"EQ_bizStep": ["departing"], "GE_eventTime": "…"}`) as
    parameters; a value is a string, a number, a boolean or a list of them."""
    out: list[tuple[str, str]] = []
    for name, value in body.items():
        if name in _PAGING:
            raise QueryParameterInvalid(f"{name} belongs to a run of the query, not to the query")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, bool):
                out.append((name, "true" if item else "false"))
            elif isinstance(item, str | int | float):
                out.append((name, "" if name.startswith("EXISTS_") else str(item)))
            else:
                raise QueryParameterInvalid(
                    f"{name} takes strings, numbers or true/false, not {type(item).__name__}"
                )
    return out


def create(ctx: Context, who: Organisation, name: str, body: Any, now: datetime) -> NamedQuery:
    """Save a query under a name of the caller's; its parameters are checked now."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"a query's name is 1 to 64 letters, digits, '.', '_' or '-', not {name!r}"
        )
    if not isinstance(body, dict):
        raise InvalidInput("a query is a JSON object of the events query's parameters")
    parameters = _parameters(body)
    query.parse(parameters)
    with ctx.db.transaction() as s:
        taken = s.execute(
            select(NamedQueryRow.name).where(
                NamedQueryRow.owner == who.id, NamedQueryRow.name == name
            )
        ).first()
        if taken:
            raise Conflict(f"you have a query named {name!r}; delete it first or use another name")
        s.execute(
            insert(NamedQueryRow).values(
                owner=who.id, name=name, parameters=[list(p) for p in parameters], created_at=now
            )
        )
    return _shown(name, parameters, now)


def _shown(name: str, parameters: list[tuple[str, str]], created: datetime) -> NamedQuery:
    grouped: dict[str, list[str]] = {}
    for key, value in parameters:
        grouped.setdefault(key, []).append(value)
    return NamedQuery(name=name, query=grouped, createdAt=created)


def _row(ctx: Context, who: Organisation, name: str) -> tuple[list[tuple[str, str]], datetime]:
    with ctx.db.reading() as conn:
        row = conn.execute(
            select(NamedQueryRow.parameters, NamedQueryRow.created_at).where(
                NamedQueryRow.owner == who.id, NamedQueryRow.name == name
            )
        ).first()
    if row is None:
        raise NotFound(f"no query {name!r} of yours")
    return [(k, v) for k, v in row[0]], row[1]


def get(ctx: Context, who: Organisation, name: str) -> NamedQuery:
    """One of the caller's queries."""
    parameters, created = _row(ctx, who, name)
    return _shown(name, parameters, created)


def names(ctx: Context, who: Organisation) -> list[str]:
    """The caller's queries, by name."""
    with ctx.db.reading() as conn:
        found = conn.execute(
            select(NamedQueryRow.name)
            .where(NamedQueryRow.owner == who.id)
            .order_by(NamedQueryRow.name)
        )
        return [r[0] for r in found]


def delete_query(ctx: Context, who: Organisation, name: str) -> None:
    """Delete one of the caller's queries."""
    mine = (NamedQueryRow.owner == who.id, NamedQueryRow.name == name)
    with ctx.db.transaction() as s:
        if s.execute(select(NamedQueryRow.name).where(*mine)).first() is None:
            raise NotFound(f"no query {name!r} of yours")
        s.execute(delete(NamedQueryRow).where(*mine))


def run(
    ctx: Context, who: Organisation, name: str, per_page: int = 30, token: str | None = None
) -> EventPage:
    """A page of the query's events that the caller may see now."""
    saved, _ = _row(ctx, who, name)
    return event_query.events(
        ctx, who, EventQuery(perPage=per_page, nextPageToken=token, more=saved)
    )


def since(
    ctx: Context, who: Organisation, name: str, after: datetime, seen: set[str]
) -> list[dict[str, Any]]:
    """The query's events recorded at or after `after` that are not in `seen` (what a
    stream subscription sends next), oldest record first. The query is read once."""
    saved, _ = _row(ctx, who, name)
    more = [*saved, ("GE_recordTime", after.isoformat()), ("orderBy", "recordTime")]
    found: list[dict[str, Any]] = []
    token = None
    while True:
        page = event_query.events(
            ctx, who, EventQuery(perPage=event_query.MAX_PAGE, nextPageToken=token, more=more)
        )
        found += [e for e in page.events if e["eventID"] not in seen]
        token = page.next_page_token
        if token is None:
            return found
