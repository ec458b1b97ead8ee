"""Ports that storms close: a calendar shared by every vessel that would sail from or arrive
at the port, with the share of time closed by month."""

from __future__ import annotations

import math
import random
from collections.abc import Generator, Sequence
from typing import Any

import simpy

# Months (1-12) of each season; the other months take what keeps the year's average.
SEASON_MONTHS = {"winter": (11, 12), "summer": (5, 6, 7, 8, 9)}
MONTH_H = 365 * 24 / 12
# The spread of a storm's length (log-normal, coefficient of variation about 0.5): the
# reported holds last two to five days (Aktau 6-9 Dec, a ferry ~5 days off Kuryk).
STORM_SIGMA = 0.47


def monthly(shares: dict[str, float]) -> list[float]:
    """The closed share of each month from a port's `year`, `winter` and `summer` shares:
    the seasons' months take their season's share, the others what is left of the year's
    average."""
    fixed = {m: shares[s] for s, months in SEASON_MONTHS.items() for m in months}
    rest = [m for m in range(1, 13) if m not in fixed]
    left = (12 * shares["year"] - sum(fixed.values())) / len(rest)
    if left < 0:
        raise ValueError(
            f"closures {shares}: the seasons' shares exceed the year's average "
            f"(the other months would need {left:.2f})"
        )
    return [fixed.get(m, left) for m in range(1, 13)]


class Port:
    """A port closed in storms of `storm_h` hours on average (log-normal lengths; the calm
    between them exponential), as often as each month's share says (`by_month`, January
    first); the simulation's hour 0 falls `start_h` hours into the year. `wait_open` holds a
    vessel until the port is open."""

    def __init__(
        self,
        env: simpy.Environment,
        rng: random.Random,
        by_month: Sequence[float],
        storm_h: float,
        start_h: float = 0.0,
    ) -> None:
        self.env = env
        self.is_open = True
        self.reopened = env.event()
        self.by_month = list(by_month)
        self.start_h = start_h
        if any(share > 0 for share in self.by_month):
            self.is_open = rng.random() >= self.share()
            env.process(self._weather(rng, storm_h))

    def share(self) -> float:
        """The closed share of the current month."""
        month = int(((self.start_h + self.env.now) % (12 * MONTH_H)) // MONTH_H)
        return self.by_month[month]

    def _weather(self, rng: random.Random, storm_h: float) -> Generator[Any]:
        while True:
            if self.is_open:
                # The calm is memoryless: drawn at this month's rate, and drawn again at the
                # next month's start if it would run past it.
                closed = self.share()
                left = MONTH_H - (self.start_h + self.env.now) % MONTH_H + 1e-6
                calm = rng.expovariate(closed / (storm_h * (1 - closed))) if closed > 0 else left
                if calm >= left:
                    yield self.env.timeout(left)
                    continue
                yield self.env.timeout(calm)
                self.is_open = False
            else:
                # Storms last days, not weeks: a log-normal length around the mean.
                storm = rng.lognormvariate(math.log(storm_h) - STORM_SIGMA**2 / 2, STORM_SIGMA)
                yield self.env.timeout(storm)
                self.is_open = True
                self.reopened.succeed()
                self.reopened = self.env.event()

    def wait_open(self) -> Generator[simpy.Event, Any, float]:
        """Wait until the port is open; the hours waited."""
        start = self.env.now
        while not self.is_open:
            yield self.reopened
        return self.env.now - start
