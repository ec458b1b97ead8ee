"""Selectivity: the lane a declaration takes, from the profiles it hits and a random draw.

How a lane is chosen (after ASYCUDA's selectivity module):

1. Every profile in force that the declaration matches is a hit. A hit selects with its
   profile's percentage, decided by a keyed draw of (declaration, profile): the same
   declaration always gets the same answer, which a trader cannot predict without the
   node's secret and an auditor with the secret can recompute.
2. A declaration with at least `max_hits` hits is selected for a documentary check even
   when none of them selected it.
3. A keyed random draw of the declaration may raise the lane further. Its rates are
   calibrated so that, over the office's declarations, the share in each lane comes out at
   the office's expected rate (never below the office's minimum random rate): the profiles
   fill their part, and the draw fills the rest.

The lane is the strongest of the three. Amended data is assessed again with the same draws,
so amending a declaration cannot re-roll its lane.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from corridor.customs.profiles import Declaration, Lane, Office, ProfileIndex

_SCALE = float(2**64)


def draw(secret: bytes, *parts: str) -> float:
    """A number in [0, 1) that only the holder of `secret` can compute from `parts`."""
    mac = hmac.digest(secret, "\x1f".join(parts).encode(), "sha256")
    return int.from_bytes(mac[:8], "big") / _SCALE


@dataclass(frozen=True)
class RandomRates:
    """Cumulative probabilities of the random draw selecting at least red, yellow, blue."""

    red: float
    yellow: float
    blue: float

    def lane(self, u: float) -> Lane:
        if u < self.red:
            return Lane.RED
        if u < self.yellow:
            return Lane.YELLOW
        if u < self.blue:
            return Lane.BLUE
        return Lane.GREEN


@dataclass(frozen=True)
class Hit:
    """One profile a declaration matched: what the officer reads, and whether it selected."""

    profile: str
    lane: str
    reason: str
    selected: bool


@dataclass(frozen=True)
class Assessment:
    """The lane, the hit list, and the random draw that an auditor can reproduce."""

    channel: str
    hits: list[Hit]
    draw: float
    random_lane: str
    by_profiles: str
    profiles_checked: int = field(default=0)


def profile_lane(
    d: Declaration, index: ProfileIndex, office: Office, secret: bytes
) -> tuple[Lane, list[Hit], int]:
    """The lane the profiles alone give `d`, its hit list, and how many profiles were
    checked."""
    candidates = index.candidates(d)
    lane = Lane.GREEN
    hits: list[Hit] = []
    for c in candidates:
        if not c.matches(d):
            continue
        selected = draw(secret, "hit", d.key, c.profile.id) * 100 < c.profile.percent
        if selected and c.lane > lane:
            lane = c.lane
        hits.append(Hit(c.profile.id, c.lane.label, c.profile.reason, selected))
    if len(hits) >= office.max_hits and lane < Lane.YELLOW:
        lane = Lane.YELLOW
    return lane, hits, len(candidates)


def assess(
    d: Declaration, index: ProfileIndex, office: Office, rates: RandomRates, secret: bytes
) -> Assessment:
    """The lane of one declaration."""
    by_profiles, hits, checked = profile_lane(d, index, office, secret)
    u = draw(secret, "random", d.key)
    random_lane = rates.lane(u)
    channel = max(by_profiles, random_lane)
    return Assessment(
        channel.label, hits, u, random_lane.label, by_profiles.label, profiles_checked=checked
    )


def uncalibrated(office: Office) -> RandomRates:
    """The draw's rates before any calibration: the office's expected rates."""
    r = office.rates
    return RandomRates(r.red / 100, (r.red + r.yellow) / 100, (r.red + r.yellow + r.blue) / 100)


@dataclass(frozen=True)
class Calibration:
    """The draw's rates for an office, and what the profiles alone selected on the sample."""

    rates: RandomRates
    sample: int
    profile_shares: dict[str, float]
    reachable: bool


def calibrate(
    sample: Iterable[Declaration], index: ProfileIndex, office: Office, secret: bytes
) -> Calibration:
    """Rates for the random draw such that the lanes' shares over declarations like
    `sample` come out at the office's expected rates.

    With the lane the strongest of the profiles' lane P and the draw's lane R (independent:
    the draws are keyed hashes), P(lane >= L) = 1 - P(P < L) * P(R < L); solving for the
    draw gives P(R >= L) = 1 - (1 - target_L) / P(P < L), never below the office's
    cumulative minimum random rate. `reachable` is false when the profiles alone select
    more than the expected rate of some lane."""
    below = {Lane.RED: 0, Lane.YELLOW: 0, Lane.BLUE: 0}
    counts = dict.fromkeys(Lane, 0)
    n = 0
    for d in sample:
        lane, _, _ = profile_lane(d, index, office, secret)
        counts[lane] += 1
        n += 1
        for level in below:
            if lane < level:
                below[level] += 1
    if n == 0:
        return Calibration(uncalibrated(office), 0, {}, True)
    r, m = office.rates, office.min_random
    target = {
        Lane.RED: r.red / 100,
        Lane.YELLOW: (r.red + r.yellow) / 100,
        Lane.BLUE: (r.red + r.yellow + r.blue) / 100,
    }
    floor = {
        Lane.RED: m.red / 100,
        Lane.YELLOW: (m.red + m.yellow) / 100,
        Lane.BLUE: (m.red + m.yellow + m.blue) / 100,
    }
    reachable = True
    cumulative: dict[Lane, float] = {}
    previous = 0.0
    for level in (Lane.RED, Lane.YELLOW, Lane.BLUE):
        p_below = below[level] / n
        need = 1.0 - (1.0 - target[level]) / p_below if p_below > 0 else 0.0
        if need < 0:
            reachable = False
        value = min(1.0, max(need, floor[level], previous))
        cumulative[level] = previous = value
    shares = {lane.label: counts[lane] / n for lane in Lane}
    return Calibration(
        RandomRates(cumulative[Lane.RED], cumulative[Lane.YELLOW], cumulative[Lane.BLUE]),
        n,
        shares,
        reachable,
    )
