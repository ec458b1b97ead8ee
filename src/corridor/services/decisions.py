"""Officers' decisions on a declaration: each one signed by the authority, written to the
shipment's ledger on this node, and sent to the shipment's node.

Overriding a red or yellow lane to a release without the check the lane asks for (a
physical inspection for red, a documentary check for yellow) needs a reason and a chief's
endorsement (services.endorsements): the examiner's release waits until a chief, another
person, endorses it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import issue
from corridor.exceptions import Conflict, InvalidInput
from corridor.exchange.delivery import DECISION, KIND, Outgoing, queue
from corridor.model import DocumentKind, Officer
from corridor.services import customs, targeting
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow
from corridor.store.tables import DecisionRow, DeclarationRow


class Action(StrEnum):
    """What an officer decides."""

    RELEASE = "release"
    DOCUMENTARY_PASSED = "documentary_passed"
    DOCUMENTARY_FAILED = "documentary_failed"
    INSPECTION = "inspection"
    HOLD = "hold"
    REQUEST_INFORMATION = "request_information"
    NOT_RELEASED = "not_released"


log = logging.getLogger("corridor.customs")
# The declaration's status after each action (final ones leave the queue).
STATUS = {
    "release": "released",
    "documentary_passed": "checked",
    "documentary_failed": "held",
    "inspection_clear": "inspected",
    "inspection_findings": "held",
    "hold": "held",
    "request_information": "information_requested",
    "not_released": "not_released",
    # The authority's leg ended (services.handover); the declaration stays released.
    "leg_ended": "released",
}
FINAL = frozenset({"released", "not_released"})
# The signed document each decision is carried in.
SIGNED_AS = {
    action: DocumentKind.CUSTOMS_RELEASE
    if action == "release"
    else DocumentKind.INSPECTION_ACT
    if action.startswith("inspection")
    else DocumentKind.LEG_END
    if action == "leg_ended"
    else DocumentKind.CUSTOMS_DECISION
    for action in STATUS
}


class Decision(BaseModel):
    """A decision taken (or waiting for a chief's endorsement)."""

    id: str
    declaration_id: str
    action: str
    status: str
    declaration_status: str
    officer: str
    endorsed_by: str | None
    # Why the chief endorsed or refused it.
    endorsement_reason: str | None = None
    document: str | None


def _needs_endorsement(s: Session, d: DeclarationRow, releaser: str) -> bool:
    """Whether releasing now overrides the lane: four eyes on every path that lets goods go.
    Only a check recorded by another officer counts (a red lane's physical inspection, a
    yellow lane's documentary check or inspection), and findings on record always need a
    chief to release past them."""
    done = s.execute(
        select(DecisionRow.action, DecisionRow.officer_id).where(
            DecisionRow.declaration_id == d.id, DecisionRow.status == "taken"
        )
    ).all()
    if any(action == "inspection_findings" for action, _ in done):
        return True
    by_another = {action for action, officer in done if officer != releaser}
    if d.channel == "red":
        return "inspection_clear" not in by_another
    if d.channel == "yellow":
        return not by_another & {"documentary_passed", "inspection_clear"}
    return False


def equipment_of(content: dict[str, Any]) -> list[dict[str, Any]]:
    """The containers (with their seals) the received data lists."""
    for kind in ("transit_declaration", "packing_list", "rail_consignment_note", "ferry_waybill"):
        found = content.get(kind, {}).get("equipment")
        if isinstance(found, list) and found:
            return [e for e in found if isinstance(e, dict) and e.get("number")]
    return []


def _sign(
    ctx: Context,
    s: Session,
    who: Officer,
    d: DeclarationRow,
    action: str,
    findings: str | None,
    decision_id: str,
    instructions: str,
    now: datetime,
) -> str:
    """The authority's signed document for the decision: a release, an inspection act, or
    a customs decision naming the action and what the trader is to do."""
    org = who.organisation
    office = str(d.assessment.get("office", org.country))
    number = f"{office}-{decision_id[:8].upper()}"
    if action == "release":
        kind = DocumentKind.CUSTOMS_RELEASE
        fields: dict[str, Any] = {
            "document_number": number,
            "issue_date": now.date().isoformat(),
            "office": office,
            "decision": "release",
            "procedure": d.procedure,
        }
    elif action.startswith("inspection"):
        equipment = equipment_of(customs.received(s, d))
        if not equipment:
            raise InvalidInput(
                "an inspection act names the containers inspected; the declaration received "
                "lists none"
            )
        kind = DocumentKind.INSPECTION_ACT
        fields = {
            "document_number": number,
            "issue_date": now.date().isoformat(),
            "office": office,
            "equipment": equipment,
            "result": "findings" if action == "inspection_findings" else "no_findings",
            **({"findings": findings} if findings else {}),
        }
    else:
        # Every other decision is signed too: a trader is shown only what an authority
        # signed, so nobody else can put a decision in its name.
        kind = DocumentKind.CUSTOMS_DECISION
        fields = {
            "document_number": number,
            "issue_date": now.date().isoformat(),
            "office": office,
            "procedure": d.procedure,
            "action": action,
            "instructions": instructions[:1000],
        }
    return issue(ctx.keys.ensure(s, org.id, now), org, kind, fields, now, d.shipment_id)


def take_effect(
    ctx: Context, s: Session, who: Officer, d: DeclarationRow, row: DecisionRow, now: datetime
) -> None:
    """Sign and ledger a decision, and send it to the shipment's node."""
    row.document = _sign(
        ctx, s, who, d, row.action, row.findings, row.id, _instructions(row, d.procedure), now
    )
    row.status = "taken"
    d.status = STATUS[row.action]
    d.updated_at = now
    org = who.organisation
    notify(ctx, s, d, row, now)
    ledger.append(
        s,
        ctx.keys.ensure(s, org.id, now),
        org.id,
        d.shipment_id,
        "customs_decision",
        {
            "decision": row.id,
            "action": row.action,
            "procedure": d.procedure,
            "channel": d.channel,
            "officer": row.officer_id,
            "endorsed_by": row.endorsed_by,
            "document": row.document is not None,
        },
        now,
    )


def _instructions(row: DecisionRow, procedure: str) -> str:
    """What the trader reads: the decision and what to do next (never a profile's reason)."""
    why = f": {row.reason}" if row.reason else ""
    return {
        "release": f"Released for {procedure}; the goods may proceed.",
        "not_released": f"Not released{why}. The movement ends here.",
        "hold": f"Held{why}. Wait for the office's next decision.",
        "request_information": f"Information requested{why}. Answer the office through your node.",
        "inspection_clear": "Inspected without findings; the signed inspection act is attached.",
        "inspection_findings": f"Inspected with findings: {row.findings}. Wait for the office's "
        "decision.",
        "documentary_passed": "Documentary check passed.",
        "documentary_failed": f"Documentary check failed{why}. Provide corrected documents.",
        "leg_ended": "This leg ended; its signed proof of end went to the next authority.",
    }[row.action]


def notify(ctx: Context, s: Session, d: DeclarationRow, row: DecisionRow, now: datetime) -> None:
    """Send the decision (its notice and the signed document, if any) back to the node that
    sent the pre-arrival data, through the exchange, inside the decision's transaction."""
    ex = ctx.exchange
    if ex is None:
        return
    sender = s.scalar(
        select(InboxRow.from_node)
        .where(
            InboxRow.shipment_id == d.shipment_id,
            InboxRow.procedure == d.procedure,
            InboxRow.kind == KIND,
        )
        .order_by(InboxRow.received_at.desc())
        .limit(1)
    )
    to = next((a for a in ex.directory.addresses() if a.node == sender), None)
    if to is None:
        log.warning("decision %s on %s: node %s is not in the directory", row.id, d.id, sender)
        return
    documents = {SIGNED_AS[row.action].value: row.document} if row.document else {}
    notice = {
        "action": row.action,
        "status": STATUS[row.action],
        "office": str(d.assessment.get("office", ""))[:16],
        "instructions": _instructions(row, d.procedure)[:1000],
        "at": now.isoformat(),
    }
    payload = {
        "shipment": d.shipment_id,
        "procedure": d.procedure,
        "crossing": d.crossing,
        "documents": documents,
        "notice": notice,
    }
    org = ex.node.organisation
    out = Outgoing(to, payload, d.procedure, None, sorted(documents))
    queue(s, ex.node, ctx.keys.ensure(s, org.id, now), org.id, d.shipment_id, out, now, DECISION)


def out(row: DecisionRow, d: DeclarationRow) -> Decision:
    return Decision(
        id=row.id,
        declaration_id=d.id,
        action=row.action,
        status=row.status,
        declaration_status=d.status,
        officer=row.officer_id,
        endorsed_by=row.endorsed_by,
        endorsement_reason=row.endorsement_reason,
        document=row.document,
    )


def decide(
    ctx: Context,
    who: Officer,
    declaration_id: str,
    action: Action,
    now: datetime,
    reason: str | None = None,
    findings: str | None = None,
) -> Decision:
    """Take a decision on a declaration in one transaction: the decision, the authority's
    signed document, the ledger entry and the notice to the shipment's node."""
    targeting.authority_of(ctx, who)
    action = Action(action)
    if action in (Action.NOT_RELEASED, Action.HOLD, Action.DOCUMENTARY_FAILED) and not reason:
        raise InvalidInput(f"a decision of {action.value!r} needs a reason the trader will read")
    stored = action.value
    if action is Action.INSPECTION:
        stored = "inspection_findings" if findings else "inspection_clear"
    with ctx.db.transaction() as s:
        d = customs.load(s, declaration_id)
        if d.status in FINAL:
            raise Conflict(f"declaration {d.id} is already {d.status}; no further decision")
        if d.status == "awaiting_endorsement":
            raise Conflict(
                f"declaration {d.id} has a release awaiting a chief's endorsement; endorse or "
                "refuse it first"
            )
        if action is Action.RELEASE:
            # The goods are accepted only once the previous leg is proved ended.
            waiting = customs.awaiting_proof(s, d, who.organisation.country)
            if waiting:
                raise Conflict(f"declaration {d.id} cannot be released: {waiting}")
        override = action is Action.RELEASE and _needs_endorsement(s, d, who.id)
        if override and not reason:
            raise InvalidInput(
                f"the declaration is in the {d.channel} lane without its check done by another "
                "officer (or with findings on record); releasing it needs a reason and a "
                "chief's endorsement"
            )
        row = DecisionRow(
            id=str(uuid.uuid4()),
            declaration_id=d.id,
            action=stored,
            officer_id=who.id,
            endorsed_by=None,
            reason=reason,
            findings=findings,
            document=None,
            status="awaiting_endorsement" if override else "taken",
            at=now,
        )
        s.add(row)
        s.flush()
        if override:
            d.status = "awaiting_endorsement"
            d.updated_at = now
            return out(row, d)
        take_effect(ctx, s, who, d, row, now)
        return out(row, d)
