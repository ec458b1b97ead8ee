"""What one run of the model produced: each tracked container's times, the hours booked to
each place, and the use of each resource."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

MOVE, PROCESS, WAIT = "moving", "processing", "waiting"
KINDS = (MOVE, PROCESS, WAIT)


@dataclass
class Results:
    """What one run produced. Times are hours of simulated clock; a container's clock starts
    at its train's departure (`departed`) or at the shipper's booking (`booked`), which is
    the published lead before it; `gate_in` is its arrival at the origin terminal."""

    scenario: str
    seed: int
    gate_in: np.ndarray
    booked: np.ndarray
    departed: np.ndarray
    delivered_at: np.ndarray
    at: dict[str, np.ndarray]
    hours: dict[tuple[str, str], float]
    busy_h: dict[str, float]
    capacity_h: dict[str, float]
    horizon_h: float
    events: int
    loads: dict[str, float]
    places: list[str] = field(default_factory=list)

    def _start(self, clock: str) -> np.ndarray:
        """Each container's start by `clock`: its train's departure, or its booking."""
        return self.departed if clock == "departure" else self.booked

    def transit_h(self, clock: str = "departure") -> np.ndarray:
        """Hours from `clock` to delivery, for each delivered container."""
        start = self._start(clock)
        done = ~np.isnan(self.delivered_at)
        return np.asarray(self.delivered_at[done] - start[done])

    def reached_h(self, node: str, clock: str = "departure") -> np.ndarray:
        """Hours from `clock` to reaching `node`, for each container that reached it."""
        at = self.at.get(node)
        if at is None:
            return np.empty(0)
        start = self._start(clock)
        seen = ~np.isnan(at)
        return np.asarray(at[seen] - start[seen])

    def segment_h(self, start: str, end: str) -> np.ndarray:
        """Hours from reaching `start` to reaching `end`, for each container that did both."""
        a, b = self.at.get(start), self.at.get(end)
        if a is None or b is None:
            return np.empty(0)
        both = ~(np.isnan(a) | np.isnan(b))
        return np.asarray(b[both] - a[both])

    def percentile(self, q: float, node: str | None = None, clock: str = "departure") -> float:
        """A percentile in days (nearest rank), to the destination or to `node`."""
        data = self.transit_h(clock) if node is None else self.reached_h(node, clock)
        return _rank(data, q)

    @property
    def delivered(self) -> int:
        """Containers that reached the destination."""
        return int(np.count_nonzero(~np.isnan(self.delivered_at)))

    def utilisation(self) -> dict[str, float]:
        """Busy share of each resource over the run."""
        return {
            k: self.busy_h.get(k, 0.0) / self.capacity_h[k]
            for k in self.capacity_h
            if self.capacity_h[k] > 0
        }

    def journeys(self) -> list[dict[str, float]]:
        """Each container's hours from its train's departure to each node it reached, in
        route order."""
        out = []
        for i in range(len(self.departed)):
            start = self.departed[i]
            if math.isnan(start):
                continue
            j = {p: float(self.at[p][i] - start) for p in self.places if p in self.at}
            out.append({p: h for p, h in j.items() if not math.isnan(h)})
        return out


def _rank(data: np.ndarray, q: float) -> float:
    if len(data) == 0:
        return math.nan
    ordered = np.sort(data)
    k = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return float(ordered[k]) / 24


def breakdown(r: Results) -> list[tuple[str, dict[str, float]]]:
    """Days per container at each place in route order, split by moving/processing/waiting."""
    per = max(r.delivered, 1) * 24
    rows: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(KINDS, 0.0))
    for (place, kind), hours in r.hours.items():
        rows[place][kind] += hours / per
    return [(p, rows[p]) for p in r.places if p in rows]
