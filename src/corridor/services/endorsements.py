"""Endorsements: the second pair of eyes on an override. An examiner's release of a red or
yellow lane without the check it asks for (or past findings on record) waits here until a
chief, another person, endorses or refuses it; only then does it take effect."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from corridor.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from corridor.model import Officer, OfficerRole
from corridor.services import targeting
from corridor.services.context import Context
from corridor.services.decisions import Decision, out, take_effect
from corridor.store.tables import DecisionRow, DeclarationRow

__all__ = ["PendingOverride", "awaiting_endorsement", "endorse"]


def endorse(
    ctx: Context,
    who: Officer,
    decision_id: str,
    now: datetime,
    reason: str,
    approve: bool = True,
) -> Decision:
    """A chief endorses (or refuses) an examiner's override, with a reason of their own that
    goes on the record; a person cannot endorse their own decision."""
    targeting.authority_of(ctx, who)
    if who.role is not OfficerRole.CHIEF:
        raise PermissionDenied("only a chief officer endorses an override")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "an endorsement (or a refusal) needs the chief's reason; it goes on the record"
        )
    with ctx.db.transaction() as s:
        row = s.get(DecisionRow, decision_id) if len(decision_id) <= 36 else None
        if row is None:
            raise NotFound(f"no decision {decision_id!r} on this node")
        if row.status != "awaiting_endorsement":
            raise Conflict(f"decision {decision_id} is {row.status}, not awaiting endorsement")
        if row.officer_id == who.id:
            raise PermissionDenied("an override needs a second person: another chief endorses it")
        d = s.get(DeclarationRow, row.declaration_id)
        assert d is not None
        row.endorsed_by = who.id
        row.endorsement_reason = reason[:1000]
        if not approve:
            row.status = "refused"
            d.status = "open"
            d.updated_at = now
            return out(row, d)
        take_effect(ctx, s, who, d, row, now)
        return out(row, d)


class PendingOverride(BaseModel):
    """An examiner's override waiting for a chief: what was decided, by whom, why, and on
    which declaration (its lane)."""

    decision: Decision
    reason: str | None
    at: datetime
    channel: str
    procedure: str
    crossing: str | None


def awaiting_endorsement(ctx: Context, who: Officer) -> list[PendingOverride]:
    """The overrides a chief of this authority may endorse (never their own), oldest
    first."""
    targeting.authority_of(ctx, who)
    if who.role is not OfficerRole.CHIEF:
        raise PermissionDenied("only a chief officer endorses an override")
    with ctx.db.transaction() as s:
        rows = s.execute(
            select(DecisionRow, DeclarationRow)
            .join(DeclarationRow, DeclarationRow.id == DecisionRow.declaration_id)
            .where(DecisionRow.status == "awaiting_endorsement", DecisionRow.officer_id != who.id)
            .order_by(DecisionRow.at, DecisionRow.id)
        ).all()
        return [
            PendingOverride(
                decision=out(row, d),
                reason=row.reason,
                at=row.at,
                channel=d.channel,
                procedure=d.procedure,
                crossing=d.crossing,
            )
            for row, d in rows
        ]
