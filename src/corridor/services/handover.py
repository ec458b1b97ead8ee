"""The border hand-over: a shipment's customs journey as a chain of legs, shown to its
parties before departure (which declaration, to whom, by when, under which guarantee), and
each authority's signed proof that its leg ended, made on its own node and handed to the
next leg's authority and, as status, to the shipment's parties.

Only the authority of a leg's country ends it, only after its officers released the goods,
and the next authority accepts the goods only once it holds that proof, verified against the
pinned roots on receipt (exchange.admission).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from corridor import ledger
from corridor.customs import chain as chains
from corridor.documents import issue, present
from corridor.exceptions import Conflict, InvalidInput
from corridor.exchange.admission import HANDOVER
from corridor.exchange.delivery import DECISION, Outgoing, queue
from corridor.exchange.policy import shipped_policy
from corridor.messages import N_
from corridor.model import DocumentKind, Officer, Organisation, Role, ShipmentDraft
from corridor.network import Route
from corridor.services import customs, decisions, organisations, targeting
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow
from corridor.store.tables import DecisionRow

__all__ = ["ChainLeg", "ChainView", "LegEnded", "chain", "end_leg", "plan"]


class ChainLeg(BaseModel):
    """One leg as its shipper sees it before departure."""

    leg: chains.Leg
    authority: str | None
    authority_name: str | None
    lodge_by: datetime | None
    unconfirmed: bool
    # When its authority's signed proof of end reached the shipment's node, if it has.
    ended_at: datetime | None = None


class ChainView(BaseModel):
    """A shipment's (or a planned journey's) chain of legs, and what is not confirmed."""

    shipment_id: str | None
    option: chains.Option
    legs: list[ChainLeg]
    notes: list[str]


def chain(
    ctx: Context, who: Organisation, shipment_id: str, option: chains.Option = "A"
) -> ChainView:
    """The chain of legs of a shipment the caller is party to: per leg its regime, the
    authority that holds it, the declaration to lodge and by when (the earliest pre-arrival
    deadline of that border's rules), the guarantee, and what proves it ended."""
    if option not in ("A", "B"):
        raise InvalidInput("the option is A (a new T1 from the last CTC port) or B (one T1)")
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        draft = ShipmentDraft.model_validate(row.payload)
        route = Route.model_validate(row.route)
        # The proofs of end the route's authorities sent back (verified on receipt).
        ended = [
            (int(r.content["leg_end"].get("leg", -1)), r.received_at)
            for r in s.scalars(
                select(InboxRow).where(
                    InboxRow.shipment_id == shipment_id, InboxRow.kind == DECISION
                )
            )
            if isinstance(r.content.get("leg_end"), dict)
        ]
    report = ctx.engine.check(draft, route, (), draft.departure or row.created_at)
    due = {
        (c.country, c.procedure.value): min((r.due for r in c.results if r.due), default=None)
        for c in report.crossings
    }
    return _view(ctx, shipment_id, route, report.departure, option, due, ended)


def plan(
    ctx: Context,
    origin: str,
    destination: str,
    departure: datetime,
    via: tuple[str, ...] = (),
    option: chains.Option = "A",
) -> ChainView:
    """The chain of legs a journey along the network would have (before any shipment: a
    truck's TIR operations, a container's regimes), with no deadlines."""
    route = ctx.network.route(origin, destination, via=via)
    return _view(ctx, None, route, departure, option, {}, [])


def _view(
    ctx: Context,
    shipment_id: str | None,
    route: Route,
    departure: datetime,
    option: chains.Option,
    due: dict[tuple[str, str], datetime | None],
    ended: list[tuple[int, datetime]],
) -> ChainView:
    authorities = {o.country: o for o in organisations.list_all(ctx) if o.role is Role.CUSTOMS}
    legs = chains.work_out(route, ctx.network, departure, option)
    out = [
        ChainLeg(
            leg=leg,
            authority=authorities[leg.country].id if leg.country in authorities else None,
            authority_name=authorities[leg.country].name if leg.country in authorities else None,
            lodge_by=due.get((leg.country, leg.procedure)),
            unconfirmed=leg.unconfirmed,
            ended_at=_ended(legs, leg, ended),
        )
        for leg in legs
    ]
    notes = []
    if any(leg.option for leg in legs):
        notes.append(
            N_(
                "Where a T1 starts is a choice: option A lodges the Georgian NCTS leg and a new "
                "T1 from the port, option B one T1 from the Georgian border. Which one traders "
                "use is UNCONFIRMED."
            )
        )
    if any(leg.regime == "tir-operation" for leg in legs):
        notes.append(
            N_(
                "One TIR transport, one guarantee, one TIR operation per country; whether the "
                "carnet runs on unsuspended across the Caspian ferry, and whether Kazakhstan is "
                "bound by eTIR (Annex 11), are UNCONFIRMED: the paper carnet is assumed."
            )
        )
    missing = sorted({leg.country for leg in legs if leg.country not in authorities})
    if missing:
        notes.append(f"No customs authority of {', '.join(missing)} is known to this node.")
    return ChainView(shipment_id=shipment_id, option=option, legs=out, notes=notes)


def _ended(
    legs: list[chains.Leg], leg: chains.Leg, proofs: list[tuple[int, datetime]]
) -> datetime | None:
    """When the proof covering `leg` arrived: a proof ends its authority's last leg and
    every earlier leg of that authority's run."""
    for index, at in proofs:
        if 0 <= index < len(legs) and index >= leg.index:
            run = legs[leg.index : index + 1]
            if all(other.country == leg.country for other in run):
                return at
    return None


class LegEnded(BaseModel):
    """An authority's proof of end, as signed and handed over."""

    declaration_id: str
    leg: int
    regime: str
    next_country: str | None
    handed_to: str | None
    document: str


def _equipment(content: dict[str, Any], sealed_by: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for e in decisions.equipment_of(content):
        number = str(e["number"])
        seal = e.get("seal")
        out.append(
            {
                "number": number,
                **({"seal": seal} if seal else {}),
                "sealed_by": sealed_by.get(number, "as declared"),
            }
        )
    return out


def _goods(content: dict[str, Any]) -> list[dict[str, Any]]:
    for kind in ("transit_declaration", "commercial_invoice", "packing_list"):
        found = content.get(kind, {}).get("goods")
        if isinstance(found, list) and found:
            return [g for g in found if isinstance(g, dict)]
    return []


def end_leg(
    ctx: Context,
    who: Officer,
    declaration_id: str,
    now: datetime,
    seals_intact: bool = True,
    reservation: str | None = None,
) -> LegEnded:
    """End this authority's leg of a released declaration's shipment: sign the proof of end
    (office, time, containers with their seals and who affixed each, goods lines, the
    declaration it ends, any reservation), record it on the shipment's ledger, and hand it
    to the next leg's authority and to the shipment's parties, in one transaction."""
    org = targeting.authority_of(ctx, who)
    if not seals_intact and not reservation:
        raise InvalidInput("a broken seal is recorded with a reservation that says what was found")
    with ctx.db.transaction() as s:
        d = customs.load(s, declaration_id)
        if d.status != "released":
            raise Conflict(
                f"declaration {d.id} is {d.status}: a leg ends only after its goods were released"
            )
        if s.scalar(
            select(DecisionRow.id).where(
                DecisionRow.declaration_id == d.id, DecisionRow.action == "leg_ended"
            )
        ):
            raise Conflict(f"the leg of declaration {d.id} has already ended")
        content = customs.received(s, d)
        legs = customs.chain_of(s, d)
        mine = [leg for leg in legs if leg.get("country") == org.country]
        if not mine:
            raise Conflict(
                f"the shipment's chain names no leg held by {org.country}; nothing to end here"
            )
        last = mine[-1]
        following = legs[last["index"] + 1] if last["index"] + 1 < len(legs) else None
        previous = {
            str(e.get("number")): str(e.get("sealed_by"))
            for h in customs.handovers(s, d.shipment_id)
            for e in h.equipment
            if e.get("sealed_by")
        }
        equipment = _equipment(content, previous)
        if not equipment:
            raise InvalidInput(
                "a proof of end names the containers handed over; the declaration lists none"
            )
        office = str(d.assessment.get("office", org.country))
        fields: dict[str, Any] = {
            "document_number": f"{office}-END-{uuid.uuid4().hex[:8].upper()}",
            "issue_date": now.date().isoformat(),
            "office": office,
            "regime": last["regime"],
            "leg": last["index"],
            "declaration_reference": d.mrn or d.id,
            "ended_at": now.isoformat(),
            "seals_intact": seals_intact,
            "equipment": equipment,
            "goods": _goods(content),
            **({"next_country": following["country"]} if following else {}),
            **({"reservation": reservation} if reservation else {}),
        }
        signer = ctx.keys.ensure(s, org.id, now)
        token = issue(signer, org, DocumentKind.LEG_END, fields, now, d.shipment_id)
        row = DecisionRow(
            id=str(uuid.uuid4()),
            declaration_id=d.id,
            action="leg_ended",
            officer_id=who.id,
            endorsed_by=None,
            reason=reservation,
            findings=None,
            document=token,
            status="taken",
            at=now,
        )
        s.add(row)
        s.flush()
        ledger.append(
            s,
            signer,
            org.id,
            d.shipment_id,
            "leg_ended",
            {
                "leg": last["index"],
                "regime": last["regime"],
                "next": following["country"] if following else None,
                "seals_intact": seals_intact,
                "officer": who.id,
            },
            now,
        )
        handed_to = None
        ex = ctx.exchange
        if ex is not None and following is not None:
            to = next((a for a in ex.authorities() if a.country == following["country"]), None)
            if to is not None:
                withheld = shipped_policy().withheld_in_items(following["procedure"])
                fields_out = list(fields)
                proof = present(token, fields_out, withhold_in_items=withheld)
                payload = {
                    "shipment": d.shipment_id,
                    "procedure": following["procedure"],
                    "crossing": d.crossing,
                    "documents": {DocumentKind.LEG_END.value: proof},
                }
                out = Outgoing(to, payload, following["procedure"], None, ["leg_end"])
                queue(s, ex.node, signer, org.id, d.shipment_id, out, now, HANDOVER)
                handed_to = to.node
        # The shipment's parties see the leg's end as status, with the signed proof.
        decisions.notify(ctx, s, d, row, now)
        return LegEnded(
            declaration_id=d.id,
            leg=last["index"],
            regime=last["regime"],
            next_country=following["country"] if following else None,
            handed_to=handed_to,
            document=token,
        )
