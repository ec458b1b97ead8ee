"""The published figures the corridor model is held to: an end-to-end range with its year,
route and clock, the part-way checkpoints and the segments."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_DATA = ConfigDict(extra="forbid", frozen=True)


class Figure(BaseModel):
    """A published range of days, its year, the route it was measured on and its source."""

    model_config = _DATA

    low: float
    high: float
    year: str
    route: str
    src: str

    def distance(self, p50_days: float) -> float:
        """Days from the published range to the modelled median (0 inside it)."""
        return _outside(p50_days, self.low, self.high)


class Checkpoint(Figure):
    """A published time to reach a node part-way, for a route the model covers up to there."""

    node: str


class Segment(Figure):
    """A published time from one node to another."""

    start: str
    end: str


def _outside(days: float, low: float, high: float) -> float:
    """How far `days` lies outside [low, high]: + above it, - below it, 0 inside."""
    return max(0.0, days - high) + min(0.0, days - low)


Clock = Literal["departure", "booking"]


class Published(BaseModel):
    """A published transit-time range for calibration, in days: what was published, for
    which year and route, why it fits the modelled route, and the clock it counts by."""

    model_config = _DATA

    low: float
    high: float
    point: float
    src: str
    year: str
    route: str
    fits: str
    clock: Clock
    target: bool = False
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    segments: list[Segment] = Field(default_factory=list)

    def verdict(self, p50_days: float) -> str:
        """Whether a modelled median matches the published range, or meets the target."""
        if self.target:
            return "meets target" if p50_days <= self.high else "misses target"
        return "in range" if self.low <= p50_days <= self.high else "out of range"

    def distance(self, p50_days: float) -> float:
        """Days from the published range to the modelled median (0 inside it; for a target,
        0 at or under it); positive when the model is slower."""
        return _outside(p50_days, float("-inf") if self.target else self.low, self.high)

    def within(self, p50_days: float, tolerance: float = 0.15) -> bool:
        """Whether the median lies within `tolerance` of the published figure's point."""
        return abs(p50_days - self.point) <= tolerance * self.point
