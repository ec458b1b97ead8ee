"""The demo: seed the demo corridor on a node, walk its shipment from Dostyk to Constanța,
and send its pre-arrival data to separate national nodes, through the same services every
door uses. The data it walks with is in `corridor.demo.story`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from corridor import ledger as ledger_mod
from corridor.demo import customs as demo_customs
from corridor.demo import tracking as demo_tracking
from corridor.demo.nodes import (
    Corridor,
    demo_roots,
    join,
    national_node,
    register_directory,
)
from corridor.demo.story import (
    COMPLETING,
    DEMO,
    ISSUED_BY,
    NATIONAL_NODES,
    OPERATOR,
    ORGANISATIONS,
    PLAIN_PAPERS,
    SHIPPER_NODE,
    Story,
    demo_grn,
    documents_for,
    draft,
)
from corridor.documents import MEDIA_TYPE, Verdict
from corridor.exceptions import PermissionDenied
from corridor.model import DocumentKind, Organisation, Role
from corridor.rules import ReadinessReport
from corridor.services import (
    credentials,
    disclosure,
    inbound,
    keys,
    ledgers,
    papers,
    readiness,
    shipments,
    timeline,
)
from corridor.services.context import NODE_ADMIN, Context
from corridor.services.shipments import Event, Shipment

__all__ = [
    "COMPLETING",
    "DEMO",
    "ISSUED_BY",
    "NATIONAL_NODES",
    "OPERATOR",
    "ORGANISATIONS",
    "PLAIN_PAPERS",
    "SHIPPER_NODE",
    "Corridor",
    "DemoRun",
    "Exchanged",
    "Story",
    "Walk",
    "demo_roots",
    "documents_for",
    "draft",
    "exchange",
    "join",
    "keys_file",
    "live_corridor",
    "national_node",
    "officer_keys",
    "register_directory",
    "run",
    "seed",
    "walk",
]


def keys_file(data_dir: Path) -> Path:
    """Where the demo's API keys are kept (owner-only permissions)."""
    return data_dir / "demo-keys.json"


def seed(ctx: Context, now: datetime, story: Story = DEMO) -> dict[str, str]:
    """Register the story's organisations that are missing, give each one hosted here a signing
    key (the customs authorities are not hosted here), and return every demo API key.

    Keys are stored hashed; their secrets are kept in an owner-only file in the data
    directory so that `make run` can print them again.
    """
    path = keys_file(ctx.settings.data_dir)
    api_keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    register_directory(ctx, now, story)
    for org in story.organisations:
        if org.id not in api_keys:
            api_keys[org.id] = credentials.issue_key(ctx, NODE_ADMIN, org.id, "demo", now).key
        # A customs authority's keys live on its own national node only; a national node
        # holds the keys of the organisations its certificate says it hosts.
        if org.role not in (Role.OPERATOR, Role.CUSTOMS):
            with contextlib.suppress(PermissionDenied):
                keys.ensure_key(ctx, NODE_ADMIN, org.id, now)
    ctx.settings.data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(api_keys, fh, indent=2)
    return api_keys


@dataclass
class Walk:
    """The demo shipment, its readiness before and after the papers are complete, and its
    timeline."""

    shipment: Shipment
    tokens: dict[DocumentKind, str]
    incomplete: ReadinessReport
    complete: ReadinessReport
    timeline: list[Event]
    ledger: list[ledger_mod.Entry]


def walk(
    ctx: Context,
    now: datetime,
    reference: str | None = None,
    authorities: Corridor | None = None,
    story: Story = DEMO,
) -> Walk:
    """Submit the demo shipment, attach its papers and record its journey leg by leg.

    Papers of an authority (the certificate of origin) are signed on that authority's own
    national node in `authorities` (the story's corridor, made under the data folder if not
    given), and this node pins the corridor directory that vouches for them. Times after
    submission are planned from the network's typical leg and dwell times.
    """
    own_corridor = authorities is None
    corridor = authorities or Corridor.open(ctx.settings.data_dir / "nodes", now, story=story)
    try:
        return _walk(ctx, now, reference, corridor)
    finally:
        if own_corridor:
            corridor.close()


def _walk(ctx: Context, now: datetime, reference: str | None, corridor: Corridor) -> Walk:
    # This node trusts what the authorities' nodes vouch for (their papers count here).
    corridor.pin_on(ctx)
    story = corridor.story
    orgs = {o.id: o for o in story.organisations}
    shipper = orgs[story.shipper]
    ref = reference or f"DEMO-{now:%Y%m%d-%H%M%S}"
    shipment = shipments.submit(ctx, shipper, story.draft(ref), now)
    fields = story.papers(shipment)
    tokens: dict[DocumentKind, str] = {}

    def sign(kind: DocumentKind) -> None:
        issuer = orgs[story.issued_by[kind]]
        if issuer.id == shipper.id:
            tokens[kind] = papers.issue_signed(
                ctx, shipper, shipment.id, kind, fields[kind], now
            ).token
            return
        # Others sign for the shipper, who holds the file and attaches their papers; an
        # authority signs on its own node.
        where = corridor.node_of(issuer) if issuer.role is Role.CUSTOMS else ctx
        tokens[kind] = papers.sign(where, issuer, kind, fields[kind], now, shipment.id)
        papers.attach(
            ctx,
            shipper,
            shipment.id,
            kind,
            f"{kind.value}.sd-jwt",
            MEDIA_TYPE,
            tokens[kind].encode("ascii"),
            now,
        )

    sign(DocumentKind.COMMERCIAL_INVOICE)
    sign(DocumentKind.PACKING_LIST)
    incomplete = readiness.check(ctx, shipper, shipment.id, now)
    for kind, _ in story.completing:
        if kind in fields:
            sign(kind)
        else:
            # A bank guarantee, a CBAM authorisation or a mill certificate is not one of
            # the corridor's signed kinds: a plain file.
            body = {"kind": kind.value, "shipment": ref, **story.plain_papers[kind]}
            if kind is DocumentKind.TRANSIT_GUARANTEE:
                # The guarantee the holder's transit declaration names, valid for a year.
                body["grn"] = demo_grn(ref)
                body["valid_until"] = (now + timedelta(days=365)).date().isoformat()
            # Attached by the party that provides it (the holder its guarantee, the
            # importer its CBAM authorisation): from anyone else it would not count.
            papers.attach(
                ctx,
                orgs[story.issued_by.get(kind, story.shipper)],
                shipment.id,
                kind,
                f"{kind.value}.json",
                "application/json",
                json.dumps(body).encode(),
                now,
            )
    complete = readiness.check(ctx, shipper, shipment.id, now)
    demo_tracking.walk(ctx, orgs, story.carriers, shipment, now + timedelta(hours=2), now)
    return Walk(
        shipment,
        tokens,
        incomplete,
        complete,
        timeline.read(ctx, shipper, shipment.id),
        ledgers.shipment(ctx, shipper, shipment.id).entries,
    )


@dataclass
class Exchanged:
    """What each national node received for the demo shipment, and what the bus carried."""

    received: dict[str, dict[str, list[str]]]
    procedures: dict[str, str]
    envelopes: int
    bus_bytes: int
    answers: dict[str, str]


async def exchange(ctx: Context, shipment_id: str, now: datetime, corridor: Corridor) -> Exchanged:
    """Send the shipment's pre-arrival data from this (the shipper's) node to the corridor's
    national nodes, through the same disclosure and exchange as `serve`: this node joins the
    corridor as node 'shipper', certified by the Kazakh root."""
    story = corridor.story
    orgs = {o.id: o for o in story.organisations}
    sender = ctx.exchange or join(
        ctx, story.shipper_node, story.shipper, now, corridor.root, corridor.bus, story
    )
    await sender.publish()
    await corridor.sync()
    await sender.refresh()
    sent = disclosure.disclose(ctx, orgs[story.shipper], shipment_id, now)
    await sender.step()
    received: dict[str, dict[str, list[str]]] = {}
    procedures: dict[str, str] = {}
    for name, node in corridor.nodes.items():
        assert node.exchange is not None
        await inbound.turn(node)
        items = disclosure.inbox(node, orgs[story.national_nodes[name]], shipment_id)
        received[name] = {k: sorted(v) for item in items for k, v in item.content.items()}
        if items:
            procedures[name] = items[0].procedure
    # Each authority's node answers with a signed receipt; the shipper's node takes them in.
    for node in corridor.nodes.values():
        assert node.exchange is not None
        await inbound.turn(node)
    await sender.step()
    answers = disclosure.answers(ctx, orgs[story.shipper], shipment_id)
    carried = getattr(corridor.bus, "published", [])
    return Exchanged(received, procedures, len(sent), sum(len(b) for b in carried), answers)


@dataclass
class DemoRun:
    """The whole demo: the walk, each signed paper's verdict, the printed invoice and its
    verdict read back from the PDF, and the exchange with the national nodes."""

    walk: Walk
    verdicts: dict[DocumentKind, Verdict]
    invoice_pdf: Path
    pdf_verdict: Verdict
    exchanged: Exchanged
    customs: demo_customs.CustomsWalk
    # The demo shipment's shipper, as its party on this node.
    shipper: Organisation


def run(ctx: Context, now: datetime) -> DemoRun:
    """Seed the demo corridor, walk one shipment, verify and print its papers, and send its
    pre-arrival data to the national nodes, whose officers decide at every border."""
    seed(ctx, now)
    corridor = Corridor.open(ctx.settings.data_dir / "nodes", now)
    try:
        walked = walk(ctx, now, authorities=corridor)
        exchanged = asyncio.run(exchange(ctx, walked.shipment.id, now, corridor))
        decided = demo_customs.walk(corridor, walked.shipment.id, now, ctx.settings.data_dir, ctx)
        asyncio.run(demo_customs.deliver(corridor, ctx))
    finally:
        corridor.close()
    trust = keys.trust_list(ctx)
    verdicts = {
        kind: papers.check(token.encode("ascii"), trust, now)
        for kind, token in walked.tokens.items()
    }
    invoice = walked.tokens[DocumentKind.COMMERCIAL_INVOICE]
    pdf_path = ctx.settings.data_dir / f"{walked.shipment.reference}-invoice.pdf"
    fd = os.open(pdf_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(papers.print_copy(invoice, trust, now, walked.shipment.reference))
    from_paper = papers.check(pdf_path.read_bytes(), trust, now)
    shipper = DEMO.organisation(DEMO.shipper)
    return DemoRun(walked, verdicts, pdf_path, from_paper, exchanged, decided, shipper)


def officer_keys(corridor: Corridor, now: datetime) -> dict[str, dict[str, str]]:
    """Each national node's demo officers and their API keys (added once): node name ->
    officer id -> key."""
    return {
        name: demo_customs.officer_keys(node, corridor.story.national_nodes[name], now)
        for name, node in corridor.nodes.items()
    }


def live_corridor(ctx: Context, now: datetime, story: Story = DEMO) -> Corridor:
    """The demo corridor's national nodes on `ctx`'s running clock, with `ctx` joined to the
    same bus as the shipper's node, so one process serves the whole corridor: what this
    node discloses reaches the authorities' nodes, whose decisions come back to it."""
    corridor = Corridor.open(ctx.settings.data_dir / "nodes", now, clock=ctx.clock, story=story)
    corridor.pin_on(ctx)
    if ctx.exchange is None:
        join(ctx, story.shipper_node, story.shipper, now, corridor.root, corridor.bus, story)
    officer_keys(corridor, now)
    return corridor
