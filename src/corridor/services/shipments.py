"""Shipments: submission, access by party and the stored view (readiness is
`corridor.services.readiness`, the timeline `corridor.services.timeline`).

Access rule: an organisation sees a shipment only if it is a party to it. To anyone else
the shipment does not exist (NotFound), so its id leaks nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import Connection, Table, bindparam, exists, func, insert, select
from sqlalchemy.orm import Session

from corridor import ledger as ledger_mod
from corridor.exceptions import Conflict, FieldError, InvalidInput, NotFound, UnknownNode
from corridor.memo import Memo
from corridor.messages import field_error, refused
from corridor.model import Organisation, ShipmentDraft
from corridor.network import Network, Route
from corridor.rules import ReadinessReport
from corridor.services import access
from corridor.services.context import Context
from corridor.store.db import batched, insert_unless_exists
from corridor.store.tables import EventRow, OrganisationRow, ShipmentPartyRow, ShipmentRow

# The tables themselves, for plain Core inserts.
_SHIPMENTS = cast(Table, ShipmentRow.__table__)
_PARTY_ROWS = cast(Table, ShipmentPartyRow.__table__)
_EVENTS = cast(Table, EventRow.__table__)
# Statements on the submission path, built once.
_INSERT_PARTY = insert(_PARTY_ROWS)
_INSERT_EVENT = insert(_EVENTS).inline()
_ROLES_OF = select(OrganisationRow.id, OrganisationRow.role, OrganisationRow.works_at).where(
    OrganisationRow.id.in_(bindparam("ids", expanding=True))
)


class PartyRole(StrEnum):
    """The capacity in which an organisation takes part in a shipment."""

    SUBMITTER = "submitter"
    CONSIGNOR = "consignor"
    CONSIGNEE = "consignee"
    FORWARDER = "forwarder"
    CARRIER = "carrier"


class ShipmentParty(BaseModel):
    """An organisation's part in a shipment."""

    organisation_id: str
    role: PartyRole


class Shipment(BaseModel):
    """A stored shipment as its parties see it."""

    id: str
    reference: str
    status: str
    submitted_by: str
    created_at: datetime
    parties: list[ShipmentParty]
    draft: ShipmentDraft
    route: Route
    readiness: ReadinessReport | None = None


class Event(BaseModel):
    """One step in a shipment's timeline."""

    at: datetime
    kind: str
    actor_id: str
    place: str | None
    summary: str
    # What the step is about (a document's kind), for a page to word it.
    subject: str | None = None


def _check_parties(
    s: Session | Connection, draft: ShipmentDraft, known: Memo[str, tuple[str, str]]
) -> dict[str, tuple[str, ...]]:
    """Every party is registered in a role its slot takes; the nodes each carrier works at."""
    errors: list[FieldError] = []
    slots: list[tuple[str, str, str]] = [
        ("consignor", "consignor", draft.consignor),
        ("consignee", "consignee", draft.consignee),
    ]
    if draft.forwarder:
        slots.append(("forwarder", "forwarder", draft.forwarder))
    slots += [(f"carriers.{i}", "carriers", c) for i, c in enumerate(draft.carriers)]
    # Only each party's role (and a carrier's places) is needed: remembered, or one query
    # for all the others.
    wanted = {org_id for _, _, org_id in slots}
    found = {o: r for o in wanted if (r := known.get(o)) is not None}
    if unread := wanted - found.keys():
        for org_id, read, works in s.execute(_ROLES_OF, {"ids": sorted(unread)}):
            found[org_id] = known.put(org_id, (read, works or ""))
    for field, slot, org_id in slots:
        role = found[org_id][0] if org_id in found else None
        allowed = access.SLOT_ROLES[slot]
        if role is None:
            errors.append(
                FieldError(field, f"no organisation {org_id!r} is registered on this node")
            )
        elif role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            errors.append(FieldError(field, f"{org_id!r} is a {role}; this slot needs a {names}"))
    if errors:
        raise InvalidInput(
            "the shipment names parties that cannot take that part",
            errors,
            hint="list_organisations",
        )
    return {c: tuple(p for p in found[c][1].split(",") if p) for c in draft.carriers}


def _through_carriers(
    network: Network, draft: ShipmentDraft, route: Route, works: dict[str, tuple[str, ...]]
) -> Route:
    """The route, passing a node each chosen port or carrier works at: planned through them
    when the shipper named no node to pass, refused when the shipper's route misses one."""

    def missed(r: Route) -> list[str]:
        return [c for c in draft.carriers if works.get(c) and not set(works[c]) & set(r.nodes)]

    off = missed(route)
    if off and not draft.route.via:
        r = draft.route
        route = network.route(r.origin, r.destination, r.prefer, [works[c][0] for c in off])
        off = missed(route)
    if off:
        names = {n: node.name for n, node in network.nodes.items()}
        places = {c: ", ".join(names.get(n, n) for n in works[c]) for c in off}
        raise refused(
            "carrier_off_route",
            [
                field_error(
                    f"carriers.{draft.carriers.index(c)}", "carrier_off_route", org=c, places=p
                )
                for c, p in places.items()
            ],
            org=off[0],
            places=places[off[0]],
        )
    return route


def _parties(draft: ShipmentDraft, submitter: str) -> list[ShipmentParty]:
    parties = {
        (submitter, PartyRole.SUBMITTER),
        (draft.consignor, PartyRole.CONSIGNOR),
        (draft.consignee, PartyRole.CONSIGNEE),
    }
    if draft.forwarder:
        parties.add((draft.forwarder, PartyRole.FORWARDER))
    parties |= {(c, PartyRole.CARRIER) for c in draft.carriers}
    return [ShipmentParty(organisation_id=o, role=r) for o, r in sorted(parties)]


def plan_route(network: Network, draft: ShipmentDraft) -> Route:
    """The draft's route through the network, with field paths on unknown nodes."""
    named = [("route.origin", draft.route.origin), ("route.destination", draft.route.destination)]
    named += [(f"route.via.{i}", v) for i, v in enumerate(draft.route.via)]
    for field, node_id in named:
        try:
            network.node(node_id)
        except UnknownNode as exc:
            raise UnknownNode(exc.detail, [FieldError(field, exc.detail)]) from None
    r = draft.route
    return network.route(r.origin, r.destination, r.prefer, r.via)


def submit(ctx: Context, who: Organisation, draft: ShipmentDraft, now: datetime) -> Shipment:
    """Validate parties and route, run the readiness check, then store the shipment, its
    report, its first event and its first ledger entry atomically."""
    if who.role not in access.SUBMITTERS:
        raise InvalidInput(
            f"a {who.role.value} cannot submit shipments; the shipper or its forwarder submits"
        )
    if who.id not in (draft.consignor, draft.forwarder):
        raise InvalidInput(
            f"you ({who.id!r}) must be the consignor or forwarder of a shipment you submit",
            [FieldError("consignor", "name yourself as consignor or forwarder")],
        )
    route = plan_route(ctx.network, draft)
    shipment_id = str(uuid.uuid4())
    parties = _parties(draft, who.id)
    report = ctx.engine.check(draft, route, (), draft.departure or now)
    payload = draft.model_dump(mode="json")
    # Plain inserts (no unit of work) and no statement that is not needed: the reference is
    # checked by the unique key itself, and a new shipment's ledger starts at its genesis.
    with ctx.db.transaction() as s:
        # Core statements on the session's connection: no ORM machinery per statement.
        conn = s.connection()
        works = _check_parties(conn, draft, ctx.roles)
        placed = _through_carriers(ctx.network, draft, route, works)
        if placed is not route:
            route = placed
            report = ctx.engine.check(draft, route, (), draft.departure or now)
        added = conn.scalar(
            insert_unless_exists(conn, _SHIPMENTS, _SHIPMENTS.c.id),
            {
                "id": shipment_id,
                "reference": draft.reference,
                "submitted_by": who.id,
                "origin": route.origin,
                "destination": route.destination,
                "status": "submitted",
                "payload": payload,
                "route": route.model_dump(mode="json", by_alias=True),
                "readiness": report.model_dump(mode="json"),
                "ready": report.ready,
                "created_at": now,
            },
        )
        if added is None:
            clash = conn.scalar(
                select(ShipmentRow.id).where(
                    ShipmentRow.submitted_by == who.id, ShipmentRow.reference == draft.reference
                )
            )
            raise Conflict(
                f"you already submitted a shipment with reference "
                f"{draft.reference!r} ({clash}); use a new reference",
                [FieldError("reference", "already used")],
            )
        signer = ctx.keys.ensure(s, who.id, now)
        # Nothing below is read back: one round trip on PostgreSQL.
        with batched(conn):
            conn.execute(
                _INSERT_PARTY,
                [
                    {
                        "shipment_id": shipment_id,
                        "organisation_id": p.organisation_id,
                        "role": p.role.value,
                        "created_at": now,
                    }
                    for p in parties
                ],
            )
            conn.execute(
                _INSERT_EVENT,
                {
                    "shipment_id": shipment_id,
                    "at": now,
                    "kind": "submitted",
                    "actor_id": who.id,
                    "place": route.origin,
                    "summary": f"Submitted by {who.name}: {draft.reference}, "
                    f"{len(draft.goods)} goods item(s), route {route.origin} -> "
                    f"{route.destination}",
                },
            )
            ledger_mod.append(
                conn,
                signer,
                who.id,
                shipment_id,
                "submitted",
                {"reference": draft.reference, "draft": ledger_mod.digest_of(payload)},
                now,
                first=True,
            )
    return Shipment(
        id=shipment_id,
        reference=draft.reference,
        status="submitted",
        submitted_by=who.id,
        created_at=now,
        parties=parties,
        draft=draft,
        route=route,
        readiness=report,
    )


def party_rows(s: Session | Connection, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """The parties of each of these shipments as stored (organisation, role), in one
    query."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if not ids:
        return found
    rows = s.execute(
        select(
            ShipmentPartyRow.shipment_id, ShipmentPartyRow.organisation_id, ShipmentPartyRow.role
        )
        .where(ShipmentPartyRow.shipment_id.in_(ids))
        .order_by(ShipmentPartyRow.organisation_id, ShipmentPartyRow.role)
    )
    for shipment_id, org_id, role in rows:
        found[shipment_id].append((org_id, role))
    return found


# One statement for a party's read of a shipment: the row and its parties (folded into one
# string by the database), found only when the caller is one of them. A missing id and
# someone else's shipment cost the same: one primary-key probe and one party-key probe.
_PARTIES = (
    select(
        func.aggregate_strings(ShipmentPartyRow.organisation_id + " " + ShipmentPartyRow.role, ",")
    )
    .where(ShipmentPartyRow.shipment_id == ShipmentRow.id)
    .correlate(ShipmentRow)
    .scalar_subquery()
)
AS_PARTY = exists().where(
    ShipmentPartyRow.shipment_id == ShipmentRow.id,
    ShipmentPartyRow.organisation_id == bindparam("org"),
)
_STORED = select(
    ShipmentRow.id,
    ShipmentRow.reference,
    ShipmentRow.status,
    ShipmentRow.submitted_by,
    ShipmentRow.created_at,
    _PARTIES.label("parties"),
    ShipmentRow.payload,
    ShipmentRow.route,
    ShipmentRow.readiness,
).where(ShipmentRow.id == bindparam("shipment"), AS_PARTY)


def stored(ctx: Context, who: Organisation, shipment_id: str) -> dict[str, Any]:
    """A shipment the caller is party to, as the JSON it was validated into when it was
    stored (the shape of `Shipment`), without validating it again; NotFound otherwise."""
    with ctx.db.reading() as conn:
        row = conn.execute(_STORED, {"shipment": shipment_id, "org": who.id}).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id!r} that you are party to")
    parties = sorted(tuple(p.split(" ", 1)) for p in (row.parties or "").split(",") if p)
    return {
        "id": row.id,
        "reference": row.reference,
        "status": row.status,
        "submitted_by": row.submitted_by,
        "created_at": row.created_at,
        "parties": [{"organisation_id": o, "role": r} for o, r in parties],
        "draft": row.payload,
        "route": row.route,
        "readiness": row.readiness,
    }


def get(ctx: Context, who: Organisation, shipment_id: str) -> Shipment:
    """A shipment the caller is party to, or NotFound."""
    return Shipment.model_validate(stored(ctx, who, shipment_id))
