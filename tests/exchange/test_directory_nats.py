"""The signed directory over real NATS JetStream: ten nodes started at the same moment all
see each other, each through its own connection and store; none writes another's entries."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from corridor.exchange.bus import NatsBus
from corridor.services import Context, demo, keys
from tests.conftest import T0
from tests.exchange.test_exchange import _nats_or_skip

NODES = 10


def test_ten_nodes_started_together_all_see_each_other(tmp_path: Path) -> None:
    _nats_or_skip()
    tag = uuid.uuid4().hex[:10]
    operators = ["kz-customs", "az-customs", "ge-customs", "tr-customs", "ro-customs"]
    buses = [NatsBus(stream=f"DIR_{tag}", prefix=f"dir{tag}") for _ in range(NODES)]
    nodes: list[Context] = [
        demo.national_node(
            tmp_path / f"n{i}",
            f"n{i}",
            operators[i] if i < len(operators) else "kz-rail",
            T0,
            bus=buses[i],
        )
        for i in range(NODES)
    ]
    for i, node in enumerate(nodes):
        operator = operators[i] if i < len(operators) else "kz-rail"
        keys.ensure_key(node, demo.NODE_ADMIN, operator, T0)

    async def scenario() -> list[int]:
        for node in nodes:
            assert node.exchange is not None
            node.exchange.interval_s = 0.1
        # All loops start in the same instant; each publishes its own statements first.
        for node in nodes:
            assert node.exchange is not None
            node.exchange.start()
        try:
            loop = asyncio.get_running_loop()
            start = loop.time()
            seen: list[int] = []
            while loop.time() - start < 20:
                seen = [len(n.exchange.directory.certificates()) for n in nodes if n.exchange]
                trusted = [len(n.exchange.trust().entries) for n in nodes if n.exchange]
                if all(s == NODES for s in seen) and all(t == NODES for t in trusted):
                    break
                await asyncio.sleep(0.1)
            return seen
        finally:
            # Teardown is bounded: a stuck broker call fails the test, it never hangs it.
            for node in nodes:
                assert node.exchange is not None
                await asyncio.wait_for(node.exchange.stop(), 10)
            await asyncio.wait_for(buses[0].drop_directory(), 10)
            await asyncio.wait_for(buses[0].drop_stream(), 10)
            for bus in buses:
                await asyncio.wait_for(bus.close(), 10)

    try:
        seen = asyncio.run(asyncio.wait_for(scenario(), 90))
    finally:
        for node in nodes:
            node.close()
    assert seen == [NODES] * NODES
    # Every node derives the same trust list: five authorities and the rail carrier.
    lists = [keys.trust_list(n).entries for n in nodes]
    assert all(entries == lists[0] for entries in lists)
    assert {e.organisation_id for e in lists[0].values()} == {*operators, "kz-rail"}
