"""What waits in the simulated corridor: yards where the tracked containers queue, first come
first served, with the other traffic that shares the same trains and vessels."""

from __future__ import annotations

from collections import deque

import simpy


class Yard:
    """Containers waiting at a port or station, in the order they arrived, and an event that
    fires on each arrival. The tracked containers are kept by id; the other traffic only by
    count, so a year of it costs one entry a day, not one a container."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        # Blocks in arrival order: [ids (None for other traffic), count, since].
        self._blocks: deque[list[object]] = deque()
        self.size = 0
        self.arrived = env.event()

    def _signal(self) -> None:
        self.arrived.succeed()
        self.arrived = self.env.event()

    def put(self, ids: list[int], since: float | None = None) -> None:
        """Tracked containers, arrived now (or at `since`)."""
        if ids:
            self._blocks.append([list(ids), len(ids), self.env.now if since is None else since])
            self.size += len(ids)
            self._signal()

    def put_other(self, count: int) -> None:
        """Containers of other traffic."""
        if count > 0:
            self._blocks.append([None, count, self.env.now])
            self.size += count
            self._signal()

    @property
    def oldest(self) -> float:
        """When the container at the head of the queue arrived."""
        return float(self._blocks[0][2])  # type: ignore[arg-type]

    def take(self, n: int) -> tuple[list[tuple[list[int], float]], int]:
        """Up to `n` containers from the head of the queue: the tracked ones in blocks with
        the time they arrived, and how many others."""
        ours: list[tuple[list[int], float]] = []
        others = 0
        while n > 0 and self._blocks:
            block = self._blocks[0]
            ids, count, since = block
            k = min(n, count)  # type: ignore[call-overload]
            if ids is None:
                others += k
            else:
                ours.append((ids[:k], since))  # type: ignore[index]
                block[0] = ids[k:]  # type: ignore[index]
            block[1] = count - k  # type: ignore[operator]
            if block[1] == 0:
                self._blocks.popleft()
            n -= k
            self.size -= k
        return ours, others
