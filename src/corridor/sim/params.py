"""Simulator parameters: the regimes file, validated so that every value carries its basis."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from corridor.exceptions import InvalidInput


class Value(BaseModel):
    """A parameter with its source or the assumption behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: float
    src: str | None = None
    assume: str | None = None
    # A customs post's figure that is the observed time of the whole border crossing (both
    # posts, queues, checks and gauge change): counted once, with nothing drawn on top.
    crossing: bool = False

    @model_validator(mode="after")
    def _grounded(self) -> Value:
        if bool(self.src) == bool(self.assume):
            raise ValueError("give exactly one of 'src' (a source) or 'assume' (a stated reason)")
        return self


class Checkpoint(BaseModel):
    """A published time to reach a node part-way, for a route the model covers up to there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    node: str
    low: float
    high: float
    year: str
    route: str
    src: str

    def distance(self, p50_days: float) -> float:
        """Days from the published range to the modelled median (0 inside it)."""
        return _outside(p50_days, self.low, self.high)


def _outside(days: float, low: float, high: float) -> float:
    """How far `days` lies outside [low, high]: + above it, - below it, 0 inside."""
    return max(0.0, days - high) + min(0.0, days - low)


class Published(BaseModel):
    """A published transit-time range for calibration, in days: what was published, for
    which year and route, and why it fits the modelled route."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    high: float
    point: float
    src: str
    year: str
    route: str
    fits: str
    target: bool = False
    # What the published figure includes that the model does not hold (so a distance from
    # it is read for what it is).
    unmodelled: str | None = None
    checkpoints: list[Checkpoint] = Field(default_factory=list)

    def verdict(self, p50_days: float) -> str:
        """Whether a modelled median matches the published range, or meets the target."""
        if self.target:
            return "meets target" if p50_days <= self.high else "misses target"
        return "in range" if self.low <= p50_days <= self.high else "out of range"

    def distance(self, p50_days: float) -> float:
        """Days from the published range to the modelled median (0 inside it; for a target,
        0 at or under it); positive when the model is slower."""
        return _outside(p50_days, float("-inf") if self.target else self.low, self.high)


PHYSICAL = (
    "train_capacity",
    "trains_per_week",
    "arrival_jitter_h",
    "leg_cv",
    "ferry_count",
    "ferry_capacity",
    "port_handling_h",
    "feeder_headway_h",
    "feeder_capacity",
    "weather_cancel_prob",
    "weather_delay_h",
)
PROCEDURE = (
    "customs_h",
    "customs_cv",
    "customs_lanes",
    "inspect_prob",
    "inspect_h",
    "missing_doc_prob",
    "missing_doc_h",
    "ferry_min_load",
    "ferry_max_wait_h",
    "train_max_wait_h",
)


_POST = re.compile(r"^[a-z0-9-]+/(exit|entry)$")


class Regime(BaseModel):
    """One procedure regime: a label, its procedure parameters, and the customs time of
    particular posts by direction ('dostyk/entry', 'aktau/exit'); a post not listed takes
    `customs_h`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    label: str
    values: dict[str, Value]
    posts: dict[str, Value] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _posts_named(self) -> Regime:
        bad = [k for k in self.posts if not _POST.match(k)]
        if bad:
            raise ValueError(
                f"regime {self.name}: posts are named 'node/exit' or 'node/entry', not {bad}"
            )
        return self

    def __getitem__(self, key: str) -> float:
        return self.values[key].v

    def post(self, node: str, direction: str) -> Value:
        """The customs time of one post in one direction."""
        return self.posts.get(f"{node}/{direction}") or self.values["customs_h"]


class RouteSpec(BaseModel):
    """The simulated route."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    origin: str
    destination: str
    via: list[str] = Field(default_factory=list)


class Regimes(BaseModel):
    """The whole regimes file."""

    model_config = ConfigDict(frozen=True)

    route: RouteSpec
    published: dict[str, Published]
    physical: dict[str, Value]
    regimes: dict[str, Regime]

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise ValueError("the regimes file is a mapping")
        regimes = {}
        for name, body in (raw.get("regimes") or {}).items():
            body = dict(body)
            label = body.pop("label", name)
            posts = body.pop("posts", None) or {}
            missing = [k for k in PROCEDURE if k not in body]
            extra = [k for k in body if k not in PROCEDURE]
            if missing or extra:
                raise ValueError(f"regime {name}: missing {missing or '-'}, unknown {extra or '-'}")
            regimes[name] = {"name": name, "label": label, "values": body, "posts": posts}
        missing = [k for k in PHYSICAL if k not in (raw.get("physical") or {})]
        if missing:
            raise ValueError(f"physical parameters missing: {missing}")
        return {**raw, "regimes": regimes}

    def physical_value(self, key: str) -> float:
        """A shared physical parameter."""
        return self.physical[key].v

    def regime(self, name: str) -> Regime:
        """A regime by name, or InvalidInput listing the known ones."""
        try:
            return self.regimes[name]
        except KeyError:
            raise InvalidInput(
                f"unknown regime {name!r}; choose one of {', '.join(self.regimes)}"
            ) from None


def parse(text: str) -> Regimes:
    """Regimes from YAML text."""
    try:
        return Regimes.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"regimes file is not valid YAML: {exc}") from None


@cache
def shipped_regimes() -> Regimes:
    """The regimes shipped with the package."""
    return parse(resources.files("corridor.sim").joinpath("regimes.yaml").read_text("utf-8"))
