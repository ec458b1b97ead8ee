"""A shipment's timeline: what happened to it, in time order and in words.

Two sources make it. Steps recorded on the shipment itself (submitted, documents attached,
steps recorded by hand) are rows of their own. Movements (departures, arrivals, border
crossings, customs holds and releases) are its custody events: each captured EPCIS event
carries the timeline kind of its step, and the timeline reads it from there, so a movement
is stored once. The ETA and the emissions statement read the movements the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, literal, select, union_all
from sqlalchemy.orm import Session

from corridor import ledger as ledger_mod
from corridor.model import Organisation
from corridor.network import Network
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.services.shipments import Event
from corridor.store.tables import EpcisEventRow, EventRow
from corridor.tracking.epcis import Step

__all__ = [
    "KIND_OF",
    "MOVES",
    "Summaries",
    "moves",
    "read",
    "recent_moves",
    "record",
    "status_after",
]

# The timeline kind of each step that moves a shipment (and its status).
KIND_OF = {
    Step.DEPARTING: "departed",
    Step.ARRIVING: "arrived",
    Step.BORDER_CROSSING: "border_crossed",
    Step.CUSTOMS_HOLD: "customs_hold",
    Step.CUSTOMS_RELEASE: "customs_released",
}
MOVES = ("departed", "arrived", "border_crossed")


def status_after(status: str, destination: str, kind: str, place: str | None) -> str:
    """A shipment's status after an event: in transit once it leaves, arrived at its
    destination."""
    if kind == "arrived" and place == destination:
        return "arrived"
    if kind in ("departed", "border_crossed", "arrived") and status == "submitted":
        return "in_transit"
    return status


class Summaries:
    """A timeline line for a movement, in the words the timeline has always used."""

    def __init__(self, network: Network, route: Sequence[str] | None) -> None:
        self.nodes = network.nodes
        self.route: list[str] = list(route or [])

    def country(self, node: str | None) -> str | None:
        return self.nodes[node].country if node in self.nodes else None

    def __call__(self, kind: str, node: str | None) -> str:
        name = self.nodes[node].name if node in self.nodes else node
        if kind == "border_crossed":
            i = self.route.index(node) if node in self.route else 0
            before = self.country(self.route[i - 1]) if i else "?"
            return f"Crossed the border {before} -> {self.country(node)}"
        return {
            "departed": f"Departed {name}",
            "arrived": f"Arrived at {name}",
            "customs_hold": f"Held by customs at {name}",
        }.get(kind, f"Released by customs at {name}")


def _both(shipment_id: str | None, kinds: Collection[str] | None) -> Any:
    """Timeline rows and movement events as one selectable of (at, kind, place, actor_id,
    summary, shipment_id, source, tiebreak, subject), limited to a shipment and to kinds when
    given."""
    rows = select(
        EventRow.at.label("at"),
        EventRow.kind.label("kind"),
        EventRow.place.label("place"),
        EventRow.actor_id.label("actor_id"),
        EventRow.summary.label("summary"),
        EventRow.shipment_id.label("shipment_id"),
        literal(0).label("source"),
        EventRow.id.label("n"),
        EventRow.subject.label("subject"),
    )
    events = select(
        EpcisEventRow.event_time,
        EpcisEventRow.kind,
        EpcisEventRow.location,
        EpcisEventRow.recorded_by,
        literal(None),
        EpcisEventRow.shipment_id,
        literal(1),
        literal(0),
        literal(None),
    ).where(EpcisEventRow.kind.is_not(None))
    if shipment_id is not None:
        rows = rows.where(EventRow.shipment_id == shipment_id)
        events = events.where(EpcisEventRow.shipment_id == shipment_id)
    if kinds is not None:
        rows = rows.where(EventRow.kind.in_(kinds))
        events = events.where(EpcisEventRow.kind.in_(kinds))
    return union_all(rows, events).subquery()


def moves(
    conn: Connection | Session, shipment_id: str, kinds: Collection[str] = MOVES
) -> Sequence[Row[str, str | None, datetime]]:
    """A shipment's movements of these kinds in time order, as (kind, place, at)."""
    both = _both(shipment_id, kinds)
    return conn.execute(
        select(both.c.kind, both.c.place, both.c.at).order_by(both.c.at, both.c.source, both.c.n)
    ).all()


def arrived_at(conn: Connection | Session, shipment_id: str, place: str | None) -> datetime | None:
    """When the shipment's custody events (or steps recorded by hand) last put it arriving
    at `place`, or None."""
    found = [at for _, where, at in moves(conn, shipment_id, ("arrived",)) if where == place]
    return max(found) if place is not None and found else None


def last_arrival(ctx: Context, who: Organisation, shipment_id: str, place: str) -> datetime | None:
    """`arrived_at`, for a party to the shipment."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        return arrived_at(s, shipment_id, place)


def recent_moves(
    conn: Connection, countries: Collection[str], limit: int
) -> list[Row[str, str | None, str | None, datetime]]:
    """The latest movements of any shipment, as (shipment_id, kind, place, at): steps
    recorded by hand, newest first, and for each country the latest events there, each
    read from an index (no scan of all events), newest first overall."""
    rows = (
        select(EventRow.shipment_id, EventRow.kind, EventRow.place, EventRow.at)
        .where(EventRow.kind.in_(MOVES), EventRow.place.is_not(None))
        .order_by(EventRow.id.desc())
        .limit(limit)
    )
    found: list[Row[str, str | None, str | None, datetime]] = list(conn.execute(rows).all())
    for country in sorted(countries):
        found += conn.execute(
            select(
                EpcisEventRow.shipment_id,
                EpcisEventRow.kind,
                EpcisEventRow.location.label("place"),
                EpcisEventRow.event_time.label("at"),
            )
            .where(EpcisEventRow.country == country, EpcisEventRow.kind.in_(MOVES))
            .order_by(EpcisEventRow.event_time.desc(), EpcisEventRow.id.desc())
            .limit(limit)
        ).all()
    return sorted(found, key=lambda r: r[3], reverse=True)[:limit]


def read(ctx: Context, who: Organisation, shipment_id: str) -> list[Event]:
    """The shipment's timeline in time order, for a party to it."""
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        say = Summaries(ctx.network, (row.route or {}).get("nodes"))
        both = _both(shipment_id, None)
        found = s.execute(select(both).order_by(both.c.at, both.c.source, both.c.n)).all()
    return [
        Event(
            at=r.at,
            kind=r.kind,
            actor_id=r.actor_id,
            place=r.place,
            summary=r.summary if r.summary is not None else say(r.kind, r.place),
            subject=r.subject,
        )
        for r in found
    ]


def record(
    ctx: Context,
    who: Organisation,
    shipment_id: str,
    kind: str,
    at: datetime,
    summary: str,
    place: str | None = None,
    now: datetime | None = None,
) -> Event:
    """Add a step that happened at `at` to the timeline of a shipment the caller is party to,
    with its ledger entry recorded at `now` (default `at`): the ledger runs in the order
    things were recorded, whatever time the step itself names."""
    recorded = now or at
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        signer = ctx.keys.ensure(s, who.id, recorded)
        body = {"place": place, "at": int(at.timestamp())}
        ledger_mod.append(s, signer, who.id, shipment_id, kind, body, recorded)
        row.status = status_after(row.status, row.destination, kind, place)
        s.add(
            EventRow(
                shipment_id=shipment_id,
                at=at,
                kind=kind,
                actor_id=who.id,
                place=place,
                summary=summary,
            )
        )
    return Event(at=at, kind=kind, actor_id=who.id, place=place, summary=summary)
