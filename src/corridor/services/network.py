"""The corridor network: its nodes and routes through it (public, read-only)."""

from __future__ import annotations

from corridor.model import RoutePreference
from corridor.network import BorderCrossing, Leg, Mode, Network, Node, Route, corridor

__all__ = [
    "BorderCrossing",
    "Leg",
    "Mode",
    "Network",
    "Node",
    "Route",
    "corridor",
    "nodes",
    "route",
]


def nodes(network: Network) -> list[Node]:
    """Every node of the network with its country, kind and typical dwell."""
    return list(network.nodes.values())


def route(
    network: Network,
    origin: str,
    destination: str,
    prefer: RoutePreference = RoutePreference.FASTEST,
    via: list[str] | None = None,
) -> Route:
    """The fastest or shortest route between two nodes, with its border crossings."""
    return network.route(origin, destination, prefer, via or [])
