"""What waits in the simulated corridor: yards where the tracked containers queue, first come
first served, with the other traffic that shares the same trains and vessels."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import simpy


@dataclass(slots=True)
class Block:
    """Containers that arrived together: tracked ones by id, other traffic by count."""

    ids: list[int] | None
    count: int
    since: float


class Yard:
    """Containers waiting at a port or station, in the order they arrived, and an event that
    fires on each arrival. The tracked containers are kept by id; the other traffic only by
    count, so a year of it costs one entry a day, not one a container."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._blocks: deque[Block] = deque()
        self.size = 0
        self.arrived = env.event()

    def _signal(self) -> None:
        self.arrived.succeed()
        self.arrived = self.env.event()

    def put(self, ids: list[int]) -> None:
        """Tracked containers, arrived now."""
        if ids:
            self._blocks.append(Block(list(ids), len(ids), self.env.now))
            self.size += len(ids)
            self._signal()

    def put_other(self, count: int) -> None:
        """Containers of other traffic."""
        if count > 0:
            self._blocks.append(Block(None, count, self.env.now))
            self.size += count
            self._signal()

    @property
    def oldest(self) -> float:
        """When the container at the head of the queue arrived."""
        return self._blocks[0].since

    def take(self, n: int) -> tuple[list[tuple[list[int], float]], int]:
        """Up to `n` containers from the head of the queue: the tracked ones in blocks with
        the time they arrived, and how many others."""
        ours: list[tuple[list[int], float]] = []
        others = 0
        while n > 0 and self._blocks:
            block = self._blocks[0]
            k = min(n, block.count)
            if block.ids is None:
                others += k
            else:
                ours.append((block.ids[:k], block.since))
                block.ids = block.ids[k:]
            block.count -= k
            if block.count == 0:
                self._blocks.popleft()
            n -= k
            self.size -= k
        return ours, others
