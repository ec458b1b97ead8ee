"""The demo's border hand-overs: the shipment's chain of legs walked in the journey's own
time, each leg on its authority's own node. The officers take the declaration from their
queue, decide as its lane asks (a documentary check for yellow, a physical inspection with
a signed act for red, the release by a second officer), end the leg with a signed proof of
end, and that proof travels to the next authority, which verifies it before the goods
arrive. The Georgian authority's leg is in NCTS: its T1 movement's messages are exported."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from corridor.customs import chain
from corridor.customs.trader_interface import ConformanceDouble
from corridor.demo.nodes import Corridor
from corridor.demo.story import Story, demo_grn
from corridor.model import Officer, OfficerRole, Organisation
from corridor.services import (
    authentication,
    credentials,
    customs,
    decisions,
    handover,
    inbound,
    keys,
    lodging,
    organisations,
    papers,
    timeline,
)
from corridor.services.context import NODE_ADMIN, Context
from corridor.services.decisions import Action


@dataclass
class BorderDecision:
    """What one authority decided, and how long before the train was due."""

    node: str
    authority: str
    procedure: str
    channel: str
    hits: list[str]
    actions: list[str]
    documents: list[str]
    decided_at: datetime
    eta: datetime | None
    declaration_id: str = ""

    @property
    def hours_ahead(self) -> float | None:
        if self.eta is None:
            return None
        return round((self.eta - self.decided_at).total_seconds() / 3600, 1)


@dataclass
class CustomsWalk:
    """Every border's decision, each leg's opening, end and hand-over, and the T1
    movement's messages."""

    borders: list[BorderDecision] = field(default_factory=list)
    legs: list[Any] = field(default_factory=list)
    mrn: str | None = None
    lrn: str | None = None
    # The stand-in national NCTS the holder's messages went to.
    double: ConformanceDouble | None = None
    states: list[str] = field(default_factory=list)
    exported: list[Path] = field(default_factory=list)


def officer_keys(node: Context, authority: str, now: datetime) -> dict[str, str]:
    """The API keys of an examiner and a chief of the authority running `node` (added
    once), by officer id: `<authority>.examiner`, `<authority>.chief`."""
    # The demo officers' keys are kept, owner-only, in the node's folder (as the demo
    # organisations' keys are) so that a second run finds them.
    path = node.settings.data_dir / "officer-keys.json"
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for role in (OfficerRole.EXAMINER, OfficerRole.CHIEF):
        officer_id = f"{authority}.{role.value}"
        if officer_id not in keys:
            keys[officer_id] = credentials.add_officer(
                node, NODE_ADMIN, authority, officer_id, f"Demo {role.value}", role, now
            ).key
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(keys, fh, indent=2)
    return keys


def officers(node: Context, authority: str, now: datetime) -> tuple[Officer, Officer]:
    """An examiner and a chief of the authority running `node` (added once)."""
    keys = officer_keys(node, authority, now)
    examiner, chief = (
        authentication.authenticate_officer(node, keys[f"{authority}.{role.value}"])
        for role in (OfficerRole.EXAMINER, OfficerRole.CHIEF)
    )
    return examiner, chief


def decide(
    node: Context, examiner: Officer, chief: Officer, declaration_id: str, now: datetime
) -> tuple[list[str], list[str]]:
    """Decide as the lane asks, with four eyes: the examiner checks, the chief releases
    (a green lane the examiner releases alone)."""
    view = customs.show(node, examiner, declaration_id, now)
    actions: list[str] = []
    documents: list[str] = []
    releaser = examiner
    if view.channel == "red":
        decisions.decide(node, examiner, view.id, Action.INSPECTION, now)
        actions.append("inspection by the examiner: no findings")
        documents.append("inspection_act")
        releaser = chief
    elif view.channel == "yellow":
        decisions.decide(node, examiner, view.id, Action.DOCUMENTARY_PASSED, now)
        actions.append("documentary check passed")
        documents.append("customs_decision")
        releaser = chief
    decisions.decide(node, releaser, view.id, Action.RELEASE, now)
    actions.append("released" + (" by the chief" if releaser is chief else ""))
    documents.append("customs_release")
    return actions, documents


@dataclass
class LegWalk:
    """One leg as its authority walked it on its own node."""

    leg: int
    regime: str
    country: str
    node: str
    authority: str
    opened: datetime
    ended: datetime | None
    proof_received_by_next: datetime | None = None
    next_arrival: datetime | None = None

    @property
    def hours_before_arrival(self) -> float | None:
        """How long before the goods reached the next authority its node held the proof."""
        if self.proof_received_by_next is None or self.next_arrival is None:
            return None
        return round((self.next_arrival - self.proof_received_by_next).total_seconds() / 3600, 1)


def set_clocks(nodes: list[Context], when: datetime) -> None:
    """Set every node's clock (and its exchange's) to `when`: the demo walks the journey's
    own times, so nothing is decided or sent before the goods get there."""
    for node in nodes:
        node.clock = lambda when=when: when  # type: ignore[misc]
        if node.exchange is not None:
            node.exchange.clock = node.clock


async def turns(nodes: list[Context], rounds: int = 3) -> None:
    for _ in range(rounds):  # send; take in and answer; take the answers in
        for node in nodes:
            await inbound.turn(node)


def walk(
    corridor: Corridor,
    shipment_id: str,
    now: datetime,
    out: Path,
    shipper: Context,
) -> CustomsWalk:
    """Walk the shipment's chain of legs, each on its own authority's node: the officers
    decide as the lane asks when the goods reach the leg (the Georgian authority, whose leg
    is in NCTS, opens the T1 movement), the leg ends when they leave it, and its signed
    proof of end travels to the next authority, which verifies it before the goods arrive.
    The movement's NCTS messages are written under `out`."""
    result = CustomsWalk()
    # The shipper's node takes part in every turn: it receives each leg's status as it ends.
    nodes = [*corridor.nodes.values(), shipper]
    story = corridor.story
    party = organisations.get(shipper, story.shipper)
    planned = [leg.leg for leg in handover.chain(shipper, party, shipment_id).legs]
    by_country: dict[str, tuple[str, Context]] = {}
    for name, node in corridor.nodes.items():
        assert node.exchange is not None
        by_country[node.exchange.node.organisation.country] = (name, node)
    held: list[tuple[str, list[chain.Leg]]] = []
    for leg in planned:
        if held and held[-1][0] == leg.country:
            held[-1][1].append(leg)
        else:
            held.append((leg.country, [leg]))
    walked: list[LegWalk] = []
    for i, (country, own) in enumerate(held):
        if country not in by_country:
            continue
        name, node = by_country[country]
        authority = story.national_nodes[name]
        examiner, chief = officers(node, authority, now)
        opened, closes = own[0].opens, own[-1].leaves
        if own[0].procedure == "import" and result.mrn is not None:
            # The goods reach the office of destination when the custody events say so.
            recorded = timeline.last_arrival(shipper, party, shipment_id, own[0].starts_at)
            opened = max(opened, recorded or opened)
            closes = max(closes, opened)
            set_clocks(nodes, opened)
            _notify_arrival(shipper, story, shipment_id, opened, result)
        set_clocks(nodes, opened)
        asyncio.run(turns(nodes, 1))
        mine = [q for q in customs.queue(node, examiner, opened) if q.shipment_id == shipment_id]
        ncts_leg = any(leg.ncts for leg in own)
        for item in mine:
            if ncts_leg and item.procedure == "transit":
                _lodge(shipper, story, shipment_id, country, opened, result)
            actions, documents = decide(node, examiner, chief, item.id, opened)
            if ncts_leg and result.mrn is not None:
                # The office's release reaches the holder through its NCTS (after the MRN).
                later = opened + timedelta(minutes=30)
                _released_in_ncts(shipper, country, item.channel, later, result)
            # The decision reaches the shipper's node while the goods are still in the leg
            # (a leg may last longer than an envelope lives).
            set_clocks(nodes, opened + timedelta(minutes=35))
            asyncio.run(turns(nodes, 1))
            result.borders.append(
                BorderDecision(
                    name,
                    authority,
                    item.procedure,
                    item.channel,
                    [h["profile"] for h in item.hits],
                    actions,
                    documents,
                    opened,
                    item.eta,
                    item.id,
                )
            )
            set_clocks(nodes, closes)
            handover.end_leg(node, examiner, item.id, closes)
        step = LegWalk(own[-1].index, own[-1].regime, country, name, authority, opened, closes)
        walked.append(step)
        if i + 1 < len(held):
            # The hand-over reaches the next authority's node a few minutes later.
            received = closes + timedelta(minutes=5)
            set_clocks(nodes, received)
            asyncio.run(turns(nodes))
            step.next_arrival = held[i + 1][1][0].opens
            next_node = by_country.get(held[i + 1][0])
            if next_node is not None:
                with next_node[1].db.transaction() as s:
                    if any(h.leg == step.leg for h in customs.handovers(s, shipment_id)):
                        step.proof_received_by_next = received
    result.legs = walked
    if result.mrn is not None:
        _export(shipper, story, shipment_id, out, result)
    return result


def _double(shipper: Context, story: Story, country: str, grn: str) -> ConformanceDouble:
    """The national NCTS of `country`, stood in for by a conformance double (no national
    system is reached from the demo), with the holder's guarantee registered with it."""
    found = shipper.ncts.get(country)
    if not isinstance(found, ConformanceDouble):
        found = ConformanceDouble(country)
        shipper.ncts[country] = found
    found.guarantees[grn] = (Decimal(story.guarantee["amount"]), story.guarantee["currency"])
    return found


def _lodge(
    shipper: Context,
    story: Story,
    shipment_id: str,
    country: str,
    at: datetime,
    result: CustomsWalk,
) -> None:
    """The holder (the forwarder) lodges the T1 with the national NCTS, as trader software,
    and takes in the acknowledgement and the MRN."""
    holder = organisations.get(shipper, story.holder)
    grn = demo_grn_of(declaration_fields(shipper, holder, shipment_id))
    result.double = _double(shipper, story, country, grn)
    view = lodging.lodge(shipper, holder, shipment_id, at)
    lodging.take_answers(shipper, at)
    result.mrn = next(v.mrn for v in lodging.status(shipper, holder, shipment_id))
    result.lrn = view.lrn


def _released_in_ncts(
    shipper: Context, country: str, lane: str, at: datetime, result: CustomsWalk
) -> None:
    """The office of departure's decision, as its national NCTS answers the holder: a
    control (IE060) on a red lane, then the release (IE029)."""
    assert result.double is not None
    assert result.mrn is not None
    if lane == "red":
        result.double.control(result.mrn, at)
    result.double.release(result.mrn, at)
    lodging.take_answers(shipper, at)


def _notify_arrival(
    shipper: Context, story: Story, shipment_id: str, at: datetime, result: CustomsWalk
) -> None:
    """The consignee, trader at destination, notifies the arrival (IE007); the national NCTS
    answers with the goods release (IE025) and, later, the write-off (IE045)."""
    consignee = organisations.get(shipper, story.consignee)
    lodging.arrival(shipper, consignee, shipment_id, at)
    lodging.take_answers(shipper, at)


def _export(
    shipper: Context, story: Story, shipment_id: str, out: Path, result: CustomsWalk
) -> None:
    holder = organisations.get(shipper, story.holder)
    (view,) = lodging.status(shipper, holder, shipment_id)
    result.states = [m["state"] for m in view.messages]
    folder = out / "ncts" / (result.mrn or "movement")
    folder.mkdir(parents=True, exist_ok=True)
    for filename, xml in lodging.export(shipper, holder, shipment_id).items():
        path = folder / filename
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(xml)
        result.exported.append(path)


def declaration_fields(shipper: Context, who: Organisation, shipment_id: str) -> dict[str, Any]:
    """The shipment's transit declaration as its holder signed it."""
    for doc in papers.documents(shipper, who, shipment_id):
        if doc.kind.value == "transit_declaration" and doc.media_type == papers.MEDIA_TYPE:
            token = papers.content(shipper, who, shipment_id, doc.id)[1]
            checked = papers.check(token, keys.trust_list(shipper), shipper.clock())
            if checked.document is not None:
                return {"transit_declaration": checked.document.disclosed}
    return {}


def demo_grn_of(content: dict[str, object]) -> str:
    """The GRN named on the received transit declaration (the demo's own)."""
    td = content.get("transit_declaration")
    if isinstance(td, dict) and isinstance(td.get("guarantee_reference"), str):
        return str(td["guarantee_reference"])
    return demo_grn("demo")


async def deliver(corridor: Corridor, shipper: Context) -> None:
    """Carry the authorities' decisions back to the shipper's node (and its receipts
    back to them), at the corridor's time."""
    last = next(iter(corridor.nodes.values())).clock()
    set_clocks([shipper, *corridor.nodes.values()], last)
    for node in corridor.nodes.values():
        assert node.exchange is not None
        await inbound.turn(node)
    assert shipper.exchange is not None
    await inbound.turn(shipper)
    for node in corridor.nodes.values():
        assert node.exchange is not None
        await inbound.turn(node)
