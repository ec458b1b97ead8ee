"""The demo's border decisions: each authority's officers take the shipment's declaration
from their queue on their own node, decide as its lane asks (a documentary check for
yellow, a physical inspection with a signed act for red), and the office of departure runs
the transit movement from MRN to write-off, exporting its NCTS messages."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from corridor.demo.nodes import Corridor
from corridor.demo.story import GUARANTEE, NATIONAL_NODES, demo_grn
from corridor.model import Officer, OfficerRole
from corridor.services import authentication, credentials, customs, decisions, inbound, transit
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

    @property
    def hours_ahead(self) -> float | None:
        if self.eta is None:
            return None
        return round((self.eta - self.decided_at).total_seconds() / 3600, 1)


@dataclass
class CustomsWalk:
    """Every border's decision and the transit movement's messages."""

    borders: list[BorderDecision] = field(default_factory=list)
    mrn: str | None = None
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


def _decide(
    node: Context, examiner: Officer, chief: Officer, declaration_id: str, now: datetime
) -> tuple[list[str], list[str]]:
    view = customs.show(node, examiner, declaration_id, now)
    actions: list[str] = []
    documents: list[str] = []
    if view.channel == "red":
        d = decisions.decide(node, examiner, view.id, Action.INSPECTION, now)
        actions.append("inspection: no findings")
        documents.append("inspection_act")
    elif view.channel == "yellow":
        decisions.decide(node, examiner, view.id, Action.DOCUMENTARY_PASSED, now)
        actions.append("documentary check passed")
    d = decisions.decide(node, examiner, view.id, Action.RELEASE, now)
    if d.status == "awaiting_endorsement":
        d = decisions.endorse(node, chief, d.id, now)
    actions.append("released")
    documents.append("customs_release")
    return actions, documents


def walk(corridor: Corridor, shipment_id: str, now: datetime, out: Path) -> CustomsWalk:
    """Decide at every border the shipment's data reached, and run its transit movement
    at the office of departure; the movement's NCTS messages are written under `out`."""
    result = CustomsWalk()
    clock = now  # decided as the data arrives, on each node's own clock
    departure: tuple[Context, Officer, str] | None = None
    for name, node in corridor.nodes.items():
        authority = NATIONAL_NODES[name]
        examiner, chief = officers(node, authority, now)
        mine = [q for q in customs.queue(node, examiner, clock) if q.shipment_id == shipment_id]
        for item in mine:
            if item.procedure == "export":
                departure = (node, examiner, item.id)
                continue
            actions, documents = _decide(node, examiner, chief, item.id, clock)
            result.borders.append(
                BorderDecision(
                    name,
                    authority,
                    item.procedure,
                    item.channel,
                    [h["profile"] for h in item.hits],
                    actions,
                    documents,
                    clock,
                    item.eta,
                )
            )
    if departure is not None:
        node, examiner, declaration_id = departure
        chief = officers(node, examiner.organisation.id, now)[1]
        view = customs.show(node, examiner, declaration_id, clock)
        grn = demo_grn_of(view.content)
        transit.register_guarantee(
            node,
            examiner,
            grn,
            "kz-ferroalloy",
            Decimal(GUARANTEE["amount"]),
            GUARANTEE["currency"],
            None,
            now,
        )
        movement = transit.open_movement(node, examiner, declaration_id, clock)
        actions, documents = _decide(node, examiner, chief, declaration_id, clock)
        result.borders.insert(
            0,
            BorderDecision(
                "kz",
                examiner.organisation.id,
                "export",
                view.channel,
                [h["profile"] for h in view.hits],
                actions,
                documents,
                clock,
                view.eta,
            ),
        )
        result.mrn = mrn = movement.mrn
        # Offices of transit and destination report back (by hand until their IE050/IE118
        # and IE006/IE018 travel over the exchange), then the office of departure writes off.
        later = clock
        for message, note in (
            ("IE050", "anticipated transit record sent to the offices of transit"),
            ("IE118", "frontier crossing at Alat (AZ)"),
            ("IE118", "frontier crossing at Poti (GE)"),
            ("IE007", "arrival notified at Constanța Sud"),
            ("IE043", "unloading permitted"),
            ("IE044", "unloading remarks: seals intact, no discrepancies"),
            ("IE025", "goods released at destination"),
            ("IE045", "movement written off; guarantee freed"),
        ):
            later += timedelta(hours=6)
            transit.step(node, examiner, mrn, message, note, later)
        final = transit.movement(node, examiner, mrn)
        result.states = [m["state"] for m in final.messages]
        folder = out / "ncts" / mrn
        folder.mkdir(parents=True, exist_ok=True)
        for filename, xml in transit.export(node, examiner, mrn).items():
            path = folder / filename
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(xml)
            result.exported.append(path)
    return result


def demo_grn_of(content: dict[str, object]) -> str:
    """The GRN named on the received transit declaration (the demo's own)."""
    td = content.get("transit_declaration")
    if isinstance(td, dict) and isinstance(td.get("guarantee_reference"), str):
        return str(td["guarantee_reference"])
    return demo_grn("demo")


async def deliver(corridor: Corridor, shipper: Context) -> None:
    """Carry the authorities' decisions back to the shipper's node (and its receipts
    back to them)."""
    for node in corridor.nodes.values():
        assert node.exchange is not None
        await inbound.turn(node)
    assert shipper.exchange is not None
    await inbound.turn(shipper)
    for node in corridor.nodes.values():
        assert node.exchange is not None
        await inbound.turn(node)
