"""The corridor model's data (`model.yaml`), validated so that every value carries its basis:
a source, a stated assumption, or bounds within which `corridor simulate fit` fits it to the
published figures (the fitted values live in `fitted.yaml`, written by that command)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from corridor.exceptions import InvalidInput
from corridor.sim import paths
from corridor.sim.published import Published

_DATA = ConfigDict(extra="forbid", frozen=True)


class Value(BaseModel):
    """A parameter with its source, the assumption behind it, or the bounds it is fitted in."""

    model_config = _DATA

    v: float
    src: str | None = None
    assume: str | None = None
    fit: tuple[float, float] | None = None
    # For a fitted value: the published figure it is fitted to, and what it stands for.
    target: str | None = None
    note: str | None = None
    # A customs post's figure that is the observed time of the whole border crossing (both
    # posts, queues, checks and gauge change): counted once, with nothing drawn on top.
    crossing: bool = False

    @model_validator(mode="after")
    def _grounded(self) -> Value:
        given = [k for k in ("src", "assume", "fit") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'src' (a source), 'assume' (a stated reason) or "
                f"'fit' (bounds to fit within), not {given or 'none'}"
            )
        if self.fit is not None:
            low, high = self.fit
            if not (self.target and self.note):
                raise ValueError("a fitted value names its 'target' and says what it is ('note')")
            if not low <= self.v <= high:
                raise ValueError(f"{self.v} lies outside its fit bounds [{low}, {high}]")
        return self


PHYSICAL = (
    "train_capacity",
    "arrival_jitter_h",
    "leg_cv",
    "port_handling_h",
    "booking_load",
    "storm_h",
    "poti_dwell_h",
    "warmup_h",
    "booking_lead_min_h",
    "booking_lead_max_h",
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
DEMAND = (
    "corridor_trains_per_week",
    "tracked_feu_day",
    "caspian_other_feu_day",
    "black_sea_other_feu_day",
    "interchange_other_trains_day",
)
FLEET = ("caspian_vessels", "black_sea_extra_feeders", "interchange_trains_per_day", "platforms")
CASPIAN = ("vessels", "teu_per_year", "round_trip_h")

_POST = re.compile(r"^[a-z0-9-]+/(exit|entry)$")


class Regime(BaseModel):
    """One procedure regime: a label, its procedure parameters, the customs time of
    particular posts by direction ('dostyk/entry', 'aktau/exit') and particular posts' rates
    of documentary holds; a post not listed takes `customs_h` and `missing_doc_prob`."""

    model_config = _DATA

    name: str
    label: str
    values: dict[str, Value]
    posts: dict[str, Value] = Field(default_factory=dict)
    holds: dict[str, Value] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _posts_named(self) -> Regime:
        bad = [k for k in [*self.posts, *self.holds] if not _POST.match(k)]
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

    def hold(self, node: str, direction: str) -> float:
        """The share of loads held for a document at one post."""
        own = self.holds.get(f"{node}/{direction}")
        return own.v if own else self["missing_doc_prob"]


class RouteSpec(BaseModel):
    """A simulated route."""

    model_config = _DATA

    origin: str
    destination: str
    via: list[str] = Field(default_factory=list)


class Union(BaseModel):
    """A customs union: no customs post at a border between two of its members."""

    model_config = _DATA

    members: list[str]
    src: str


class Service(BaseModel):
    """A scheduled sea service."""

    model_config = _DATA

    capacity: Value
    headway_h: Value
    sailing_h: Value


class BlackSea(BaseModel):
    """The services that leave the corridor's Black Sea port."""

    model_config = _DATA

    port: str
    services: dict[str, Service]


class Interchange(BaseModel):
    """A gauge-change interchange with a daily train capacity and a platform pool."""

    model_config = _DATA

    node: str
    platform_cycle_h: Value


class Scenario(BaseModel):
    """One procedure regime under one demand level, fleet and season, on one route."""

    model_config = _DATA

    name: str
    regime: str
    demand: str
    fleet: str
    season: str
    label: str
    route: str = "main"


class Parameters(BaseModel):
    """The whole model file."""

    model_config = ConfigDict(frozen=True)

    route: RouteSpec
    routes: dict[str, RouteSpec] = Field(default_factory=dict)
    origins: dict[str, Value]
    unions: dict[str, Union]
    published: dict[str, Published]
    physical: dict[str, Value]
    caspian: dict[str, Value]
    black_sea: BlackSea
    closures: dict[str, dict[str, Value]]
    interchange: Interchange
    demand: dict[str, dict[str, Value]]
    fleets: dict[str, dict[str, Value]]
    seasons: list[str]
    scenarios: dict[str, Scenario]
    regimes: dict[str, Regime]

    @model_validator(mode="before")
    @classmethod
    def _shape(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            raise ValueError("the model file is a mapping")
        regimes = {}
        for name, body in (raw.get("regimes") or {}).items():
            body = dict(body)
            label = body.pop("label", name)
            posts = body.pop("posts", None) or {}
            holds = body.pop("holds", None) or {}
            _exactly(f"regime {name}", body, PROCEDURE)
            regimes[name] = {
                "name": name,
                "label": label,
                "values": body,
                "posts": posts,
                "holds": holds,
            }
        scenarios = {
            name: {"name": name, **body} for name, body in (raw.get("scenarios") or {}).items()
        }
        _exactly("physical parameters", raw.get("physical") or {}, PHYSICAL)
        _exactly("caspian", raw.get("caspian") or {}, CASPIAN)
        for name, body in (raw.get("fleets") or {}).items():
            _exactly(f"fleet {name}", body, FLEET)
        return {**raw, "regimes": regimes, "scenarios": scenarios}

    @model_validator(mode="after")
    def _consistent(self) -> Parameters:
        base = [k for k, v in self.demand.items() if "scale" not in v]
        if len(base) != 1:
            raise ValueError(f"exactly one demand level is the base (has no 'scale'), not {base}")
        _exactly(f"demand {base[0]}", self.demand[base[0]], DEMAND)
        for name, level in self.demand.items():
            unknown = [k for k in level if k not in (*DEMAND, "scale")]
            if unknown:
                raise ValueError(f"demand {name}: unknown {unknown}")
        for port, seasons in self.closures.items():
            if sorted(seasons) != sorted(self.seasons):
                raise ValueError(f"closures at {port}: give every season of {self.seasons}")
        for s in self.scenarios.values():
            for kind, known in (
                ("regime", self.regimes),
                ("demand", self.demand),
                ("fleet", self.fleets),
                ("route", {"main": 1, **self.routes}),
            ):
                if getattr(s, kind) not in known:
                    raise ValueError(f"scenario {s.name}: unknown {kind} {getattr(s, kind)!r}")
            if s.season not in self.seasons:
                raise ValueError(f"scenario {s.name}: unknown season {s.season!r}")
        shares = sum(v.v for v in self.origins.values())
        if abs(shares - 1) > 1e-9:
            raise ValueError(f"the origins' shares add up to {shares}, not 1")
        return self

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

    def scenario(self, name: str) -> Scenario:
        """A scenario by name, or InvalidInput listing the known ones."""
        try:
            return self.scenarios[name]
        except KeyError:
            raise InvalidInput(
                f"unknown scenario {name!r}; choose one of {', '.join(self.scenarios)}"
            ) from None

    def route_of(self, scenario: Scenario) -> RouteSpec:
        """The route a scenario runs on."""
        return self.route if scenario.route == "main" else self.routes[scenario.route]

    def demand_level(self, name: str) -> dict[str, float]:
        """A demand level's figures: the base level's times its `scale`, or its own figures
        where it gives them."""
        if name not in self.demand:
            raise InvalidInput(f"unknown demand level {name!r}; choose one of {list(self.demand)}")
        base = next(v for v in self.demand.values() if "scale" not in v)
        level = self.demand[name]
        scale = level["scale"].v if "scale" in level else 1.0
        out = {k: v.v * scale for k, v in base.items()}
        out.update({k: v.v for k, v in level.items() if k != "scale"})
        return out

    def fleet(self, name: str) -> dict[str, float]:
        """A fleet's figures."""
        if name not in self.fleets:
            raise InvalidInput(f"unknown fleet {name!r}; choose one of {list(self.fleets)}")
        return {k: v.v for k, v in self.fleets[name].items()}

    def customs_between(self, a: str, b: str) -> bool:
        """Whether a border between countries `a` and `b` has customs posts."""
        if a == b:
            return False
        return not any(a in u.members and b in u.members for u in self.unions.values())

    def values(self) -> dict[str, Value]:
        """Every value by its path in the file ('demand/2025/caspian_other_feu_day')."""
        raw = self.model_dump(mode="python", exclude={"scenarios", "published"})
        return {p: Value.model_validate(v) for p, v in paths.values(raw).items()}

    def free(self) -> dict[str, Value]:
        """The values fitted to the published figures, by path."""
        return {p: v for p, v in self.values().items() if v.fit is not None}

    def with_values(self, changes: dict[str, float]) -> Parameters:
        """The same parameters with the values at `changes`' paths replaced."""
        raw = self.model_dump(mode="python")
        known = self.values()
        for path, number in changes.items():
            if path not in known:
                raise InvalidInput(f"no parameter at {path!r}")
            bounds = known[path].fit
            if bounds and not bounds[0] <= number <= bounds[1]:
                raise InvalidInput(f"{path} = {number:g} lies outside its fit bounds {bounds}")
            paths.set_value(raw, path, float(number))
        return Parameters.model_validate(_unshape(raw))


def _exactly(what: str, body: dict[str, Any], keys: tuple[str, ...]) -> None:
    missing = [k for k in keys if k not in body]
    extra = [k for k in body if k not in keys]
    if missing or extra:
        raise ValueError(f"{what}: missing {missing or '-'}, unknown {extra or '-'}")


def _unshape(raw: dict[str, Any]) -> dict[str, Any]:
    """A dumped model back in the file's shape."""
    regimes = {}
    for name, r in raw["regimes"].items():
        regimes[name] = {
            "label": r["label"],
            **r["values"],
            "posts": r["posts"],
            "holds": r["holds"],
        }
    scenarios = {
        name: {k: v for k, v in s.items() if k != "name"} for name, s in raw["scenarios"].items()
    }
    return {**raw, "regimes": regimes, "scenarios": scenarios}


def parse(text: str, fitted: str | None = None) -> Parameters:
    """Parameters from YAML text, with the fitted values of `fitted` (a fitted.yaml text)."""
    try:
        params = Parameters.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"model file is not valid YAML: {exc}") from None
    if fitted:
        values = (yaml.safe_load(fitted) or {}).get("values") or {}
        free = params.free()
        unknown = [p for p in values if p not in free]
        if unknown:
            raise InvalidInput(f"fitted values for parameters that are not fitted: {unknown}")
        params = params.with_values({p: float(v) for p, v in values.items()})
    return params


def _text(name: str) -> str | None:
    resource = resources.files("corridor.sim").joinpath(name)
    return resource.read_text("utf-8") if resource.is_file() else None


@cache
def shipped() -> Parameters:
    """The model data shipped with the package, with the shipped fit applied."""
    text = _text("model.yaml")
    assert text is not None
    return parse(text, _text("fitted.yaml"))
