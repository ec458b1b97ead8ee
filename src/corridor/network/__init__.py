"""The corridor as data (nodes, legs, modes, durations) and route finding."""

from corridor.network.graph import (
    BorderCrossing,
    Leg,
    Mode,
    Network,
    Node,
    NodeKind,
    Route,
    corridor,
)

__all__ = ["BorderCrossing", "Leg", "Mode", "Network", "Node", "NodeKind", "Route", "corridor"]
