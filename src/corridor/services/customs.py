"""Customs on an authority's own node: its targeting profiles and the officers' queue (the
assessment of the pre-arrival data it receives is `assessment`).

Everything here is the authority's own: profiles, hit lists and draws never leave the
node, and only the authority's officers (each with their own API key) may call these.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.customs.declarations import at_a_glance
from corridor.exceptions import NotFound
from corridor.exchange.admission import HANDOVER
from corridor.exchange.delivery import KIND as PRE_ARRIVAL
from corridor.model import Officer
from corridor.services import targeting
from corridor.services.assessment import arrived, assess_received, merged
from corridor.services.context import Administrator, Context
from corridor.store.exchange_tables import InboxRow
from corridor.store.tables import DecisionRow, DeclarationRow

log = logging.getLogger("corridor.customs")
# Lanes from strongest: the queue shows red first among declarations due at the same time.
SEVERITY = {"red": 3, "yellow": 2, "blue": 1, "green": 0}


class QueueItem(BaseModel):
    """One declaration in an officer's queue."""

    id: str
    shipment_id: str
    procedure: str
    crossing: str | None
    eta: datetime | None
    lodge_by: datetime | None
    channel: str
    hits: list[dict[str, Any]]
    documents: list[str]
    status: str
    mrn: str | None
    # The trader as the documents received name it, and the containers.
    trader: str | None = None
    containers: list[str] = []


class DeclarationView(QueueItem):
    """A declaration with what the authority received and what it decided, the shipment's
    chain of legs and the previous leg's proof of end (verified on receipt)."""

    content: dict[str, Any]
    assessment: dict[str, Any]
    profile_version: int
    decisions: list[dict[str, Any]]
    chain: list[dict[str, Any]] = []
    handovers: list[Handover] = []
    awaiting: str | None = None


class Handover(BaseModel):
    """The previous leg's proof of end as this authority received and verified it."""

    country: str
    authority: str
    from_node: str
    leg: int
    regime: str
    office: str
    ended_at: str
    seals_intact: bool
    equipment: list[dict[str, Any]]
    reservation: str | None
    declaration_reference: str
    received_at: datetime

    @property
    def seals(self) -> list[str]:
        """The seals the goods were handed over under."""
        return [str(e["seal"]) for e in self.equipment if e.get("seal")]

    @property
    def summary(self) -> str:
        """One line for the officer: under which seals, where, when."""
        seals = ", ".join(self.seals) or "none"
        state = "intact" if self.seals_intact else "NOT intact"
        return (
            f"arrives under {self.country} seals {seals}, {state} at {self.office}; "
            f"{self.regime} ended {self.ended_at[:16].replace('T', ' ')}"
        )


def handovers(s: Session, shipment_id: str) -> list[Handover]:
    """The proofs of end handed to this node for a shipment, verified on receipt."""
    out = []
    for r in s.scalars(
        select(InboxRow)
        .where(InboxRow.shipment_id == shipment_id, InboxRow.kind == HANDOVER)
        .order_by(InboxRow.received_at, InboxRow.envelope_id)
    ):
        proof = r.content.get("leg_end", {})
        out.append(
            Handover(
                country=str(r.content.get("leg", {}).get("country")),
                authority=r.sender,
                from_node=r.from_node,
                leg=int(proof.get("leg", -1)),
                regime=str(proof.get("regime")),
                office=str(proof.get("office")),
                ended_at=str(proof.get("ended_at")),
                seals_intact=bool(proof.get("seals_intact")),
                equipment=list(proof.get("equipment", [])),
                reservation=proof.get("reservation"),
                declaration_reference=str(proof.get("declaration_reference")),
                received_at=r.received_at,
            )
        )
    return out


def chain_of(s: Session, d: DeclarationRow) -> list[dict[str, Any]]:
    """The shipment's chain of legs as its parties' node last announced it ([] if none)."""
    for r in reversed(arrived(s, d.shipment_id, d.procedure)):
        if isinstance(r.chain, list):
            return r.chain
    return []


def _awaiting(legs: list[dict[str, Any]], proofs: list[Handover], country: str) -> str | None:
    """Why the goods cannot be accepted yet: the leg before this authority's first one is
    another authority's, and its proof of end is not among `proofs`; None otherwise."""
    mine = [leg for leg in legs if leg.get("country") == country]
    if not mine or mine[0].get("index", 0) == 0:
        return None
    before = legs[mine[0]["index"] - 1]
    if any(h.leg == before["index"] for h in proofs):
        return None
    return (
        f"the previous leg ({before['regime']}, {before['country']}) has not been proved "
        "ended: its authority's signed proof of end has not reached this node"
    )


def awaiting_proof(s: Session, d: DeclarationRow, country: str) -> str | None:
    """Why the goods of a declaration cannot be accepted yet (see `_awaiting`)."""
    return _awaiting(chain_of(s, d), handovers(s, d.shipment_id), country)


def _item(d: DeclarationRow, rows: list[InboxRow]) -> dict[str, Any]:
    """A declaration's queue entry from the data received for it (`rows`, oldest first); the
    trader is the one the documents name, else the organisation that sent them."""
    content = merged(rows)
    glance = at_a_glance(content)
    if glance["trader"] is None and rows:
        glance["trader"] = rows[0].sender
    return {
        **glance,
        "documents": sorted(content),
        "id": d.id,
        "shipment_id": d.shipment_id,
        "procedure": d.procedure,
        "crossing": d.crossing,
        "eta": d.eta,
        "lodge_by": d.lodge_by,
        "channel": d.channel,
        "hits": d.assessment.get("hits", []),
        "status": d.status,
        "mrn": d.mrn,
    }


OPEN = ("open", "held", "awaiting_endorsement", "checked", "inspected", "information_requested")


def install_profiles(
    ctx: Context, who: Officer | Administrator, text: str, now: datetime
) -> targeting.InstalledProfiles:
    """Put a new version of the authority's targeting in force (see `targeting.install`)
    and assess whatever pre-arrival data waited for it."""
    done = targeting.install(ctx, who, text, now)
    assess_received(ctx, now)
    return done


def queue(ctx: Context, who: Officer, now: datetime, limit: int = 200) -> list[QueueItem]:
    """Declarations awaiting a decision, soonest expected arrival first, the riskiest first
    among those due together."""
    authority = targeting.authority_of(ctx, who)
    assess_received(ctx, now)
    with ctx.db.transaction() as s:
        targeting.ensure_profiles(s, authority.id)
        rows = list(s.scalars(select(DeclarationRow).where(DeclarationRow.status.in_(OPEN))))
        rows.sort(key=lambda d: (d.eta is None, d.eta or now, -SEVERITY.get(d.channel, 0), d.id))
        received = _received(s, [d.shipment_id for d in rows[:limit]])
        return [
            QueueItem(**_item(d, received.get((d.shipment_id, d.procedure), [])))
            for d in rows[:limit]
        ]


def _received(s: Session, shipments: list[str]) -> dict[tuple[str, str], list[InboxRow]]:
    """What arrived for each shipment and procedure, oldest first."""
    if not shipments:
        return {}
    query = (
        select(InboxRow)
        .where(InboxRow.shipment_id.in_(shipments), InboxRow.kind == PRE_ARRIVAL)
        .order_by(InboxRow.received_at, InboxRow.envelope_id)
    )
    rows: dict[tuple[str, str], list[InboxRow]] = {}
    for r in s.scalars(query):
        rows.setdefault((r.shipment_id, r.procedure), []).append(r)
    return rows


def load(s: Session, declaration_id: str) -> DeclarationRow:
    """A declaration by id or by its movement's MRN, or NotFound."""
    row = s.get(DeclarationRow, declaration_id) if len(declaration_id) <= 36 else None
    if row is None and len(declaration_id) == 18:
        row = s.scalar(select(DeclarationRow).where(DeclarationRow.mrn == declaration_id.upper()))
    if row is None:
        raise NotFound(f"no declaration {declaration_id!r} on this node")
    return row


def received(s: Session, d: DeclarationRow) -> dict[str, Any]:
    """What the authority received for a declaration, merged over amendments."""
    return merged(arrived(s, d.shipment_id, d.procedure))


def show(ctx: Context, who: Officer, declaration_id: str, now: datetime) -> DeclarationView:
    """One declaration: the data received, the assessment and every decision on it."""
    targeting.authority_of(ctx, who)
    assess_received(ctx, now)
    with ctx.db.transaction() as s:
        d = load(s, declaration_id)
        received_rows = arrived(s, d.shipment_id, d.procedure)
        content = merged(received_rows)
        decisions = [
            {
                "id": r.id,
                "action": r.action,
                "officer": r.officer_id,
                "endorsed_by": r.endorsed_by,
                "reason": r.reason,
                "findings": r.findings,
                "status": r.status,
                "at": r.at,
                "document": r.document is not None,
            }
            for r in s.scalars(
                select(DecisionRow)
                .where(DecisionRow.declaration_id == d.id)
                .order_by(DecisionRow.at, DecisionRow.id)
            )
        ]
        country = who.organisation.country
        legs, proofs = chain_of(s, d), handovers(s, d.shipment_id)
        return DeclarationView(
            **_item(d, received_rows),
            content=content,
            assessment=d.assessment,
            profile_version=d.profile_version,
            decisions=decisions,
            chain=legs,
            handovers=proofs,
            awaiting=_awaiting(legs, proofs, country),
        )
