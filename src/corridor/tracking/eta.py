"""Arrival estimates from the last custody event: per remaining node, p50 and p90.

A journey is measured in hops: from arriving at one node (or leaving the origin) to arriving
at the next, the dwell before departure included. Each hop's time is a log-normal fitted to
the hops other containers took (`corridor.sim.fit.fit_lognormal`, at least three), or, where
none were seen, the network's planned hours with an assumed spread. The remaining hops are
drawn together many times; the first is drawn given the time already spent in it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

import numpy as np

from corridor.sim.fit import MIN_SAMPLES, LogNormal, fit_lognormal

# Spread (sigma of log hours) of a hop nobody has been seen making: an assumption, about
# the spread the simulator's regimes give a rail leg with its border dwell.
PLANNED_SIGMA = 0.35
DRAWS = 2000
Hop = tuple[str, str]
Journey = Mapping[str, float]  # hours from the start to reaching each node


@dataclass(frozen=True)
class Stop:
    """The estimate for one node still ahead."""

    node: str
    p50: datetime
    p90: datetime
    basis: str  # "fitted" (from seen hops) or "planned" (network times)


def hop_hours(journeys: Iterable[Journey]) -> dict[Hop, list[float]]:
    """The hops seen in journeys (each a node -> hours reached, in route order)."""
    seen: dict[Hop, list[float]] = defaultdict(list)
    for journey in journeys:
        for (a, ta), (b, tb) in pairwise(journey.items()):
            if tb > ta:
                seen[a, b].append(tb - ta)
    return dict(seen)


def fit_hops(journeys: Iterable[Journey]) -> dict[Hop, LogNormal]:
    """A log-normal per hop seen at least three times."""
    return {
        hop: fit_lognormal(hours)
        for hop, hours in hop_hours(journeys).items()
        if len(hours) >= MIN_SAMPLES
    }


def _draws(dist: LogNormal, n: int, rng: np.random.Generator, spent: float) -> np.ndarray:
    """n hop times given `spent` hours already in the hop (redrawn while shorter)."""
    out = rng.lognormal(dist.mu, max(dist.sigma, 1e-6), n)
    for _ in range(20):
        short = out < spent
        if not short.any():
            break
        out[short] = rng.lognormal(dist.mu, max(dist.sigma, 1e-6), int(short.sum()))
    return np.maximum(out, spent)


def estimate(
    route: Sequence[str],
    planned: Mapping[Hop, float],
    fits: Mapping[Hop, LogNormal],
    at_node: str,
    since: datetime,
    now: datetime,
    seed: int = 0,
) -> list[Stop]:
    """Estimates for the nodes after `at_node`, reached (or left, at the origin) at `since`."""
    ahead = route[route.index(at_node) :]
    rng = np.random.default_rng(seed)
    spent = max(0.0, (now - since).total_seconds() / 3600)
    total = np.zeros(DRAWS)
    stops = []
    for i, hop in enumerate(pairwise(ahead)):
        dist = fits.get(hop)
        basis = "fitted" if dist else "planned"
        if dist is None:
            dist = LogNormal(math.log(max(planned[hop], 0.1)), PLANNED_SIGMA, 0)
        total += _draws(dist, DRAWS, rng, spent if i == 0 else 0.0)
        p50, p90 = np.percentile(total, [50, 90])
        stops.append(
            Stop(
                hop[1],
                since + timedelta(hours=float(p50)),
                since + timedelta(hours=float(p90)),
                basis,
            )
        )
    return stops


def backtest(
    train: Sequence[Journey],
    test: Sequence[Journey],
    route: Sequence[str],
    planned: Mapping[Hop, float],
    checkpoints: Sequence[str],
) -> dict[str, float]:
    """Median absolute error (hours) of the p50 arrival at the destination, estimated at each
    checkpoint of the test journeys from hops fitted on the training journeys."""
    fits = fit_hops(train)
    start = datetime(2026, 1, 1)
    errors: dict[str, float] = {}
    for point in checkpoints:
        misses = []
        for n, journey in enumerate(test):
            if point not in journey or route[-1] not in journey:
                continue
            since = start + timedelta(hours=journey[point])
            stops = estimate(route, planned, fits, point, since, since, seed=n)
            actual = start + timedelta(hours=journey[route[-1]])
            misses.append(abs((stops[-1].p50 - actual).total_seconds()) / 3600)
        errors[point] = median(misses) if misses else math.nan
    return errors
