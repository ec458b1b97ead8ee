"""Fitting leg and dwell time distributions from observed tracking events.

Observations come from shipment timelines (departed / arrived events per node): a leg's
duration is its arrival minus the departure before it; a dwell is a departure minus the
arrival before it at the same node. Each place's durations are fitted to a log-normal
distribution by maximum likelihood (mean and spread of the log durations), which the
simulator then samples instead of its parameters.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Protocol

from corridor.exceptions import InvalidInput

MIN_SAMPLES = 3


class TimelineEvent(Protocol):
    """What the fit needs of a tracking event."""

    at: datetime
    kind: str
    place: str | None


@dataclass(frozen=True)
class LogNormal:
    """A fitted log-normal distribution of hours."""

    mu: float
    sigma: float
    n: int

    @property
    def mean(self) -> float:
        """Mean hours."""
        return math.exp(self.mu + self.sigma**2 / 2)

    def sample(self, rng: random.Random) -> float:
        """One draw, in hours."""
        return rng.lognormvariate(self.mu, self.sigma)


def fit_lognormal(hours: Iterable[float]) -> LogNormal:
    """Maximum-likelihood log-normal fit; needs at least three positive durations."""
    logs = [math.log(h) for h in hours if h > 0]
    if len(logs) < MIN_SAMPLES:
        raise InvalidInput(
            f"need at least {MIN_SAMPLES} positive durations to fit, got {len(logs)}"
        )
    return LogNormal(statistics.fmean(logs), statistics.pstdev(logs), len(logs))


@dataclass
class Fits:
    """Fitted distributions by leg (origin, destination) and by dwell node."""

    legs: dict[tuple[str, str], LogNormal] = field(default_factory=dict)
    dwell: dict[str, LogNormal] = field(default_factory=dict)


def durations(
    timelines: Iterable[Iterable[TimelineEvent]],
) -> tuple[dict[tuple[str, str], list[float]], dict[str, list[float]]]:
    """Leg and dwell durations (hours) from shipment timelines."""
    legs: dict[tuple[str, str], list[float]] = defaultdict(list)
    dwell: dict[str, list[float]] = defaultdict(list)
    for timeline in timelines:
        moves = [e for e in timeline if e.kind in ("departed", "arrived") and e.place]
        moves.sort(key=lambda e: e.at)
        for prev, cur in pairwise(moves):
            hours = (cur.at - prev.at).total_seconds() / 3600
            if prev.kind == "departed" and cur.kind == "arrived" and prev.place != cur.place:
                legs[prev.place, cur.place].append(hours)  # type: ignore[index]
            elif prev.kind == "arrived" and cur.kind == "departed" and prev.place == cur.place:
                dwell[cur.place].append(hours)  # type: ignore[index]
    return dict(legs), dict(dwell)


def fit_timelines(timelines: Iterable[Iterable[TimelineEvent]]) -> Fits:
    """Fits for every leg and node observed at least three times."""
    legs, dwell = durations(timelines)
    return Fits(
        legs={k: fit_lognormal(v) for k, v in legs.items() if len(v) >= MIN_SAMPLES},
        dwell={k: fit_lognormal(v) for k, v in dwell.items() if len(v) >= MIN_SAMPLES},
    )
