"""A demo corridor whose shipment's pre-arrival data has reached every authority's node,
for the customs tests of the services and the API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corridor import demo
from corridor.config import Settings
from corridor.demo import customs as demo_customs
from corridor.documents import issue
from corridor.exchange.delivery import Outgoing, queue
from corridor.model import DocumentKind, Officer
from corridor.services import Context, customs, handover
from corridor.store.exchange_tables import RejectionRow
from tests.conftest import T0
from tests.factories import STORY

LATER = T0.replace(hour=T0.hour + 1)


@dataclass
class Walked:
    shipper: Context
    corridor: demo.Corridor
    shipment_id: str
    folder: Path

    def officers(self, name: str) -> tuple[Officer, Officer]:
        node = self.corridor.nodes[name]
        return demo_customs.officers(node, STORY.national_nodes[name], T0)

    def arrive_at(self, name: str) -> None:
        """Walk the legs before node `name`'s: each released by its officers, ended, and its
        proof of end handed on (every node's clock at LATER)."""
        order = ["kz", "az", "ge", "eu"]
        nodes = [*self.corridor.nodes.values(), self.shipper]
        demo_customs.set_clocks(nodes, LATER)
        for before in order[: order.index(name)]:
            node = self.corridor.nodes[before]
            examiner, chief = self.officers(before)
            item = self.item(before)
            demo_customs.decide(node, examiner, chief, item.id, LATER)
            handover.end_leg(node, examiner, item.id, LATER)
            asyncio.run(demo_customs.turns(nodes))

    def settle(self, when: datetime = LATER) -> None:
        """Let every node's exchange run a few turns, all clocks at `when`."""
        nodes = [*self.corridor.nodes.values(), self.shipper]
        demo_customs.set_clocks(nodes, when)
        asyncio.run(demo_customs.turns(nodes))

    def item(self, name: str) -> customs.QueueItem:
        examiner, _ = self.officers(name)
        (found,) = customs.queue(self.corridor.nodes[name], examiner, LATER)
        return found


@pytest.fixture
def walked(tmp_path: Path) -> Iterator[Walked]:
    shipper = Context.open(
        Settings(data_dir=tmp_path / "shipper", database_url=f"sqlite:///{tmp_path / 's.db'}"),
        clock=lambda: T0,
    )
    demo.seed(shipper, T0, STORY)
    corridor = demo.Corridor.open(tmp_path / "nodes", T0, story=STORY)
    walk = demo.walk(shipper, T0, authorities=corridor, story=STORY)
    asyncio.run(demo.exchange(shipper, walk.shipment.id, T0, corridor))
    yield Walked(shipper, corridor, walk.shipment.id, tmp_path)
    corridor.close()
    shipper.close()


def send(
    walked: Walked, sender: Context, to: str, kind: str, payload: dict[str, Any], now: datetime
) -> None:
    """Seal and send an envelope from `sender`'s node as its own organisation would."""
    ex = sender.exchange
    assert ex is not None
    address = next(a for a in ex.directory.addresses() if a.node == to)
    org = ex.node.organisation
    with sender.db.transaction() as s:
        signer = sender.keys.ensure(s, org.id, now)
        out = Outgoing(
            address, payload, str(payload["procedure"]), None, sorted(payload["documents"])
        )
        queue(s, ex.node, signer, org.id, str(payload["shipment"]), out, now, kind)
    nodes = [*walked.corridor.nodes.values(), walked.shipper]
    demo_customs.set_clocks(nodes, now)
    asyncio.run(demo_customs.turns(nodes))


def refusals(node: Context) -> list[tuple[str, str]]:
    with node.db.transaction() as s:
        return [
            (r.reason, r.detail) for r in s.scalars(select(RejectionRow).order_by(RejectionRow.id))
        ]


def signed(node: Context, kind: DocumentKind, fields: dict[str, Any], shipment: str) -> str:
    ex = node.exchange
    assert ex is not None
    org = ex.node.organisation
    with node.db.transaction() as s:
        return issue(node.keys.ensure(s, org.id, LATER), org, kind, fields, LATER, shipment)
