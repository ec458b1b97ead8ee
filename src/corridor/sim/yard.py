"""What moves through the simulated corridor: batches of containers, and the yards where
they wait for a train or a vessel."""

from __future__ import annotations

from dataclasses import dataclass

import simpy


@dataclass
class Batch:
    """Containers travelling together, each with the time it entered the corridor."""

    ids: list[int]


class Yard:
    """Containers waiting at a port or station, and an event that fires on each arrival."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.items: list[tuple[int, float]] = []
        self.arrived = env.event()

    def put(self, ids: list[int]) -> None:
        now = self.env.now
        self.items.extend((i, now) for i in ids)
        self.arrived.succeed()
        self.arrived = self.env.event()

    def take(self, n: int) -> list[tuple[int, float]]:
        taken, self.items = self.items[:n], self.items[n:]
        return taken
