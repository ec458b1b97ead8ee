"""The holder's side of an NCTS leg, on the shipment's parties' node: corridor as trader
software. The holder lodges the transit declaration (IE015) with the national NCTS of the
convention party where the leg starts, the trader at destination notifies the arrival
(IE007) once the goods were recorded arriving, and the national NCTS's answers (IE928,
IE028, IE029, IE051, IE055, IE060, IE025, IE045, …) are taken in as the movement's status.
The national system is reached through one interface (customs.trader_interface): files out
and in, or, in the tests and the demo, a conformance double. Nothing here allocates an MRN,
releases goods or writes a movement off: the national NCTS does, and says so.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.customs import chain as chains
from corridor.customs import messages, movements, ncts
from corridor.customs.trader_interface import (
    NationalNcts,
    field_of,
    message_type,
    read_declaration,
)
from corridor.customs.transit import STEPS, TRADER_STATUS, State, advance
from corridor.documents import MEDIA_TYPE, verify
from corridor.exceptions import Conflict, InvalidInput, NotFound
from corridor.model import DocumentKind, Organisation, ShipmentDraft
from corridor.network import Route
from corridor.services import keys, timeline
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.store.tables import DocumentRow
from corridor.store.trader_tables import LodgedMessageRow, LodgedRow

log = logging.getLogger("corridor.ncts")
__all__ = ["LodgedView", "arrival", "lodge", "status", "take_answers"]


class LodgedView(BaseModel):
    """A lodged declaration as its holder sees it: the national NCTS's status and messages."""

    lrn: str
    mrn: str | None
    shipment_id: str
    country: str
    state: str
    status: str
    messages: list[dict[str, Any]]


def _ie(kind: str) -> str:
    return "IE" + kind[2:5]


def _view(s: Session, row: LodgedRow) -> LodgedView:
    found = s.scalars(
        select(LodgedMessageRow)
        .where(LodgedMessageRow.lrn == row.lrn)
        .order_by(LodgedMessageRow.id)
    )
    return LodgedView(
        lrn=row.lrn,
        mrn=row.mrn,
        shipment_id=row.shipment_id,
        country=row.country,
        state=row.state,
        # Every state stored is one the transit steps lead to.
        status=TRADER_STATUS[State(row.state)],
        messages=[
            {"direction": m.direction, "message": m.message, "state": m.state, "at": m.at}
            for m in found
        ],
    )


def _signed_declaration(
    ctx: Context, s: Session, shipment_id: str, now: datetime
) -> dict[str, Any]:
    """The shipment's signed transit declaration, verified now; its fields."""
    tokens = s.scalars(
        select(DocumentRow.content)
        .where(
            DocumentRow.shipment_id == shipment_id,
            DocumentRow.kind == DocumentKind.TRANSIT_DECLARATION.value,
            DocumentRow.media_type == MEDIA_TYPE,
        )
        .order_by(DocumentRow.created_at.desc())
    ).all()
    if not tokens:
        raise Conflict("the shipment has no signed transit declaration to lodge")
    doc = verify(tokens[0].decode("ascii"), keys.trust_list(ctx), now)
    return dict(doc.disclosed)


def _record(
    s: Session, row: LodgedRow, direction: str, kind: str, xml: bytes, at: datetime
) -> None:
    s.add(
        LodgedMessageRow(
            lrn=row.lrn, direction=direction, message=_ie(kind), state=row.state, xml=xml, at=at
        )
    )


def lodge(
    ctx: Context, who: Organisation, shipment_id: str, now: datetime, option: chains.Option = "A"
) -> LodgedView:
    """Lodge the shipment's transit declaration (IE015) with the national NCTS where its
    NCTS leg starts, as the holder of the transit procedure (the caller, named with its
    identification number). Refused where no NCTS leg of the chain starts in the country of
    the declared office of departure."""
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        if not who.tax_id:
            raise Conflict(
                f"{who.id} has no identification number registered: the holder of a transit "
                "procedure is named by it in the declaration; register it first"
            )
        td = _signed_declaration(ctx, s, shipment_id, now)
        departure = ncts.office_reference(str(td.get("office_of_departure", "")))
        country = departure[:2]
        route = Route.model_validate(row.route)
        draft = ShipmentDraft.model_validate(row.payload)
        leaves = datetime.combine(draft.departure, time(tzinfo=UTC)) if draft.departure else now
        legs = chains.work_out(route, ctx.network, leaves, option)
        if not any(leg.ncts and leg.country == country for leg in legs):
            raise Conflict(
                f"no NCTS leg of the shipment's chain starts in {country}: an NCTS declaration "
                "is lodged only where the chain's leg is under NCTS"
            )
        m = movements.from_content({"transit_declaration": td}, departure, shipment_id)
        holder = ncts.Trader(who.tax_id, who.name, who.country)
        m = replace(m, holder=holder)
        if s.get(LodgedRow, m.lrn) is not None:
            raise Conflict(f"declaration {m.lrn} is already lodged")
        xml = messages.cc015c(m, now, who.tax_id)
        lodged = LodgedRow(
            lrn=m.lrn,
            shipment_id=shipment_id,
            country=country,
            holder_id=who.id,
            mrn=None,
            state=advance(None, "IE015").value,
            created_at=now,
            updated_at=now,
        )
        s.add(lodged)
        s.flush()
        _record(s, lodged, "out", "CC015C", xml, now)
        ledger.append(
            s,
            ctx.keys.ensure(s, who.id, now),
            who.id,
            shipment_id,
            "ncts_lodged",
            {"lrn": m.lrn, "country": country, "office_of_departure": departure},
            now,
        )
        # Sent last, inside the transaction: a refusal by the national interface stores
        # nothing here.
        link(ctx, country).send(xml)
        return _view(s, lodged)


def link(ctx: Context, country: str) -> NationalNcts:
    """The national NCTS trader interface of `country` this node speaks to."""
    found = ctx.ncts.get(country)
    if found is None:
        raise NotFound(f"this node has no trader interface to {country}'s NCTS configured")
    return found


def take_answers(ctx: Context, now: datetime) -> int:
    """Take in every answer the national NCTS systems have for this node's holders and
    move each lodged declaration on; returns how many were taken. An answer that names no
    declaration lodged here is logged and set aside."""
    taken = 0
    for country, interface in ctx.ncts.items():
        for xml in interface.receive():
            kind = message_type(xml)
            mrn = field_of(xml, "TransitOperation/MRN")
            lrn = field_of(xml, "TransitOperation/LRN")
            with ctx.db.transaction() as s:
                row = s.get(LodgedRow, lrn) if lrn else None
                if row is None and mrn:
                    row = s.scalar(select(LodgedRow).where(LodgedRow.mrn == mrn))
                if row is None or row.country != country:
                    log.warning("%s from %s's NCTS names no declaration lodged here", kind, country)
                    continue
                if kind == "CC028C":
                    row.mrn = mrn
                if _ie(kind) in STEPS:
                    row.state = advance(State(row.state), _ie(kind)).value
                row.updated_at = now
                _record(s, row, "in", kind, xml, now)
            taken += 1
    return taken


def arrival(ctx: Context, who: Organisation, shipment_id: str, now: datetime) -> LodgedView:
    """Notify the arrival (IE007) at the office of destination, as the trader at
    destination (the caller, the consignee or its representative), with the time the goods
    were recorded arriving at the office's place; refused before they were, or while the
    movement is not released."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        if not who.tax_id:
            raise Conflict(
                f"{who.id} has no identification number registered to name it at destination"
            )
        row = s.scalar(
            select(LodgedRow)
            .where(LodgedRow.shipment_id == shipment_id)
            .order_by(LodgedRow.created_at.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound(f"no NCTS declaration is lodged for shipment {shipment_id}")
        if row.state not in (State.RELEASED.value, State.INCIDENT.value):
            raise Conflict(
                f"{row.mrn or row.lrn} is {TRADER_STATUS[State(row.state)]!r}: an arrival is "
                "notified only for a movement released for transit"
            )
        sent = s.scalar(
            select(LodgedMessageRow.xml).where(
                LodgedMessageRow.lrn == row.lrn, LodgedMessageRow.message == "IE015"
            )
        )
        assert sent is not None
        m = replace(read_declaration(sent), mrn=row.mrn)
        place = ncts.office_node(m.destination)
        arrived = timeline.arrived_at(s, shipment_id, place)
        if arrived is None:
            raise Conflict(
                f"the goods have not been recorded arriving at {place}: the arrival is notified "
                "once a custody event says they are there"
            )
        if arrived > now:
            raise InvalidInput("the recorded arrival lies in the future; nothing is notified ahead")
        trader = ncts.Trader(who.tax_id, who.name, who.country)
        xml = messages.cc007c(m, now, trader, arrived)
        row.state = advance(State(row.state), "IE007").value
        row.updated_at = now
        _record(s, row, "out", "CC007C", xml, now)
        link(ctx, row.country).send(xml)
        return _view(s, row)


def status(ctx: Context, who: Organisation, shipment_id: str) -> list[LodgedView]:
    """The NCTS declarations lodged for a shipment the caller is party to."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        rows = s.scalars(
            select(LodgedRow)
            .where(LodgedRow.shipment_id == shipment_id)
            .order_by(LodgedRow.created_at)
        ).all()
        if not rows:
            return []
        return [_view(s, r) for r in rows]


def export(ctx: Context, who: Organisation, shipment_id: str) -> dict[str, bytes]:
    """Every NCTS message sent or taken in for the shipment, as files named in order."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        out: dict[str, bytes] = {}
        n = 0
        for lrn in s.scalars(select(LodgedRow.lrn).where(LodgedRow.shipment_id == shipment_id)):
            for m in s.scalars(
                select(LodgedMessageRow)
                .where(LodgedMessageRow.lrn == lrn)
                .order_by(LodgedMessageRow.id)
            ):
                n += 1
                out[f"{n:02d}-{m.direction}-CC{m.message[2:]}C.xml"] = m.xml
        if not out:
            raise NotFound(f"no NCTS message for shipment {shipment_id}")
        return out
