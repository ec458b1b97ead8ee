"""The gauge-change interchange at the Chinese border: a daily train capacity with a queue in
front of it, shared with other trains, and the pool of 1520 mm platforms the containers are
lifted onto, which come back only after a round trip."""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy


class Interchange:
    """Exchanges one train every 24 / `trains_per_day` hours, first come first served, and
    gives each train `train_platforms` platforms from a pool of `platforms`, returned
    `cycle_h` hours later. Other trains arrive at random at `other_per_day`."""

    def __init__(
        self,
        env: simpy.Environment,
        rng: random.Random,
        *,
        trains_per_day: float,
        platforms: int,
        train_platforms: int,
        cycle_h: float,
        other_per_day: float,
    ) -> None:
        self.env = env
        self.slot_h = 24 / trains_per_day
        self.gate = simpy.Resource(env, capacity=1)
        self.pool = simpy.Container(env, capacity=platforms, init=platforms)
        self.train_platforms = min(train_platforms, platforms)
        self.cycle_h = cycle_h
        self.busy_h = 0.0
        if other_per_day > 0:
            env.process(self._others(rng, other_per_day))

    def _others(self, rng: random.Random, per_day: float) -> Generator[Any]:
        while True:
            yield self.env.timeout(rng.expovariate(per_day / 24))
            self.env.process(self.exchange())

    def exchange(self) -> Generator[simpy.Event, Any, float]:
        """One train through: its turn at the gate, the exchange, platforms for it; the
        hours it took."""
        start = self.env.now
        with self.gate.request() as turn:
            yield turn
            yield self.env.timeout(self.slot_h)
            self.busy_h += self.slot_h
        yield self.pool.get(self.train_platforms)
        self.env.process(self._return())
        return self.env.now - start

    def _return(self) -> Generator[Any]:
        yield self.env.timeout(self.cycle_h)
        yield self.pool.put(self.train_platforms)
