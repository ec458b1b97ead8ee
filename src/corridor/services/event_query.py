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
from sqlalchemy.orm import aliased

from corridor.exceptions import InvalidInput, NotFound, QueryParameterInvalid
from corridor.model import Organisation
from corridor.services import access
from corridor.services.context import Context
from corridor.store.tables import EpcisEpcRow, EpcisEventRow, ShipmentPartyRow
from corridor.tracking import epcis

MAX_PAGE = 1000


class EventQuery(BaseModel):
    """The EPCIS 2.0 simple event query parameters this repository answers (the binding's
    names; each list matches any of its values)."""

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


# The query's parameter names, as the binding spells them: any other is refused.
PARAMETERS = frozenset(EventQuery.model_fields)
EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
ACTIONS = frozenset({"ADD", "OBSERVE", "DELETE"})


class EventPage(BaseModel):
    """One page of events in event-time order, and the token of the next page."""

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


def _token(at: datetime, digest: str) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{digest}".encode()).decode()


def _after(token: str) -> tuple[datetime, str]:
    """The position a page token names; anything this repository could not have given (a
    time without its zone, an id that is not one) is refused as the caller's error."""
    try:
        text, digest = base64.urlsafe_b64decode(token.encode()).decode("ascii").split("|")
        at = datetime.fromisoformat(text)
    except (ValueError, UnicodeDecodeError):
        at, digest = None, ""
    if at is None or at.tzinfo is None or not (0 < len(digest) <= 64 and digest.isprintable()):
        raise InvalidInput("nextPageToken is not one this repository gave; start again without it")
    return at, digest


def _places(values: list[str]) -> list[str]:
    """A place as given and as the corridor's node URN, so either form finds it."""
    return sorted(
        {v for value in values for v in (value, epcis.NODE + value.removeprefix(epcis.NODE))}
    )


def _dispositions(values: list[str]) -> list[str]:
    """A CBV disposition bare and as its URI, so either form finds it."""
    full = "https://ref.gs1.org/cbv/Disp-"
    bare = [value.removeprefix(full) for value in values]
    return sorted({*bare, *(full + b for b in bare)})


def _refuse_unknown(q: EventQuery) -> None:
    wrong = [t for t in q.eventType if t not in EVENT_TYPES]
    if wrong:
        raise QueryParameterInvalid(
            f"eventType {', '.join(wrong)} is not an EPCIS event type; use "
            f"{', '.join(sorted(EVENT_TYPES))}"
        )
    wrong = [a for a in q.EQ_action if a not in ACTIONS]
    if wrong:
        raise QueryParameterInvalid(f"EQ_action {', '.join(wrong)} is not ADD, OBSERVE or DELETE")


def events(ctx: Context, who: Organisation, q: EventQuery) -> EventPage:
    """Events matching the query that the caller may see, in event-time order."""
    _refuse_unknown(q)
    steps = [epcis.bare_step(s) for s in q.EQ_bizStep]
    ev = EpcisEventRow
    by_epc = q.MATCH_epc or q.MATCH_anyEPC
    if by_epc:
        key = EpcisEpcRow
        stmt: Select[Any] = (
            select(ev.event, ev.error_declaration, ev.recorded_at, key.event_time, ev.id)
            .join(ev, ev.id == key.event_id)
            .where(key.epc.in_(by_epc))
        )
        if q.MATCH_epc:
            # An event's epcList and childEPCs, not its parent (MATCH_parentID, MATCH_anyEPC).
            parent = ev.event["parentID"].as_string()
            stmt = stmt.where(or_(parent.is_(None), parent != key.epc))
            if q.MATCH_anyEPC:
                other = aliased(EpcisEpcRow)
                stmt = stmt.where(
                    exists().where(other.event_id == ev.id, other.epc.in_(q.MATCH_anyEPC))
                )
        time_col, id_col = key.event_time, key.event_id
    else:
        stmt = select(ev.event, ev.error_declaration, ev.recorded_at, ev.event_time, ev.id)
        time_col, id_col = ev.event_time, ev.id
    stmt = stmt.where(_visible(who))
    if q.shipment:
        stmt = stmt.where(ev.shipment_id == q.shipment)
    if q.GE_eventTime:
        stmt = stmt.where(time_col >= q.GE_eventTime)
    if q.LT_eventTime:
        stmt = stmt.where(time_col < q.LT_eventTime)
    if steps:
        stmt = stmt.where(ev.biz_step.in_(steps))
    fields = (
        (("type",), q.eventType),
        (("action",), q.EQ_action),
        (("disposition",), _dispositions(q.EQ_disposition)),
        (("readPoint", "id"), _places(q.EQ_readPoint)),
        (("bizLocation", "id"), _places(q.EQ_bizLocation)),
        (("parentID",), q.MATCH_parentID),
        (("eventID",), q.EQ_eventID),
    )
    for path, wanted in fields:
        if wanted:
            stmt = stmt.where(ev.event[path].as_string().in_(wanted))
    if q.EXISTS_errorDeclaration:
        stmt = stmt.where(ev.error_declaration["declarationTime"].as_string().is_not(None))
    if q.nextPageToken:
        at, digest = _after(q.nextPageToken)
        stmt = stmt.where(or_(time_col > at, and_(time_col == at, id_col > digest)))
    stmt = stmt.order_by(time_col, id_col).limit(q.perPage + 1)
    with ctx.db.reading() as conn:
        rows = conn.execute(stmt).all()
    seen: set[str] = set()
    out = []
    for event, declaration, recorded, _, digest in rows[: q.perPage]:
        if digest in seen:
            continue
        seen.add(digest)
        extra = {"errorDeclaration": declaration} if declaration else {}
        out.append({**event, "recordTime": epcis.stamp(recorded), **extra})
    more = len(rows) > q.perPage
    last = rows[q.perPage - 1] if more else None
    return EventPage(events=out, next_page_token=_token(last[3], last[4]) if last else None)


def one(ctx: Context, who: Organisation, event_id: str) -> dict[str, Any]:
    """One event the caller may see, by its eventID, as an EPCIS document of its own."""
    page = events(ctx, who, EventQuery(EQ_eventID=[event_id], perPage=1))
    if not page.events:
        raise NotFound(f"no event {event_id!r} that you may see")
    return {"@context": [epcis.CONTEXT], **page.events[0]}


def event_types() -> dict[str, Any]:
    """The event types this repository answers queries for, as the binding lists them."""
    return {"@context": [epcis.CONTEXT], "type": "Collection", "member": sorted(EVENT_TYPES)}


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
