"""The assessment of the pre-arrival data an authority's node receives: each declaration's
lane from the targeting profiles in force and the node's keyed draws, made when its data is
new or amended, by the exchange's turn on receipt and by an officer's page, whichever comes
first."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corridor.customs.declarations import from_content, party_of
from corridor.customs.selectivity import assess
from corridor.exceptions import Conflict
from corridor.exchange.delivery import KIND as PRE_ARRIVAL
from corridor.services import targeting
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow
from corridor.store.tables import DecisionRow, DeclarationRow

__all__ = ["ADVERSE", "arrived", "assess_received", "merged"]

log = logging.getLogger("corridor.customs")
# Decisions that count against a trader on this node the next time it declares.
ADVERSE = frozenset({"documentary_failed", "inspection_findings", "not_released"})


def arrived(s: Session, shipment_id: str, procedure: str) -> list[InboxRow]:
    """The pre-arrival data received for one shipment and procedure, oldest first."""
    return list(
        s.scalars(
            select(InboxRow)
            .where(
                InboxRow.shipment_id == shipment_id,
                InboxRow.procedure == procedure,
                InboxRow.kind == PRE_ARRIVAL,
            )
            .order_by(InboxRow.received_at, InboxRow.envelope_id)
        )
    )


def merged(rows: list[InboxRow]) -> dict[str, Any]:
    """The pre-arrival data received, merged in the order it came."""
    # Later data for a document kind replaces earlier (an amendment), from the shipment's
    # own node only (the exchange refuses any other's; this holds it for older rows too).
    content: dict[str, Any] = {}
    for r in rows:
        if r.from_node == rows[0].from_node:
            content.update(r.content)
    return content


def _discrepancies(s: Session, declarant: str | None) -> int:
    if declarant is None:
        return 0
    return int(
        s.scalar(
            select(func.count())
            .select_from(DecisionRow)
            .join(DeclarationRow, DecisionRow.declaration_id == DeclarationRow.id)
            .where(DeclarationRow.declarant == declarant, DecisionRow.action.in_(ADVERSE))
        )
        or 0
    )


def assess_received(ctx: Context, now: datetime) -> int:
    """Assess every declaration whose pre-arrival data is new or amended since it was last
    assessed; returns how many were (re)assessed. Runs on receipt and on an officer's page,
    safe to run again and at once: a run that finds another stored the same declaration
    first reads it and goes on (the draws are keyed, so both would store the same)."""
    try:
        return _assess_received(ctx, now)
    except Conflict:
        return _assess_received(ctx, now)


def _assess_received(ctx: Context, now: datetime) -> int:
    if ctx.exchange is None:
        return 0
    authority = ctx.exchange.node.organisation.id
    with ctx.db.transaction() as s:
        counts = s.execute(
            select(InboxRow.shipment_id, InboxRow.procedure, func.count())
            .where(InboxRow.kind == PRE_ARRIVAL)
            .group_by(InboxRow.shipment_id, InboxRow.procedure)
        ).all()
        known = {(d.shipment_id, d.procedure): d for d in s.scalars(select(DeclarationRow))}
        stale = [
            (sid, proc, n)
            for sid, proc, n in counts
            if (k := known.get((sid, proc))) is None or k.envelopes != n
        ]
        if not stale:
            return 0
        row = targeting.in_force(s)
        if row is None:
            # Assessed once a chief installs the targeting (installing assesses what waits).
            log.warning("pre-arrival data waits for %s's targeting profiles", authority)
            return 0
        ps, index = targeting.compiled(row.sha256, row.text, now.date())
        secret = targeting.selectivity_secret(ctx)
        aeo = ps.aeo.recognised(ps.country)
        for shipment_id, procedure, n in stale:
            rows = arrived(s, shipment_id, procedure)
            content = merged(rows)
            declarant = party_of(content)
            facts = from_content(
                f"{shipment_id}:{procedure}",
                procedure,
                content,
                aeo,
                _discrepancies(s, declarant),
                [leg["country"] for leg in next((r.chain for r in reversed(rows) if r.chain), [])],
            )
            result = assess(facts, index, ps.office, targeting.rates(row), secret)
            assessment = {
                "channel": result.channel,
                "by_profiles": result.by_profiles,
                "random_lane": result.random_lane,
                "draw": result.draw,
                "hits": [h.__dict__ for h in result.hits],
                "profiles_checked": result.profiles_checked,
                "office": ps.office.reference,
            }
            latest = rows[-1]
            existing = known.get((shipment_id, procedure))
            if existing is None:
                s.add(
                    DeclarationRow(
                        id=str(uuid.uuid4()),
                        shipment_id=shipment_id,
                        procedure=procedure,
                        crossing=latest.crossing,
                        eta=latest.eta,
                        lodge_by=latest.lodge_by,
                        declarant=declarant[:200] if declarant else None,
                        envelopes=n,
                        channel=result.channel,
                        assessment=assessment,
                        profile_version=row.version,
                        status="open",
                        mrn=None,
                        assessed_at=now,
                        updated_at=now,
                    )
                )
            else:
                existing.crossing, existing.eta = latest.crossing, latest.eta
                existing.lodge_by, existing.envelopes = latest.lodge_by, n
                existing.channel, existing.assessment = result.channel, assessment
                existing.profile_version, existing.updated_at = row.version, now
                existing.declarant = declarant[:200] if declarant else None
        return len(stale)
