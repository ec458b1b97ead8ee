"""The transit operation on the office of departure's node: guarantees, the movement and
its NCTS messages, from the declaration the authority received.

A movement is opened from a declaration (IE015 as received, IE028 MRN allocated); its
guarantee is checked (IE055 when it is unknown, expired, in another currency or short) and
reserved on release (IE029), freed on write-off (IE045) or no release (IE051). Every step
is stored with its XML, which validates against the official schema, and written to the
shipment's ledger on this node.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.customs import chain as chains
from corridor.customs import messages, movements, ncts
from corridor.customs.references import check_grn, new_mrn
from corridor.customs.transit import STEPS, TRADER_STATUS, State, advance, next_steps
from corridor.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from corridor.model import Officer
from corridor.services import customs, targeting
from corridor.services.context import Context
from corridor.store.tables import DeclarationRow, GuaranteeRow, MovementMessageRow, MovementRow

# Steps that let goods go or stop them: only a decision (services.decisions) takes them.
DECIDED = frozenset({"IE029", "IE051", "IE060"})


class MovementView(BaseModel):
    """A transit movement as its office of departure sees it."""

    mrn: str
    declaration_id: str
    shipment_id: str
    state: str
    status: str
    grn: str | None
    reserved: str | None
    next_steps: list[str]
    messages: list[dict[str, Any]]


class GuaranteeView(BaseModel):
    """A registered guarantee and how much of it is reserved."""

    grn: str
    holder: str
    amount: str
    currency: str
    reserved: str
    valid_until: datetime | None


def register_guarantee(
    ctx: Context,
    who: Officer,
    grn: str,
    holder: str,
    amount: Decimal,
    currency: str,
    valid_until: datetime | None,
    now: datetime,
) -> GuaranteeView:
    """Register a guarantee (as the guarantee's office does on receiving the guarantor's
    undertaking)."""
    targeting.authority_of(ctx, who)
    value = check_grn(grn)
    if amount <= 0 or not (len(currency) == 3 and currency.isalpha()):
        raise InvalidInput("a guarantee needs a positive amount and an ISO 4217 currency")
    with ctx.db.transaction() as s:
        if s.get(GuaranteeRow, value) is not None:
            raise Conflict(f"guarantee {value} is already registered")
        row = GuaranteeRow(
            grn=value,
            holder=holder[:200],
            amount=str(amount),
            currency=currency.upper(),
            reserved="0",
            valid_until=valid_until,
            created_at=now,
        )
        s.add(row)
        return GuaranteeView.model_validate(row, from_attributes=True)


def _guarantee_problem(s: Session, m: ncts.Movement, now: datetime) -> str | None:
    """Why the movement's guarantee cannot cover it, or None."""
    if not m.grn:
        return "the declaration names no guarantee"
    try:
        grn = check_grn(m.grn)
    except InvalidInput as exc:
        return exc.detail
    g = s.get(GuaranteeRow, grn, with_for_update=True)
    if g is None:
        return f"guarantee {grn} is not registered with this office"
    if g.valid_until is not None and g.valid_until < now:
        return f"guarantee {grn} expired on {g.valid_until:%Y-%m-%d}"
    if g.currency != m.currency:
        return f"guarantee {grn} is in {g.currency}; the amount to cover is in {m.currency}"
    free = Decimal(g.amount) - Decimal(g.reserved)
    if free < m.amount:
        return (
            f"guarantee {grn} has {free} {g.currency} free; {m.amount} {m.currency} must be covered"
        )
    return None


def _record(
    ctx: Context,
    s: Session,
    row: MovementRow,
    d: DeclarationRow,
    message: str,
    who: Officer,
    note: str | None,
    xml: bytes | None,
    now: datetime,
) -> None:
    row.state = advance(State(row.state), message).value
    row.updated_at = now
    s.add(
        MovementMessageRow(
            mrn=row.mrn,
            message=message,
            state=row.state,
            officer_id=who.id,
            note=note,
            xml=xml,
            at=now,
        )
    )
    authority = targeting.authority_of(ctx, who).id
    ledger.append(
        s,
        ctx.keys.ensure(s, authority, now),
        authority,
        d.shipment_id,
        "transit_step",
        {
            "mrn": row.mrn,
            "message": message,
            "state": row.state,
            "officer": who.id,
        },
        now,
    )


def open_movement(ctx: Context, who: Officer, declaration_id: str, now: datetime) -> MovementView:
    """Accept a declaration for transit at this office of departure: record its IE015,
    allocate the MRN (IE028) and check the guarantee (IE055 if it cannot cover the
    movement), in one transaction."""
    authority = targeting.authority_of(ctx, who)
    regimes = chains.shipped()
    if not regimes.is_ctc(authority.country):
        raise Conflict(
            f"{authority.country} is not a party to the common transit convention: no NCTS "
            "movement starts at its offices; its leg is under its own regime (see the "
            "shipment's chain)"
        )
    with ctx.db.transaction() as s:
        d = customs.load(s, declaration_id)
        own = [leg for leg in customs.chain_of(s, d) if leg.get("country") == authority.country]
        if own and not any(
            regimes.regimes[leg["regime"]].ncts for leg in own if leg["regime"] in regimes.regimes
        ):
            raise Conflict(
                f"the shipment's leg in {authority.country} is not an NCTS leg; no movement "
                "is opened for it"
            )
        if d.mrn is not None:
            raise Conflict(f"declaration {declaration_id} already has movement {d.mrn}")
        departure = str(d.assessment.get("office"))
        m = movements.from_content(customs.received(s, d), departure, d.shipment_id)
        count = s.scalar(select(func.count()).select_from(MovementRow)) or 0
        mrn = new_mrn(now.year, departure[:2], targeting.selectivity_secret(ctx), f"{count}:{d.id}")
        m = replace(m, mrn=mrn)
        row = MovementRow(
            mrn=mrn,
            declaration_id=d.id,
            state=State.SUBMITTED.value,
            grn=m.grn,
            reserved=None,
            data=movements.to_data(m),
            created_at=now,
            updated_at=now,
        )
        d.mrn = mrn
        s.add(row)
        s.flush()
        holder = m.holder.identification or authority.id
        s.add(
            MovementMessageRow(
                mrn=mrn,
                message="IE015",
                state=row.state,
                officer_id=None,
                note="declaration as received",
                xml=messages.cc015c(m, m.declared_at, holder),
                at=now,
            )
        )
        _record(ctx, s, row, d, "IE028", who, None, messages.cc028c(m, now, holder), now)
        problem = _guarantee_problem(s, m, now)
        if problem:
            _record(
                ctx, s, row, d, "IE055", who, problem, messages.cc055c(m, now, holder, problem), now
            )
    return movement(ctx, who, mrn)


def _load(s: Session, mrn: str) -> MovementRow:
    row = s.get(MovementRow, mrn.strip().upper()) if len(mrn) <= 18 else None
    if row is None:
        raise NotFound(f"no transit movement {mrn!r} on this node")
    return row


def apply(
    ctx: Context,
    s: Session,
    who: Officer,
    row: MovementRow,
    message: str,
    note: str | None,
    now: datetime,
) -> None:
    """Take one step on a movement inside the caller's transaction (the decisions service
    releases, refuses and controls through this)."""
    d = s.get(DeclarationRow, row.declaration_id)
    assert d is not None
    m = movements.from_data(row.mrn, row.data)
    holder = m.holder.identification or "HOLDER"
    trader = ncts.Trader(holder, m.holder.name)
    advance(State(row.state), message)  # refuse before any side effect
    xml: bytes | None = None
    if message == "IE029":
        problem = _guarantee_problem(s, m, now)
        if problem:
            raise InvalidInput(f"cannot release {row.mrn}: {problem}")
        if m.grn:
            g = s.get(GuaranteeRow, check_grn(m.grn))
            assert g is not None
            g.reserved = str(Decimal(g.reserved) + m.amount)
            row.reserved = str(m.amount)
        xml = messages.cc029c(m, now, holder, controlled=State(row.state) is State.UNDER_CONTROL)
    elif message in ("IE045", "IE051"):
        if row.reserved and m.grn:
            g = s.get(GuaranteeRow, check_grn(m.grn))
            if g is not None:
                g.reserved = str(max(Decimal(0), Decimal(g.reserved) - Decimal(row.reserved)))
            row.reserved = None
        xml = (
            messages.cc045c(m, now, holder)
            if message == "IE045"
            else messages.cc051c(m, now, holder, note or "not released")
        )
    elif message == "IE060":
        xml = messages.cc060c(m, now, holder, intention=False)
    elif message == "IE007":
        xml = messages.cc007c(m, now, trader)
    elif message == "IE043":
        xml = messages.cc043c(m, now, trader)
    elif message == "IE025":
        xml = messages.cc025c(m, now, trader)
    elif message == "IE019":
        xml = messages.cc019c(m, now, holder, note or "discrepancies found")
    elif message == "IE013" and m.grn and _guarantee_problem(s, m, now):
        raise InvalidInput(
            f"the guarantee still cannot cover {row.mrn}; register or raise it first"
        )
    _record(ctx, s, row, d, message, who, note, xml, now)


def step(
    ctx: Context, who: Officer, mrn: str, message: str, note: str | None, now: datetime
) -> MovementView:
    """Take one NCTS step on a movement (IE180/181, IE007, IE043, IE044,
    IE025, IE019, IE045, IE013); IE029, IE051 and IE060 only as an officer's decision."""
    targeting.authority_of(ctx, who)
    if message not in STEPS:
        raise InvalidInput(
            f"{message!r} is not a transit step; steps are {', '.join(sorted(STEPS))}"
        )
    if message in DECIDED:
        raise PermissionDenied(
            f"{message} ({STEPS[message].title}) is an officer's decision on the declaration: "
            "take it as a decision, where the lane's check and a second officer apply"
        )
    with ctx.db.transaction() as s:
        row = _load(s, mrn)
        if message == "IE025":
            d = s.get(DeclarationRow, row.declaration_id)
            if d is None or d.status != "released":
                raise Conflict(
                    f"the goods of {row.mrn} cannot be released at destination: the "
                    "declaration was not released by an officer's decision"
                )
        apply(ctx, s, who, row, message, note, now)
    return movement(ctx, who, mrn)


def movement(ctx: Context, who: Officer, mrn: str) -> MovementView:
    """A movement, its state as the trader sees it, and its messages."""
    targeting.authority_of(ctx, who)
    with ctx.db.transaction() as s:
        row = _load(s, mrn)
        d = s.get(DeclarationRow, row.declaration_id)
        assert d is not None
        messages = [
            {
                "message": r.message,
                "title": STEPS[r.message].title,
                "state": r.state,
                "officer": r.officer_id,
                "note": r.note,
                "at": r.at,
                "xml": r.xml is not None,
            }
            for r in s.scalars(
                select(MovementMessageRow)
                .where(MovementMessageRow.mrn == row.mrn)
                .order_by(MovementMessageRow.id)
            )
        ]
        state = State(row.state)
        return MovementView(
            mrn=row.mrn,
            declaration_id=row.declaration_id,
            shipment_id=d.shipment_id,
            state=state.value,
            status=TRADER_STATUS[state],
            grn=row.grn,
            reserved=row.reserved,
            next_steps=next_steps(state),
            messages=messages,
        )


def export(ctx: Context, who: Officer, mrn: str) -> dict[str, bytes]:
    """The movement's messages as XML files, in order: '01-CC015C.xml', …"""
    targeting.authority_of(ctx, who)
    with ctx.db.transaction() as s:
        row = _load(s, mrn)
        rows = s.scalars(
            select(MovementMessageRow)
            .where(MovementMessageRow.mrn == row.mrn, MovementMessageRow.xml.is_not(None))
            .order_by(MovementMessageRow.id)
        )
        return {
            f"{n:02d}-CC{r.message[2:]}C.xml": r.xml for n, r in enumerate(rows, start=1) if r.xml
        }
