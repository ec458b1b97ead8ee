"""Simulator parameters: the regimes file, validated so that every value carries its basis."""

from __future__ import annotations

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

    @model_validator(mode="after")
    def _grounded(self) -> Value:
        if bool(self.src) == bool(self.assume):
            raise ValueError("give exactly one of 'src' (a source) or 'assume' (a stated reason)")
        return self


class Published(BaseModel):
    """A published transit-time range for calibration, in days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    high: float
    point: float
    src: str
    target: bool = False

    def verdict(self, p50_days: float) -> str:
        """Whether a modelled median matches the published range, or meets the target."""
        if self.target:
            return "meets target" if p50_days <= self.high else "misses target"
        return "in range" if self.low <= p50_days <= self.high else "out of range"


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


class Regime(BaseModel):
    """One procedure regime: a label and its procedure parameters."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    label: str
    values: dict[str, Value]

    def __getitem__(self, key: str) -> float:
        return self.values[key].v


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
            missing = [k for k in PROCEDURE if k not in body]
            extra = [k for k in body if k not in PROCEDURE]
            if missing or extra:
                raise ValueError(f"regime {name}: missing {missing or '-'}, unknown {extra or '-'}")
            regimes[name] = {"name": name, "label": label, "values": body}
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
