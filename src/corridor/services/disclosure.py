"""Pre-arrival data: disclosing a shipment to the authorities on its route, the inbox of
an authority's node, the corridor directory, and running a node's exchange."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.customs import chain
from corridor.documents import MEDIA_TYPE, Signer, verify
from corridor.exceptions import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    VerificationFailed,
)
from corridor.exchange.bus import Bus, InProcessBus
from corridor.exchange.delivery import DECISION, envelopes_for, queue
from corridor.exchange.directory import Directory
from corridor.exchange.envelope import box_key
from corridor.exchange.jetstream import NatsBus
from corridor.exchange.node import LocalNode
from corridor.exchange.policy import shipped_policy
from corridor.exchange.runtime import Exchange
from corridor.model import DocumentKind, Organisation, Role, ShipmentDraft
from corridor.network import Route
from corridor.services import arrival, federation, idempotency, organisations
from corridor.services.access import visible
from corridor.services.context import Context
from corridor.store.exchange_tables import InboxRow, OutboxRow
from corridor.store.tables import DocumentRow


class InboxItem(BaseModel):
    """Pre-arrival data this node's authority received."""

    envelope_id: str
    from_node: str
    sender: str
    shipment_id: str
    procedure: str
    content: dict[str, Any]
    received_at: datetime


class DirectoryEntry(BaseModel):
    """A node in the corridor directory."""

    node: str
    country: str
    organisation_id: str
    box_public: str


def local_node(ctx: Context, node_id: str, org_id: str, now: datetime) -> LocalNode:
    """This node as a national node run by `org_id` (its signing and encryption keys are
    made if it has none)."""
    with ctx.db.transaction() as s:
        operator = organisations.load(s, org_id)
        if operator is None:
            raise InvalidInput(
                f"no organisation {org_id!r} is registered on this node to run it",
                hint="list_organisations",
            )
        signer = ctx.keys.ensure(s, org_id, now)
    box = box_key(ctx.settings.data_dir / "keys" / "_node")
    return LocalNode(node_id, operator, ctx.db, box, signer, ctx.keys.trust_list)


def start_exchange(
    ctx: Context,
    node_id: str,
    org_id: str | None,
    nats_url: str | None,
    now: datetime,
    *,
    roots: Path,
    certificate: Path,
    bus: Bus | None = None,
) -> Exchange:
    """Make this node a national node run by `org_id`: its exchange over NATS JetStream
    (`nats_url`) or the in-process bus, trusting what the pinned `roots` allow, under its
    `certificate`. The loop starts with the server. A national node holds the signing keys
    of the organisations it hosts, and a customs authority's only on that authority's own
    node."""
    if not org_id:
        raise InvalidInput("a national node needs the organisation that runs it")
    node = local_node(ctx, node_id, org_id, now)
    pinned = federation.read_roots(roots)
    cert = federation.read_certificate(certificate)
    certified = federation.check_certificate(ctx, pinned, cert, node_id, node.organisation)

    def guard(org: str, role: str) -> None:
        if role == Role.CUSTOMS.value and not (certified.sovereign and org == node.organisation.id):
            raise PermissionDenied(
                f"the signing keys of the customs authority {org!r} are held only on its own "
                "node, not on this one"
            )
        if org not in certified.members:
            raise PermissionDenied(
                f"{org!r} is not hosted on this node: its certificate names "
                f"{', '.join(sorted(certified.members))}; ask the authority for a new one"
            )

    ctx.keys.guard = guard
    # NATS connects on first use, inside the server's event loop.
    carrier: Bus = bus or (
        NatsBus(
            url=nats_url,
            replicas=ctx.settings.nats_replicas,
            node=node_id,
            nkey_seed=ctx.settings.nats_nkey,
        )
        if nats_url
        else InProcessBus()
    )
    ctx.exchange = Exchange(
        node,
        carrier,
        Directory(pinned),
        own=lambda: federation.own_statements(ctx, node_id, cert),
        own_version=lambda: federation.own_version(ctx),
        cache_path=ctx.settings.data_dir / "directory.json",
        clock=ctx.clock,
        hosted=frozenset(certified.members),
    )
    return ctx.exchange


def disclose(
    ctx: Context,
    who: Organisation,
    shipment_id: str,
    now: datetime,
    idempotency_key: str | None = None,
) -> list[str]:
    """Queue each route authority's entitled pre-arrival data, sealed to its node, with a
    ledger entry each, in one transaction; the exchange loop sends them. Returns the
    envelope ids."""
    ex = ctx.running_exchange()
    others = ex.authorities()
    # Once it moves, each authority ahead is told the live arrival estimate, not the plan's.
    arrivals = arrival.live_arrivals(ctx, who, shipment_id, now)
    with ctx.db.transaction() as s:
        row = visible(s, who.id, shipment_id)
        request = {"shipment": shipment_id}
        first = idempotency.claim(s, who.id, idempotency_key, "disclose", request, now)
        if first is not None:
            return [str(e) for e in first["envelopes"]]
        tokens = {
            DocumentKind(d.kind): d.content.decode("ascii")
            for d in s.scalars(
                select(DocumentRow)
                .where(DocumentRow.shipment_id == shipment_id, DocumentRow.media_type == MEDIA_TYPE)
                .order_by(DocumentRow.created_at, DocumentRow.id)
            )
        }
        draft = ShipmentDraft.model_validate(row.payload)
        route = Route.model_validate(row.route)
        report = ctx.engine.check(draft, route, set(tokens), draft.departure or now)
        signer = ctx.keys.ensure(s, who.id, now)
        legs = chain.work_out(route, ctx.network, report.departure)
        plans = envelopes_for(
            shipment_id, route, ctx.network, tokens, report, others, shipped_policy(), arrivals
        )
        # Each authority learns the chain's shape (regime, country, procedure per leg): what
        # it needs to know whose proof of end to expect, and nothing about the parties.
        steps = [
            {
                "index": leg.index,
                "regime": leg.regime,
                "country": leg.country,
                "ends_in": leg.ends_in,
                "procedure": leg.procedure,
            }
            for leg in legs
        ]
        plans = [replace(p, payload={**p.payload, "chain": steps}) for p in plans]
        # A transit authority hears from the holder of its procedure (the transit
        # declaration's signer, where this node hosts it), never from the consignor that
        # may run this node.
        holder = _holder(ctx, s, tokens, now)
        transit = sorted({p.to.country for p in plans if p.procedure == "transit"})
        if transit and holder is None and ex.node.organisation.id == draft.consignor:
            raise InvalidInput(
                f"the transit authorities on the route ({', '.join(transit)}) hear from the "
                "holder of the transit procedure, never from the consignor that runs this "
                "node: attach the transit declaration signed by its holder (an organisation "
                "hosted on this node) before sending the pre-arrival data"
            )
        sent = [
            queue(
                s,
                ex.node,
                signer,
                who.id,
                shipment_id,
                p,
                now,
                speaker=holder if p.procedure == "transit" else None,
            )
            for p in plans
        ]
        idempotency.record(s, who.id, idempotency_key, {"envelopes": sent})
        return sent


def _holder(
    ctx: Context, s: Session, tokens: dict[DocumentKind, str], now: datetime
) -> tuple[str, Signer] | None:
    """The organisation that signed the transit declaration and its key, if this node
    hosts it."""
    token = tokens.get(DocumentKind.TRANSIT_DECLARATION)
    if token is None:
        return None
    try:
        # Its signer is hosted here: this node's own keys vouch for it, even before the
        # corridor's directory carries a key made a moment ago.
        issuer = verify(token, ctx.keys.trust_list(), now).issuer.id
        return issuer, ctx.keys.ensure(s, issuer, now)
    except (VerificationFailed, PermissionDenied, NotFound):
        return None


def clock_warning(ctx: Context) -> str | None:
    """Why envelopes sent now may come back refused for the clock (this node's clock is off
    its peers'), or None."""
    return None if ctx.exchange is None else ctx.exchange.node.clock_warning()


def answers(ctx: Context, who: Organisation, shipment_id: str) -> dict[str, str]:
    """Where this shipment's latest disclosure to each authority's node stands: 'queued'
    (not yet on the bus), 'sent, not yet answered', 'held: <why>' (made ahead of a clock,
    taken in once the clocks agree), 'stored' or 'refused: <reason>'."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        envelopes = [
            str(e.body["envelope"])
            for e in ledger.entries(s, shipment_id)
            if e.kind == "disclosed" and "envelope" in e.body
        ]
        out: dict[str, str] = {}
        for row in s.scalars(
            select(OutboxRow)
            .where(OutboxRow.id.in_(envelopes))
            .order_by(OutboxRow.created_at, OutboxRow.id)
        ):
            out[row.to_node] = _answer(row)
        return out


def _answer(row: OutboxRow) -> str:
    """Where one envelope stands, as its sender reads it."""
    if row.receipt_status in ("refused", "held"):
        return f"{row.receipt_status}: {row.receipt_reason}"
    if row.receipt_status:
        return row.receipt_status
    return "queued" if row.sent_at is None else "sent, not yet answered"


def inbox(ctx: Context, who: Organisation, shipment_id: str | None = None) -> list[InboxItem]:
    """Pre-arrival data this node received; only the authority that runs it may read it."""
    if who.id != ctx.running_exchange().node.organisation.id:
        raise PermissionDenied("only the authority that runs this node reads its inbox")
    with ctx.db.transaction() as s:
        query = select(InboxRow).order_by(InboxRow.received_at, InboxRow.envelope_id)
        if shipment_id is not None:
            query = query.where(InboxRow.shipment_id == shipment_id)
        return [InboxItem.model_validate(r, from_attributes=True) for r in s.scalars(query)]


def directory(ctx: Context) -> list[DirectoryEntry]:
    """The corridor's nodes and their public encryption keys (public)."""
    return [DirectoryEntry(**asdict(a)) for a in ctx.running_exchange().directory.addresses()]


class CustomsNotice(BaseModel):
    """A customs authority's decision on a shipment, as its parties receive it."""

    from_node: str
    procedure: str
    action: str
    status: str
    office: str | None
    instructions: str | None
    documents: list[str]
    received_at: datetime


def customs_decisions(ctx: Context, who: Organisation, shipment_id: str) -> list[CustomsNotice]:
    """The decisions the route's authorities sent back for a shipment the caller is party
    to, oldest first, with the signed documents (verified on receipt) they carried."""
    with ctx.db.transaction() as s:
        visible(s, who.id, shipment_id)
        rows = s.scalars(
            select(InboxRow)
            .where(InboxRow.shipment_id == shipment_id, InboxRow.kind == DECISION)
            .order_by(InboxRow.received_at, InboxRow.envelope_id)
        )
        out = []
        for r in rows:
            notice = r.content.get("notice", {})
            out.append(
                CustomsNotice(
                    from_node=r.from_node,
                    procedure=r.procedure,
                    action=notice.get("action", ""),
                    status=notice.get("status", ""),
                    office=notice.get("office"),
                    instructions=notice.get("instructions"),
                    documents=sorted(k for k in r.content if k != "notice"),
                    received_at=r.received_at,
                )
            )
        return out
