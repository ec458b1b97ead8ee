"""The signed directory over real NATS JetStream: ten nodes, each with its own connection and
store, publish at the same moment and then all see each other; none writes another's
entries, and all derive the same trust list."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from corridor import demo
from corridor.exchange.jetstream import NatsBus
from corridor.services import Context, keys
from tests.conftest import T0
from tests.exchange.conftest import nats_or_skip
from tests.factories import STORY

NODES = 10


def test_ten_nodes_publishing_together_all_see_each_other(tmp_path: Path) -> None:
    nats_or_skip()
    tag = uuid.uuid4().hex[:10]
    operators = ["kz-customs", "az-customs", "ge-customs", "tr-customs", "ro-customs"]
    operators += ["kz-rail"] * (NODES - len(operators))
    buses = [NatsBus(stream=f"DIR_{tag}", prefix=f"dir{tag}") for _ in range(NODES)]
    nodes: list[Context] = [
        demo.national_node(tmp_path / f"n{i}", f"n{i}", operators[i], T0, bus=buses[i], story=STORY)
        for i in range(NODES)
    ]
    for node, operator in zip(nodes, operators, strict=True):
        keys.ensure_key(node, demo.NODE_ADMIN, operator, T0)
    exchanges = [n.exchange for n in nodes if n.exchange is not None]
    assert len(exchanges) == NODES

    async def scenario() -> list[tuple[int, int]]:
        try:
            # The same moment: every node creates the bucket if need be and publishes.
            await asyncio.gather(*(ex.publish() for ex in exchanges))
            # The bucket's key listing may trail a put by a moment: read again until every
            # node sees every statement, for a few seconds at most.
            for _ in range(50):
                await asyncio.gather(*(ex.refresh() for ex in exchanges))
                seen = [
                    (len(ex.directory.certificates()), len(ex.trust().entries)) for ex in exchanges
                ]
                if seen == [(NODES, NODES)] * NODES:
                    break
                await asyncio.sleep(0.1)
            return seen
        finally:
            await buses[0].drop_directory()
            await buses[0].drop_stream()
            for bus in buses:
                await bus.close()

    try:
        seen = asyncio.run(asyncio.wait_for(scenario(), 60))
    finally:
        for node in nodes:
            node.close()
    assert seen == [(NODES, NODES)] * NODES
    lists = [ex.trust().entries for ex in exchanges]
    assert all(entries == lists[0] for entries in lists)
    assert {e.organisation_id for e in lists[0].values()} == set(operators)
