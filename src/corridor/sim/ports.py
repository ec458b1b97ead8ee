"""Ports that storms close: a calendar shared by every vessel that would sail from or arrive
at the port."""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import simpy


class Port:
    """A port that is closed a share `closed` of the time, in storms of `storm_h` hours on
    average (both durations exponential, so the closed share holds at any run length).
    `wait_open` holds a vessel until the port is open."""

    def __init__(
        self, env: simpy.Environment, rng: random.Random, closed: float, storm_h: float
    ) -> None:
        self.env = env
        self.is_open = True
        self.reopened = env.event()
        self.closed_h = 0.0
        if closed > 0:
            self.is_open = rng.random() >= closed
            env.process(self._weather(rng, closed, storm_h))

    def _weather(self, rng: random.Random, closed: float, storm_h: float) -> Generator[Any]:
        calm_h = storm_h * (1 - closed) / closed
        while True:
            if self.is_open:
                yield self.env.timeout(rng.expovariate(1 / calm_h))
                self.is_open = False
            else:
                storm = rng.expovariate(1 / storm_h)
                yield self.env.timeout(storm)
                self.closed_h += storm
                self.is_open = True
                self.reopened.succeed()
                self.reopened = self.env.event()

    def wait_open(self) -> Generator[simpy.Event, Any, float]:
        """Wait until the port is open; the hours waited."""
        start = self.env.now
        while not self.is_open:
            yield self.reopened
        return self.env.now - start
