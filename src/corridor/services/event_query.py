"""The EPCIS 2.0 events query: events matching the standard parameters, limited to what the
caller may see (its shipments' events, and an authority's territory), a page at a time; and
a shipment's custody events in a person's words, for the pages."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select

from corridor.exceptions import InvalidInput, NotFound, QueryParameterInvalid, QueryTooLarge
from corridor.model import Organisation
from corridor.services import access
from corridor.services.context import Context
from corridor.store.tables import EpcisEpcRow, EpcisEventRow, ShipmentPartyRow
from corridor.tracking import epcis, query

MAX_PAGE = 1000


class EventQuery(BaseModel):
    """An EPCIS 2.0 simple event query: the parameters callers inside the repository name
    (each list matches any of its values), and `more`, any other parameter of the query
    language as the binding writes it (`EQ_bizTransaction_po`, `GE_value_CEL`, …), read by
    `corridor.tracking.query`. `namespaces` are the prefixes the client declares for user
    extension fields (the binding's `GS1-Extensions` header)."""

    eventType: list[str] = Field(default_factory=list)
    MATCH_epc: list[str] = Field(default_factory=list)
    MATCH_parentID: list[str] = Field(default_factory=list)
    MATCH_anyEPC: list[str] = Field(default_factory=list)
    GE_eventTime: datetime | None = None
    LT_eventTime: datetime | None = None
    EQ_action: list[str] = Field(default_factory=list)
    EQ_bizStep: list[str] = Field(default_factory=list)
    EQ_disposition: list[str] = Field(default_factory=list)
    EQ_readPoint: list[str] = Field(default_factory=list)
    EQ_bizLocation: list[str] = Field(default_factory=list)
    EQ_eventID: list[str] = Field(default_factory=list)
    EXISTS_errorDeclaration: bool = False
    shipment: str | None = None
    perPage: int = Field(default=30, ge=1, le=MAX_PAGE)
    nextPageToken: str | None = None
    more: list[tuple[str, str]] = Field(default_factory=list)
    namespaces: dict[str, str] = Field(default_factory=dict)

    def parameters(self) -> list[tuple[str, str]]:
        """Every parameter as the binding names it, with its values."""
        out: list[tuple[str, str]] = []
        for name in _LISTS:
            out += [(name, v) for v in getattr(self, name)]
        # A corridor node may be named by its id alone (in a list, each one).
        out = [(n, _node_uris(v) if n in _PLACES else v) for n, v in [*out, *self.more]]
        for name in ("GE_eventTime", "LT_eventTime"):
            moment = getattr(self, name)
            if moment is not None:
                if moment.tzinfo is None:
                    raise QueryParameterInvalid(
                        f"{name} needs a time zone, e.g. 2026-12-01T00:00:00Z"
                    )
                out.append((name, moment.isoformat()))
        if self.EXISTS_errorDeclaration:
            out.append(("EXISTS_errorDeclaration", ""))
        return out


_LISTS = ("eventType", "MATCH_epc", "MATCH_parentID", "MATCH_anyEPC", "EQ_action", "EQ_bizStep",
          "EQ_disposition", "EQ_readPoint", "EQ_bizLocation", "EQ_eventID")  # fmt: skip
_PLACES = frozenset({"EQ_readPoint", "WD_readPoint", "EQ_bizLocation", "WD_bizLocation"})


def _node_uris(value: str) -> str:
    return "|".join(v if ":" in v or not v else epcis.NODE + v for v in value.split("|"))


EVENT_TYPES = query.EVENT_TYPES


class EventPage(BaseModel):
    """One page of events in the query's order, and the token of the next page."""

    events: list[dict[str, Any]]
    next_page_token: str | None


def query_document(page: EventPage, now: datetime) -> dict[str, Any]:
    """A page of events as an EPCIS 2.0 query document."""
    return {
        "@context": [epcis.CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": epcis.stamp(now),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": page.events},
            }
        },
    }


def _visible(who: Organisation) -> ColumnElement[bool]:
    """Which events the caller may see: its shipments' events, and an authority's
    territory."""
    party = exists().where(
        ShipmentPartyRow.shipment_id == EpcisEventRow.shipment_id,
        ShipmentPartyRow.organisation_id == who.id,
    )
    country = access.territory_of(who)
    territory = EpcisEventRow.country == country if country is not None else false()
    return or_(party, territory)


def _token(at: datetime, digest: str, returned: int) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{digest}|{returned}".encode()).decode()


def _after(token: str) -> tuple[datetime, str, int]:
    """The position a page token names, and how many events the pages before it gave;
    anything this repository could not have given (a time without its zone, an id that is
    not one) is refused as the caller's error."""
    try:
        text, digest, returned = base64.urlsafe_b64decode(token.encode()).decode("ascii").split("|")
        at = datetime.fromisoformat(text)
        count = int(returned)
    except (ValueError, UnicodeDecodeError):
        at, digest, count = None, "", -1
    if (
        at is None
        or at.tzinfo is None
        or count < 0
        or not (0 < len(digest) <= 64 and digest.isprintable())
    ):
        raise InvalidInput("nextPageToken is not one this repository gave; start again without it")
    return at, digest, count


# The most candidates read from the store at a time while conditions the store cannot
# test are tested here (the reads start at a page and double).
_BATCH = 1000


def _candidates(
    who: Organisation, q: EventQuery, parsed: query.Parsed
) -> tuple[Select[Any], Any, Any]:
    """The store's query for candidate events (visible to the caller, narrowed by what the
    store can test exactly), its order column and its id column."""
    ev = EpcisEventRow
    if parsed.instances:
        key = EpcisEpcRow
        stmt: Select[Any] = (
            select(ev.event, ev.error_declaration, ev.recorded_at, key.event_time, ev.id)
            .join(ev, ev.id == key.event_id)
            .where(key.epc.in_(parsed.instances))
        )
        time_col, id_col = key.event_time, key.event_id
    else:
        stmt = select(ev.event, ev.error_declaration, ev.recorded_at, ev.event_time, ev.id)
        time_col, id_col = ev.event_time, ev.id
    stmt = stmt.where(_visible(who))
    if q.shipment:
        stmt = stmt.where(ev.shipment_id == q.shipment)
    if parsed.ge_time:
        stmt = stmt.where(time_col >= parsed.ge_time)
    if parsed.lt_time:
        stmt = stmt.where(time_col < parsed.lt_time)
    steps = [epcis.bare_step(s) for s in q.EQ_bizStep]
    if steps:
        stmt = stmt.where(ev.biz_step.in_(steps))
    if parsed.event_types:
        stmt = stmt.where(ev.event["type"].as_string().in_(parsed.event_types))
    if parsed.event_ids:
        stmt = stmt.where(ev.event["eventID"].as_string().in_(parsed.event_ids))
    if q.EXISTS_errorDeclaration:
        stmt = stmt.where(ev.error_declaration["declarationTime"].as_string().is_not(None))
    order_col = ev.recorded_at if parsed.order_by == "recordTime" else time_col
    return stmt, order_col, id_col


def events(ctx: Context, who: Organisation, q: EventQuery) -> EventPage:
    """Events matching the query that the caller may see, in the query's order (event time,
    oldest first, unless `orderBy`/`orderDirection` say otherwise), a page at a time."""
    parsed = query.parse(q.parameters(), q.namespaces)
    stmt, order_col, id_col = _candidates(who, q, parsed)
    returned = 0
    position = None
    if q.nextPageToken:
        at, digest, returned = _after(q.nextPageToken)
        position = (at, digest)
    elif parsed.max_count is not None:
        found = _matching(ctx, stmt, order_col, id_col, parsed, None, parsed.max_count + 1)
        if len(found) > parsed.max_count:
            raise QueryTooLarge(
                f"more than maxEventCount={parsed.max_count} events match; narrow the query "
                "or page through it with perPage"
            )
    size = q.perPage
    if parsed.count_limit is not None:
        size = min(size, parsed.count_limit - returned)
        if size <= 0:
            return EventPage(events=[], next_page_token=None)
    found = _matching(ctx, stmt, order_col, id_col, parsed, position, size + 1)
    page = found[:size]
    more = len(found) > size and (
        parsed.count_limit is None or returned + size < parsed.count_limit
    )
    token = None
    if more and page:
        at, digest, _ = page[-1]
        token = _token(at, digest, returned + len(page))
    return EventPage(events=[e for _, _, e in page], next_page_token=token)


def _matching(
    ctx: Context,
    stmt: Select[Any],
    order_col: Any,
    id_col: Any,
    parsed: query.Parsed,
    position: tuple[datetime, str] | None,
    wanted: int,
) -> list[tuple[datetime, str, dict[str, Any]]]:
    """Up to `wanted` matching events after `position`, each with its place in the order,
    reading candidates from the store a batch at a time."""
    if parsed.descending:
        ordered = stmt.order_by(order_col.desc(), id_col.desc())
    else:
        ordered = stmt.order_by(order_col, id_col)
    out: list[tuple[datetime, str, dict[str, Any]]] = []
    seen: set[str] = set()
    batch = wanted  # most candidates match: the first read asks for the page alone
    with ctx.db.reading() as conn:
        while len(out) < wanted:
            page_stmt = ordered
            if position is not None:
                at, digest = position
                if parsed.descending:
                    after = or_(order_col < at, and_(order_col == at, id_col < digest))
                else:
                    after = or_(order_col > at, and_(order_col == at, id_col > digest))
                page_stmt = ordered.where(after)
            rows = conn.execute(page_stmt.limit(batch)).all()
            for event, declaration, recorded, at_time, digest in rows:
                moment = recorded if parsed.order_by == "recordTime" else at_time
                position = (moment, digest)
                if digest in seen:
                    continue
                seen.add(digest)
                extra = {"errorDeclaration": declaration} if declaration else {}
                full = {**event, "recordTime": epcis.stamp(recorded), **extra}
                if parsed(full):
                    out.append((moment, digest, full))
                    if len(out) >= wanted:
                        break
            if len(rows) < batch:
                break
            batch = min(batch * 2, _BATCH)
    return out


def one(ctx: Context, who: Organisation, event_id: str) -> dict[str, Any]:
    """One event the caller may see, by its eventID, as an EPCIS document of its own."""
    page = events(ctx, who, EventQuery(EQ_eventID=[event_id], perPage=1))
    if not page.events:
        raise NotFound(f"no event {event_id!r} that you may see")
    return epcis.single(page.events[0])


def event_types() -> dict[str, Any]:
    """The event types this repository answers queries for, as the binding lists them."""
    return collection(sorted(EVENT_TYPES))


def collection(members: list[str]) -> dict[str, Any]:
    """A list of resources as the binding writes one."""
    return {"@context": [epcis.CONTEXT], "type": "Collection", "member": members}


# The binding's top-level resources whose members are values events hold, and the query
# parameter that selects a member's events.
RESOURCES: dict[str, str] = {
    "eventTypes": "eventType",
    "epcs": "MATCH_anyEPC",
    "bizSteps": "EQ_bizStep",
    "bizLocations": "EQ_bizLocation",
    "readPoints": "EQ_readPoint",
    "dispositions": "EQ_disposition",
}


def members(
    ctx: Context, who: Organisation, resource: str, per_page: int, token: str | None
) -> tuple[list[str], str | None]:
    """The values of a top-level resource among the events the caller may see (the
    identifiers its events name, in each form they are filed under; their business steps,
    locations, read points, dispositions), in order, a page at a time."""
    ev = EpcisEventRow
    column: Any
    if resource == "epcs":
        column = EpcisEpcRow.epc
        stmt = select(column).join(ev, ev.id == EpcisEpcRow.event_id)
    else:
        column = {
            "bizSteps": ev.event["bizStep"].as_string(),
            "bizLocations": ev.event[("bizLocation", "id")].as_string(),
            "readPoints": ev.event[("readPoint", "id")].as_string(),
            "dispositions": ev.event["disposition"].as_string(),
        }[resource]
        stmt = select(column)
    stmt = stmt.where(_visible(who), column.is_not(None)).distinct()
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise InvalidInput(
                "nextPageToken is not one this repository gave; start again without it"
            ) from None
        stmt = stmt.where(column > after)
    with ctx.db.reading() as conn:
        found = [r[0] for r in conn.execute(stmt.order_by(column).limit(per_page + 1))]
    more = found[per_page - 1] if len(found) > per_page else None
    following = base64.urlsafe_b64encode(more.encode()).decode() if more else None
    return found[:per_page], following


@dataclass(frozen=True)
class Custody:
    """One custody event in a person's words: what happened to which containers, where,
    when, on what vehicle, with what readings; and whether it was later declared wrong."""

    at: datetime
    step: str
    node: str | None
    containers: list[str]
    vehicle: str | None
    readings: list[str]
    declared_wrong: bool


def custody(ctx: Context, who: Organisation, shipment_id: str, limit: int = 1000) -> list[Custody]:
    """A shipment's custody events the caller may see, oldest first (at most `limit`)."""
    found: list[Custody] = []
    token = None
    while len(found) < limit:
        page = events(
            ctx, who, EventQuery(shipment=shipment_id, perPage=MAX_PAGE, nextPageToken=token)
        )
        found += [_in_words(e) for e in page.events]
        token = page.next_page_token
        if token is None:
            break
    return found[:limit]


def _in_words(event: dict[str, Any]) -> Custody:
    step = epcis.step_of(event)
    ids = [*event.get("epcList", []), *event.get("childEPCs", [])]
    parent = event.get("parentID")
    boxes = [i.removeprefix(epcis.BIC) for i in [*ids, parent or ""] if i.startswith(epcis.BIC)]
    vehicle = parent if parent and not parent.startswith(epcis.BIC) else None
    readings = [
        f"{r['type']} {r['value']} {r['uom']}"
        for element in event.get("sensorElementList", [])
        for r in element.get("sensorReport", [])
    ]
    return Custody(
        at=datetime.fromisoformat(event["eventTime"]),
        step=step.value if step else epcis.bare_step(event.get("bizStep", "")),
        node=epcis.location_of(event),
        containers=boxes,
        vehicle=vehicle,
        readings=readings,
        declared_wrong="errorDeclaration" in event,
    )
