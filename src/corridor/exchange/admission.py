"""Who may send what: a node accepts a statement only from the one party that may make it.

- **Pre-arrival data** for a shipment comes from one node only, the shipment's parties'
  node: the first to send it. Data from any other node is refused, so nobody can merge
  their own data into another authority's declaration.
- **A decision** on a shipment comes only from the sovereign node of an authority this node
  disclosed the shipment to, and only as a document that authority signed which proves the
  very decision the notice states. An unsigned notice, a notice from an off-route node, or a
  decision signed by another country's authority is refused and never shown to a trader.
- **A hand-over** (the proof that the previous leg ended) comes only from the authority of
  the leg before this node's own, as its signed proof of end, naming this node's country as
  the next, for a shipment whose pre-arrival data this node holds.
- **A request for a document** (a certificate of origin) is taken only by the node of the
  authority that signs for the country's issuing body, for goods of that country's origin,
  with fields that make the document it asks for.
- **The answer to a request** comes only from the node it was sent to, once, for a request
  this node sent: the document asked for, signed by the authority that node runs for the
  country asked, or a refusal with its reason.

Each refusal raises EnvelopeRejected with the reason `not_entitled`: it is logged with the
envelope id, and the sender's receipt says why.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, bindparam, select

from corridor.documents import VerifiedDocument
from corridor.documents.issuers import issuer_of, requested_kinds
from corridor.documents.kinds import SCHEMAS, SOVEREIGN
from corridor.exceptions import EnvelopeRejected
from corridor.exchange.envelope import Opened
from corridor.model import DocumentKind, Organisation, Role
from corridor.store.exchange_tables import InboxRow
from corridor.store.tables import LedgerEntryRow

NOT_ENTITLED = "not_entitled"
PRE_ARRIVAL = "pre-arrival"
DECISION = "decision"
HANDOVER = "handover"
REQUEST = "document-request"
ANSWER = "document-answer"
# The ledger entry a requesting node writes when it sends a request.
REQUESTED = f"{REQUEST}_sent"
# The kinds of envelope stored in a node's inbox (receipts and checkpoints are taken apart).
KINDS = frozenset({PRE_ARRIVAL, DECISION, HANDOVER, REQUEST, ANSWER})
MAX_LEGS = 20


class ChainStep(BaseModel):
    """One leg of the shipment's customs chain as the parties' node announces it with its
    pre-arrival data (read strictly: anything else refuses the envelope)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    index: int = Field(ge=0, lt=MAX_LEGS)
    regime: str = Field(pattern=r"^[a-z0-9-]{2,32}$")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    ends_in: str = Field(pattern=r"^[A-Z]{2}$")
    procedure: Literal["export", "transit", "import"]


def chain_of(payload: dict[str, Any], env_id: str) -> list[dict[str, Any]] | None:
    """The payload's chain, checked for shape (None when the sender sent none)."""
    raw = payload.get("chain")
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > MAX_LEGS:
        raise EnvelopeRejected("malformed", "the payload's chain is not a list of legs", env_id)
    try:
        steps = [ChainStep.model_validate(step) for step in raw]
    except ValidationError as exc:
        raise EnvelopeRejected(
            "malformed",
            f"a leg of the payload's chain is malformed: {exc.errors()[0]['msg']}",
            env_id,
        ) from None
    if [s.index for s in steps] != list(range(len(steps))):
        raise EnvelopeRejected("malformed", "the payload's chain is out of order", env_id)
    return [s.model_dump() for s in steps]


def _refuse(detail: str, env_id: str) -> EnvelopeRejected:
    return EnvelopeRejected(NOT_ENTITLED, detail, env_id)


# Asked of every envelope: built once, its compiled form cached by the engine.
_FIRST_SENDER = (
    select(InboxRow.from_node)
    .where(InboxRow.shipment_id == bindparam("shipment"), InboxRow.kind == PRE_ARRIVAL)
    .order_by(InboxRow.received_at, InboxRow.envelope_id)
    .limit(1)
)


def _first_sender(c: Connection, shipment: str) -> str | None:
    return c.scalar(_FIRST_SENDER, {"shipment": shipment})


def pre_arrival(c: Connection, shipment: str, from_node: str, env_id: str) -> None:
    """Refuse pre-arrival data for a shipment from any node but the one that sent it first."""
    first = _first_sender(c, shipment)
    if first is not None and first != from_node:
        raise _refuse(
            f"pre-arrival data for shipment {shipment} comes only from node {first!r}, the "
            f"shipment's parties' node; node {from_node!r} may not add to it",
            env_id,
        )


def _proves(doc: VerifiedDocument) -> str | None:
    """The decision a signed document proves."""
    d = doc.disclosed
    if doc.kind is DocumentKind.CUSTOMS_RELEASE:
        return "release"
    if doc.kind is DocumentKind.INSPECTION_ACT:
        return "inspection_findings" if d.get("result") == "findings" else "inspection_clear"
    if doc.kind is DocumentKind.CUSTOMS_DECISION:
        action = d.get("action")
        return action if isinstance(action, str) else None
    if doc.kind is DocumentKind.LEG_END:
        return "leg_ended"
    return None


def decision(
    c: Connection,
    shipment: str,
    from_node: str,
    sender: str,
    action: str,
    docs: dict[str, VerifiedDocument],
    env_id: str,
) -> None:
    """Refuse a decision unless it comes from an authority this node disclosed the shipment
    to, signed by that authority, proving the action its notice states."""
    disclosed_to = {
        body.get("to")
        for body in c.scalars(
            select(LedgerEntryRow.body).where(
                LedgerEntryRow.shipment_id == shipment, LedgerEntryRow.kind == "disclosed"
            )
        )
    }
    if from_node not in disclosed_to:
        raise _refuse(
            f"node {from_node!r} holds no leg of shipment {shipment}: its data was never "
            "disclosed to it, so it may not decide on it",
            env_id,
        )
    if not docs:
        raise _refuse("a decision must be a document its authority signed; none came", env_id)
    for kind, doc in docs.items():
        if doc.kind not in SOVEREIGN or doc.issuer.role != "customs":
            raise _refuse(f"a {kind} is not a customs authority's decision", env_id)
        if doc.issuer.id != sender:
            raise _refuse(
                f"the {kind} is signed by {doc.issuer.id!r}, not by the authority "
                f"{sender!r} whose node sent it",
                env_id,
            )
    if action not in {_proves(doc) for doc in docs.values()}:
        raise _refuse(
            f"the notice says {action!r} but no signed document proves that decision", env_id
        )


def handover(
    c: Connection,
    shipment: str,
    country: str,
    sender: str,
    docs: dict[str, VerifiedDocument],
    env_id: str,
) -> dict[str, Any]:
    """Check a hand-over against the pre-arrival data this node holds; returns the leg it
    proves ended."""
    proof = docs.get(DocumentKind.LEG_END.value)
    if proof is None or len(docs) != 1:
        raise _refuse("a hand-over carries exactly one signed proof of end", env_id)
    if proof.issuer.id != sender or proof.issuer.role != "customs":
        raise _refuse(
            f"the proof of end is signed by {proof.issuer.id!r}, not by the authority "
            f"{sender!r} whose node sent it",
            env_id,
        )
    d = proof.disclosed
    if d.get("next_country") != country:
        raise _refuse(
            f"the proof of end hands the goods to {d.get('next_country')!r}, not to {country}",
            env_id,
        )
    chains = [
        legs
        for legs in c.scalars(
            select(InboxRow.chain)
            .where(InboxRow.shipment_id == shipment, InboxRow.kind == PRE_ARRIVAL)
            .order_by(InboxRow.received_at, InboxRow.envelope_id)
        )
        if isinstance(legs, list)
    ]
    if not chains:
        raise _refuse(
            f"this node holds no pre-arrival data for shipment {shipment}, so it expects no "
            "leg to be handed to it",
            env_id,
        )
    legs: list[dict[str, Any]] = chains[-1]
    mine = [leg for leg in legs if leg["country"] == country]
    before = legs[mine[0]["index"] - 1] if mine and mine[0]["index"] > 0 else None
    signer = proof.issuer.country
    if before is None or before["country"] != signer or before["index"] != d.get("leg"):
        expected = f"leg {before['index']} ({before['country']})" if before else "no leg"
        raise _refuse(
            f"the proof ends leg {d.get('leg')}, signed in {signer}; the leg before "
            f"{country}'s own is {expected}",
            env_id,
        )
    return dict(before)


class Requested(BaseModel):
    """What a request for a document asks of the issuing body's node (read strictly)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    kind: str = Field(pattern=r"^[a-z_]{2,40}$")
    reference: str = Field(min_length=1, max_length=64)
    fields: dict[str, Any]


def request(runs: Organisation, payload: dict[str, Any], env_id: str) -> dict[str, Any]:
    """Check a request for a document against what the body this node signs for issues;
    returns what was asked (kind, the shipment's reference, the fields asked for)."""
    try:
        asked = Requested.model_validate(payload.get("request"))
    except ValidationError as exc:
        raise EnvelopeRejected(
            "malformed", f"the request is malformed: {exc.errors()[0]['msg']}", env_id
        ) from None
    try:
        kind = DocumentKind(asked.kind)
    except ValueError:
        raise EnvelopeRejected("malformed", f"no document kind {asked.kind!r}", env_id) from None
    country = runs.country
    if (
        kind not in requested_kinds()
        or runs.role is not Role.CUSTOMS
        or issuer_of(kind, country) is None
    ):
        raise _refuse(
            f"this node signs for no body that issues a {kind.value} in {country}", env_id
        )
    try:
        draft = SCHEMAS[kind].model_validate(asked.fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise EnvelopeRejected(
            "malformed",
            f"the fields asked for do not make a {kind.value}: {where}: {first['msg']}",
            env_id,
        ) from None
    origin = getattr(draft, "country_of_origin", country)
    if origin != country:
        raise _refuse(
            f"goods of {origin} origin: their {kind.value} is issued in {origin}, not in {country}",
            env_id,
        )
    return {"kind": kind.value, "reference": asked.reference, "fields": asked.fields}


class Answered(BaseModel):
    """An issuing body's answer to a request (read strictly)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    answers: str = Field(min_length=1, max_length=64)
    outcome: Literal["issued", "refused"]
    reason: str | None = Field(default=None, min_length=1, max_length=500)


def answer(
    c: Connection,
    shipment: str,
    env: Opened,
    docs: dict[str, VerifiedDocument],
) -> dict[str, Any]:
    """Check an answer against the request this node sent; returns the answer with the
    kind and country asked."""
    try:
        said = Answered.model_validate(env.payload.get("answer"))
    except ValidationError as exc:
        raise EnvelopeRejected(
            "malformed", f"the answer is malformed: {exc.errors()[0]['msg']}", env.id
        ) from None
    sent = [
        body
        for body in c.scalars(
            select(LedgerEntryRow.body).where(
                LedgerEntryRow.shipment_id == shipment, LedgerEntryRow.kind == REQUESTED
            )
        )
        if body.get("envelope") == said.answers
    ]
    if not sent:
        raise _refuse(
            f"it answers {said.answers!r}, which is no request this node sent for shipment "
            f"{shipment}",
            env.id,
        )
    asked = sent[0]
    if asked.get("to") != env.from_node:
        raise _refuse(
            f"the request went to node {asked.get('to')!r}; node {env.from_node!r} may not "
            "answer it",
            env.id,
        )
    earlier = c.scalars(
        select(InboxRow.content).where(InboxRow.shipment_id == shipment, InboxRow.kind == ANSWER)
    )
    if any(content.get("answer", {}).get("answers") == said.answers for content in earlier):
        raise EnvelopeRejected("replayed", "this request was answered already", env.id)
    kind, country = asked.get("kind"), asked.get("country")
    if said.outcome == "refused":
        if docs or said.reason is None:
            raise _refuse("a refusal carries its reason and no document", env.id)
    else:
        doc = docs.get(str(kind))
        if doc is None or len(docs) != 1:
            raise _refuse(f"the answer must carry the {kind} asked for, and only it", env.id)
        issuer = doc.issuer
        if issuer.id != env.sender or issuer.role != "customs" or issuer.country != country:
            raise _refuse(
                f"the {kind} is signed by {issuer.id!r} ({issuer.role}, {issuer.country}), not "
                f"by the authority of {country} whose node was asked",
                env.id,
            )
    return {**said.model_dump(), "kind": kind, "country": country}


def admit(
    c: Connection,
    runs: Organisation,
    env: Opened,
    verified: dict[str, VerifiedDocument],
    content: dict[str, Any],
) -> None:
    """Refuse, inside the storing transaction, what the sender may not say; a hand-over's
    leg goes into `content` under "leg", a request's ask under "request", an answer under
    "answer". `runs` is the organisation that runs the receiving node."""
    shipment = env.payload["shipment"]
    if env.kind == PRE_ARRIVAL:
        pre_arrival(c, shipment, env.from_node, env.id)
    elif env.kind == DECISION:
        action = content["notice"]["action"]
        decision(c, shipment, env.from_node, env.sender, action, verified, env.id)
    elif env.kind == REQUEST:
        if verified:
            raise _refuse("a request carries no document", env.id)
        content["request"] = request(runs, env.payload, env.id)
    elif env.kind == ANSWER:
        content["answer"] = answer(c, shipment, env, verified)
    else:
        content["leg"] = handover(c, shipment, runs.country, env.sender, verified, env.id)
