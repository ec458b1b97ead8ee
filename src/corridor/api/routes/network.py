"""The corridor network: nodes and routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from corridor.api.deps import Ctx
from corridor.api.routes._base import routers
from corridor.model import RoutePreference
from corridor.model.codes import NODE_ID
from corridor.services import network
from corridor.services.network import Node, Route

public, private = routers()


@public.get("/network/nodes", tags=["network"])
def network_nodes(ctx: Ctx) -> list[Node]:
    """Every node of the corridor network with its country, kind and typical dwell."""
    return network.nodes(ctx.network)


@public.get("/network/route", tags=["network"])
def network_route(
    ctx: Ctx,
    origin: Annotated[str, Query(max_length=64, examples=["dostyk"], json_schema_extra=NODE_ID)],
    destination: Annotated[
        str, Query(max_length=64, examples=["constanta"], json_schema_extra=NODE_ID)
    ],
    prefer: RoutePreference = RoutePreference.FASTEST,
) -> Route:
    """The fastest or shortest route between two nodes, with its border crossings."""
    return network.route(ctx.network, origin, destination, prefer)
