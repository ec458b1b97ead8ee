"""What the parts of the corridor model share: the run's state and the small steps every
process takes (a draw, an hour booked to a place, a leg travelled, a port waited for, a yard
emptied into a train or a vessel)."""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from corridor.network import Leg, Network
from corridor.sim.border import Interchange
from corridor.sim.fit import Fits
from corridor.sim.params import Parameters, Regime
from corridor.sim.ports import Port
from corridor.sim.results import MOVE, WAIT
from corridor.sim.world import World
from corridor.sim.yard import Yard

Proc = Generator[simpy.Event, Any, None]


class Base:
    """The state of one run and the steps its processes share."""

    net: Network
    p: Parameters
    w: World
    r: Regime
    rng: random.Random
    fits: Fits
    env: simpy.Environment
    at: dict[str, np.ndarray]
    booked: dict[tuple[str, str], float]
    busy: dict[str, float]
    capacity: dict[str, float]
    events: int
    _customs: dict[str, simpy.Resource]
    _ports: dict[str, Port]
    _interchange: Interchange | None
    _start_h: float
    _yards: list[Yard]

    def _lognormal(self, mean: float, cv: float) -> float:
        if mean <= 0:
            return 0.0
        sigma = math.sqrt(math.log(1 + cv * cv))
        return self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)

    def _book(self, place: str, kind: str, hours: float, count: int) -> None:
        self.booked[place, kind] += hours * count
        self.events += count

    def _moved(self, leg: Leg, ids: list[int], hours: float) -> None:
        """A leg travelled: its hours booked, and each container's arrival at its end."""
        self._book(f"{leg.origin}->{leg.destination}", MOVE, hours, len(ids))
        self.at[leg.destination][ids] = self.env.now

    def _leg_time(self, leg: Leg) -> float:
        fit = self.fits.legs.get((leg.origin, leg.destination))
        if fit:
            return fit.sample(self.rng)
        return self._lognormal(leg.hours, self.w.leg_cv)

    def _port(self, node: str) -> Port:
        if node not in self._ports:
            by_month = self.w.closures.get(node, [0.0] * 12)
            self._ports[node] = Port(self.env, self.rng, by_month, self.w.storm_h, self._start_h)
        return self._ports[node]

    def _wait_port(self, node: str, ids: list[int]) -> Proc:
        waited = yield from self._port(node).wait_open()
        if waited and ids:
            self._book(node, WAIT, waited, len(ids))

    def _take(self, yard: Yard, node: str, n: int) -> tuple[list[int], int]:
        """Up to `n` from a yard: the tracked ids (their wait booked) and how many others."""
        blocks, others = yard.take(n)
        now = self.env.now
        ids: list[int] = []
        for block, since in blocks:
            ids.extend(block)
            self.booked[node, WAIT] += (now - since) * len(block)
        self.events += len(ids)
        return ids, others

    def _wait_for_load(self, yard: Yard, target: int, max_wait: float) -> Proc:
        """Wait until the yard holds `target` containers, or `max_wait` after the oldest."""
        while yard.size < target:
            if not yard.size:
                yield yard.arrived
                continue
            left = yard.oldest + max_wait - self.env.now
            # A tolerance, because a deadline a rounding error away would wake us up without
            # moving the clock.
            if left <= 1e-6:
                return
            yield self.env.any_of([yard.arrived, self.env.timeout(left)])

    def _enter(self, leg: Leg, ids: list[int]) -> Proc:
        """Entry formalities after a leg (the customs posts')."""
        raise NotImplementedError

    def _arrive(self, ids: list[int], last: Leg, index: int) -> Proc:
        """What happens at the end of a run (the simulation's)."""
        raise NotImplementedError
