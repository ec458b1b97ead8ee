"""Shared fixtures of the exchange tests: a corridor of national nodes with a shipment whose
papers are signed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from corridor import demo
from corridor.documents import MEDIA_TYPE
from corridor.exchange.bus import InProcessBus
from corridor.exchange.node import LocalNode
from corridor.model import DocumentKind
from corridor.services import Context, keys, papers, shipments
from tests.conftest import ORGS, T0

AUTHORITIES = {
    "kz": "kz-customs",
    "az": "az-customs",
    "ge": "ge-customs",
    "eu": "ro-customs",
    "tr": "tr-customs",
}


@dataclass
class Corridor:
    shipper: Context
    authorities: dict[str, Context]
    shipment_id: str
    clock: Any

    def node(self, name: str) -> LocalNode:
        ctx = self.shipper if name == "shipper" else self.authorities[name]
        assert ctx.exchange is not None
        return ctx.exchange.node

    def trust(self) -> Any:
        """What the shipper's node trusts: the same on every node of the corridor."""
        return keys.trust_list(self.shipper)


@pytest.fixture
def corridor_nodes(tmp_path: Path) -> Iterator[Corridor]:
    directory_bus = InProcessBus()
    nodes = {
        n: demo.national_node(tmp_path / n, n, org, T0, bus=directory_bus)
        for n, org in {**AUTHORITIES, "shipper": "kz-ferroalloy"}.items()
    }
    federation = demo.Corridor(tmp_path, dict(nodes), directory_bus)
    shipper = nodes.pop("shipper")
    authorities = nodes
    me = ORGS["kz-ferroalloy"]
    s = shipments.submit(shipper, me, demo.draft("X-1"), T0)
    fields = demo.documents_for(s)
    for kind in (
        DocumentKind.COMMERCIAL_INVOICE,
        DocumentKind.PACKING_LIST,
        DocumentKind.TRANSIT_DECLARATION,
        DocumentKind.RAIL_CONSIGNMENT_NOTE,
    ):
        if kind in demo.ISSUED_BY and demo.ISSUED_BY[kind] != me.id:
            issuer = ORGS[demo.ISSUED_BY[kind]]
            token = papers.sign(shipper, issuer, kind, fields[kind], T0, s.id)
            papers.attach(shipper, me, s.id, kind, "d", MEDIA_TYPE, token.encode(), T0)
        else:
            papers.issue_signed(shipper, me, s.id, kind, fields[kind], T0)
    asyncio.run(federation.sync())  # the keys made above reach every node's directory
    for n in [shipper, *authorities.values()]:
        assert keys.trust_list(n).entries == keys.trust_list(shipper).entries
    yield Corridor(shipper, authorities, s.id, lambda: T0 + timedelta(hours=1))
    for n in [shipper, *authorities.values()]:
        n.close()
