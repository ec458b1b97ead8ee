"""The sea in the corridor model: the other traffic that joins a port's yard, the shared
Caspian fleet that sails full from an open port, and the scheduled Black Sea services."""

from __future__ import annotations

import math
import random

from corridor.network import Leg
from corridor.sim.base import Base, Proc
from corridor.sim.world import Service
from corridor.sim.yard import Yard


class Sea(Base):
    """The vessels of a run."""

    def _others(self, yard: Yard, per_day: float) -> Proc:
        """Other traffic joining a yard, a day's worth at a time (Poisson counts)."""
        if per_day <= 0:
            return
        yield self.env.timeout(self.rng.uniform(0, 24))
        while True:
            yard.put_other(_poisson(self.rng, per_day))
            yield self.env.timeout(24)

    def _vessel(self, yard: Yard, leg: Leg, index: int, k: int) -> Proc:
        """One vessel of the shared Caspian fleet: it sails when full (or after the regime's
        longest wait) from an open port, and is back a round trip later."""
        w = self.w
        cap = w.caspian_voyage_feu
        name = "caspian fleet"
        self.capacity[name] = w.caspian_vessels
        target = max(1, math.ceil(cap * self.r["ferry_min_load"]))
        yield self.env.timeout(self.rng.uniform(0, w.caspian_round_trip_h))
        while True:
            yield from self._wait_for_load(yard, target, self.r["ferry_max_wait_h"])
            # A closed port's hours are the yard's: booked when the boxes are taken.
            yield from self._port(leg.origin).wait_open()
            ids, others = self._take(yard, leg.origin, cap)
            if not ids and not others:
                continue
            start = self.env.now
            sail = self._leg_time(leg)
            yield self.env.timeout(sail)
            # Waiting off a closed port is booked there, not to the crossing.
            yield from self._wait_port(leg.destination, ids)
            self.busy[name] += w.caspian_round_trip_h
            if ids:
                self._moved(leg, ids, sail)
                self.env.process(self._land(ids, others, leg, index))
            rest = w.caspian_round_trip_h - (self.env.now - start)
            if rest > 0:
                yield self.env.timeout(rest)

    def _service(self, yard: Yard, leg: Leg, index: int, s: Service) -> Proc:
        """A scheduled Black Sea service: it sails every headway from an open port with what
        the yard holds, first come first served."""
        name = "black sea services"
        self.capacity.setdefault(name, 0)
        self.capacity[name] += s.capacity * 24 / s.headway_h
        yield self.env.timeout(self.rng.uniform(0, s.headway_h))
        while True:
            due = self.env.now
            yield from self._port(leg.origin).wait_open()
            ids, others = self._take(yard, leg.origin, s.capacity)
            self.busy[name] += len(ids) + others
            if ids:
                self.env.process(self._sail(ids, leg, index, s))
            yield self.env.timeout(max(0.0, due + s.headway_h - self.env.now))

    def _sail(self, ids: list[int], leg: Leg, index: int, s: Service) -> Proc:
        sail = self._lognormal(s.sailing_h, self.w.leg_cv)
        yield self.env.timeout(sail)
        yield from self._wait_port(leg.destination, ids)
        self._moved(leg, ids, sail)
        yield from self._land(ids, 0, leg, index)

    def _land(self, ids: list[int], others: int, leg: Leg, index: int) -> Proc:
        yield from self._enter(leg, ids)
        if others and index < len(self._yards):
            self._yards[index].put_other(others)
        yield from self._arrive(ids, leg, index)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method for small means, the normal approximation above)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
