"""Documents only a country's designated body issues (a certificate of origin): the shipper
asks the node that signs for that body and follows its request; there, the authority's
officers see what is asked, then issue the document from a form or refuse with a reason. The
answer travels back as an envelope that the shipper's node admits only from the node asked
(`corridor.exchange.admission`) and files with the shipment (`corridor.exchange.filing`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import issue
from corridor.documents.issuers import Issuer, issuer_of, requested_kinds
from corridor.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from corridor.exchange.admission import ANSWER, REQUEST, REQUESTED
from corridor.exchange.delivery import Outgoing, queue
from corridor.exchange.envelope import NodeAddress
from corridor.model import DocumentKind, Officer, Organisation, Role, ShipmentDraft
from corridor.services import drafting, targeting
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow, OutboxRow

__all__ = [
    "WAITING",
    "Asked",
    "RequestState",
    "Requestable",
    "answer",
    "ask",
    "asked",
    "requestable",
    "requests",
    "waiting",
]

# What the issuing node writes to its ledger when it answers.
ANSWERED = f"{ANSWER}_sent"
_ASKERS = {Role.SHIPPER, Role.FORWARDER}
# The states of a request that still waits for its answer.
WAITING = frozenset({"queued", "sent", "delivered"})


class Requestable(BaseModel):
    """A kind the caller may ask for: the body that issues it and the node that signs for it."""

    kind: DocumentKind
    country: str
    issuer: Issuer
    node: str


class RequestState(BaseModel):
    """Where a request stands, as the shipper reads it."""

    envelope_id: str
    kind: DocumentKind
    country: str
    node: str
    asked_at: datetime
    # queued | sent | delivered | refused by the node | issued | refused
    state: str
    reason: str | None = None


class Asked(BaseModel):
    """A request as the issuing authority's officers see it."""

    envelope_id: str
    from_node: str
    shipment_id: str
    kind: DocumentKind
    reference: str
    fields: dict[str, Any]
    received_at: datetime


def _when(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def _origin(draft: ShipmentDraft) -> str:
    return str(draft.goods[0].origin_country)


def requestable(ctx: Context, who: Organisation, draft: ShipmentDraft) -> list[Requestable]:
    """The kinds the caller may ask another node for: issued only by a designated body of
    the goods' country of origin, which this node does not sign for, and whose node is in
    the corridor's directory."""
    if ctx.exchange is None or who.role not in _ASKERS:
        return []
    country = _origin(draft)
    here = ctx.exchange.node.organisation
    if here.role is Role.CUSTOMS and here.country == country:
        return []  # this node signs for the body itself
    nodes = [a for a in ctx.exchange.authorities() if a.country == country]
    out = []
    for kind in sorted(requested_kinds()):
        found = issuer_of(kind, country)
        if found is not None and nodes:
            out.append(Requestable(kind=kind, country=country, issuer=found, node=nodes[0].node))
    return out


def _address(ctx: Context, node: str) -> NodeAddress:
    found = [a for a in ctx.running_exchange().directory.addresses() if a.node == node]
    if not found:
        raise NotFound(f"node {node!r} is not in the corridor's directory")
    return found[0]


def _sent(s: Session, shipment_id: str) -> list[ledger.Entry]:
    return [e for e in ledger.entries(s, shipment_id) if e.kind == REQUESTED]


def _answers(s: Session, shipment_id: str) -> dict[str, dict[str, Any]]:
    """The answers this node received for a shipment's requests, by request."""
    rows = s.scalars(
        select(InboxRow.content).where(InboxRow.shipment_id == shipment_id, InboxRow.kind == ANSWER)
    )
    return {c["answer"]["answers"]: c["answer"] for c in rows if "answer" in c}


def ask(
    ctx: Context, who: Organisation, shipment_id: str, kind: DocumentKind, now: datetime
) -> str:
    """Ask the node that signs for the issuing body of the goods' origin for a `kind`, with
    the fields the shipment tells (parties, goods): one envelope, sealed to that node, with
    its ledger entry. Returns the request's envelope id."""
    if who.role not in _ASKERS:
        raise PermissionDenied("the shipper or its forwarder asks for a certificate")
    ex = ctx.running_exchange()
    fields = drafting.prefill(ctx, who, shipment_id, kind, now.date())
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        draft = ShipmentDraft.model_validate(row.payload)
        offer = {r.kind: r for r in requestable(ctx, who, draft)}.get(kind)
        if offer is None:
            raise InvalidInput(
                f"a {kind.value} for goods of {_origin(draft)} origin is not asked from another "
                "node: no issuing body of that country is in the data, or no node signs for it",
            )
        answered = _answers(s, shipment_id)
        for e in _sent(s, shipment_id):
            waiting = e.body.get("kind") == kind.value and e.body["envelope"] not in answered
            if waiting:
                raise Conflict(
                    f"a request for a {kind.value} was sent at {_when(e.at)} and is not "
                    "answered yet; wait for its answer"
                )
        payload = {
            "shipment": shipment_id,
            "procedure": "export",
            "documents": {},
            "request": {
                "kind": kind.value,
                "reference": draft.reference,
                "fields": to_jsonable_python(fields),
            },
        }
        out = Outgoing(_address(ctx, offer.node), payload, "export", None, [])
        signer = ctx.keys.ensure(s, who.id, now)
        note = {"kind": kind.value, "country": offer.country}
        return queue(s, ex.node, signer, who.id, shipment_id, out, now, REQUEST, note=note)


def requests(ctx: Context, who: Organisation, shipment_id: str) -> list[RequestState]:
    """The shipment's requests for documents and where each stands, oldest first."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        sent = _sent(s, shipment_id)
        answered = _answers(s, shipment_id)
        ids = [str(e.body["envelope"]) for e in sent]
        rows = {r.id: r for r in s.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids)))}
        out = []
        for e in sent:
            env_id = str(e.body["envelope"])
            got, row = answered.get(env_id), rows.get(env_id)
            state, reason = "queued", None
            if got is not None:
                state, reason = got["outcome"], got.get("reason")
            elif row is not None and row.receipt_status == "refused":
                state, reason = "refused by the node", row.receipt_reason
            elif row is not None and row.receipt_status == "stored":
                state = "delivered"
            elif row is not None and row.sent_at is not None:
                state = "sent"
            out.append(
                RequestState(
                    envelope_id=env_id,
                    kind=DocumentKind(e.body["kind"]),
                    country=str(e.body["country"]),
                    node=str(e.body["to"]),
                    asked_at=datetime.fromtimestamp(e.at, UTC),
                    state=state,
                    reason=reason,
                )
            )
        return out


def _asked(row: InboxRow) -> Asked:
    request = row.content["request"]
    return Asked(
        envelope_id=row.envelope_id,
        from_node=row.from_node,
        shipment_id=row.shipment_id,
        kind=DocumentKind(request["kind"]),
        reference=request["reference"],
        fields=request["fields"],
        received_at=row.received_at,
    )


def waiting(ctx: Context, officer: Officer) -> list[Asked]:
    """The requests this node's authority has not answered, oldest first."""
    targeting.authority_of(ctx, officer)
    with ctx.db.transaction() as s:
        rows = s.scalars(
            select(InboxRow)
            .where(InboxRow.kind == REQUEST)
            .order_by(InboxRow.received_at, InboxRow.envelope_id)
        ).all()
        done = _answered_ids(s, [r.shipment_id for r in rows])
        return [_asked(r) for r in rows if r.envelope_id not in done]


def _answered_ids(s: Session, shipments: list[str]) -> set[str]:
    return {
        str(e.body.get("answers"))
        for shipment in set(shipments)
        for e in ledger.entries(s, shipment)
        if e.kind == ANSWERED
    }


def _load(s: Session, envelope_id: str) -> InboxRow:
    row = s.scalar(
        select(InboxRow).where(InboxRow.envelope_id == envelope_id, InboxRow.kind == REQUEST)
    )
    if row is None:
        raise NotFound(f"no request {envelope_id!r} reached this node")
    return row


def asked(ctx: Context, officer: Officer, envelope_id: str) -> Asked:
    """One request, for the issuing form."""
    targeting.authority_of(ctx, officer)
    with ctx.db.transaction() as s:
        return _asked(_load(s, envelope_id))


def answer(
    ctx: Context,
    officer: Officer,
    envelope_id: str,
    now: datetime,
    fields: dict[str, Any] | None = None,
    reason: str | None = None,
) -> str:
    """Answer a request: issue the document with `fields` (as the officer checked and
    completed them), signed with the authority's key, or refuse it for `reason`. One
    envelope back to the node that asked, with the ledger entry; returns its id."""
    org = targeting.authority_of(ctx, officer)
    ex = ctx.running_exchange()
    if fields is None and not reason:
        raise InvalidInput("a refusal needs its reason; the shipper reads it")
    with ctx.db.transaction() as s:
        row = _load(s, envelope_id)
        if envelope_id in _answered_ids(s, [row.shipment_id]):
            raise Conflict(f"request {envelope_id} was answered already")
        kind = DocumentKind(row.content["request"]["kind"])
        signer = ctx.keys.ensure(s, org.id, now)
        documents: dict[str, str] = {}
        said: dict[str, Any] = {"answers": envelope_id, "outcome": "refused", "reason": reason}
        if fields is not None:
            documents[kind.value] = issue(signer, org, kind, fields, now, row.shipment_id)
            said = {"answers": envelope_id, "outcome": "issued", "reason": None}
        payload = {
            "shipment": row.shipment_id,
            "procedure": "export",
            "documents": documents,
            "answer": said,
        }
        out = Outgoing(_address(ctx, row.from_node), payload, "export", None, sorted(documents))
        note = {"answers": envelope_id, "outcome": said["outcome"], "officer": officer.id}
        return queue(s, ex.node, signer, org.id, row.shipment_id, out, now, ANSWER, note=note)
