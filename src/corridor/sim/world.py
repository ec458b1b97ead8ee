"""A scenario's world: the numbers one run of the model works with, resolved from the model
file (a regime, a demand level, a fleet and a season), and the load each shared resource
carries."""

from __future__ import annotations

import math
from dataclasses import dataclass

from corridor.exceptions import InvalidInput
from corridor.sim.params import Parameters, Regime, RouteSpec, Scenario
from corridor.sim.ports import monthly


@dataclass(frozen=True)
class Service:
    """A scheduled sea service: FEU per sailing, hours between sailings, hours at sea."""

    name: str
    capacity: int
    headway_h: float
    sailing_h: float


@dataclass(frozen=True)
class World:
    """One scenario's numbers, resolved from the model file: what the simulation runs on."""

    scenario: Scenario
    regime: Regime
    route: RouteSpec
    origins: dict[str, float]
    trains_per_week: float
    tracked_feu_day: float
    train_capacity: int
    jitter_h: float
    leg_cv: float
    handling_h: float
    storm_h: float
    poti_dwell_h: float
    warmup_h: float
    booking_lead_h: tuple[float, float]
    closures: dict[str, list[float]]
    closures_year: dict[str, float]
    caspian_vessels: int
    caspian_voyage_feu: int
    caspian_round_trip_h: float
    caspian_other_feu_day: float
    black_sea_port: str
    services: tuple[Service, ...]
    black_sea_other_feu_day: float
    interchange_node: str
    interchange_trains_day: float
    interchange_other_trains_day: float
    platforms: int
    platform_cycle_h: float

    @classmethod
    def of(
        cls,
        params: Parameters,
        scenario: str | Scenario,
        *,
        regime: str | None = None,
        demand: str | None = None,
        fleet: str | None = None,
        season: str | None = None,
    ) -> World:
        """A scenario's world, with any of its regime, demand, fleet or season replaced."""
        s = params.scenario(scenario) if isinstance(scenario, str) else scenario
        s = s.model_copy(
            update={
                k: v
                for k, v in (
                    ("regime", regime),
                    ("demand", demand),
                    ("fleet", fleet),
                    ("season", season),
                )
                if v is not None
            }
        )
        if s.season not in params.seasons:
            raise InvalidInput(f"unknown season {s.season!r}; choose one of {params.seasons}")
        d = params.demand_level(s.demand)
        f = params.fleet(s.fleet)
        phys = params.physical_value
        cas = params.caspian
        voyages_per_vessel = 8760 / cas["round_trip_h"].v
        voyage_feu = cas["teu_per_year"].v / 2 / (cas["vessels"].v * voyages_per_vessel)
        services = [
            Service(name, int(sv.capacity.v), sv.headway_h.v, sv.sailing_h.v)
            for name, sv in params.black_sea.services.items()
        ]
        extra = int(f["black_sea_extra_feeders"])
        services += [
            Service(f"{services[0].name} (added {k + 1})", *_tail(services[0]))
            for k in range(extra)
        ]
        inter = params.interchange
        return cls(
            scenario=s,
            regime=params.regime(s.regime),
            route=params.route_of(s),
            origins={k: v.v for k, v in params.origins.items()},
            trains_per_week=d["corridor_trains_per_week"],
            tracked_feu_day=d["tracked_feu_day"],
            train_capacity=int(phys("train_capacity")),
            jitter_h=phys("arrival_jitter_h"),
            leg_cv=phys("leg_cv"),
            handling_h=phys("port_handling_h"),
            storm_h=phys("storm_h"),
            poti_dwell_h=phys("poti_dwell_h"),
            warmup_h=phys("warmup_h"),
            booking_lead_h=(phys("booking_lead_min_h"), phys("booking_lead_max_h")),
            closures={
                port: monthly({k: v.v for k, v in by.items()})
                for port, by in params.closures.items()
            },
            closures_year={port: by["year"].v for port, by in params.closures.items()},
            caspian_vessels=int(f["caspian_vessels"]),
            caspian_voyage_feu=max(1, round(voyage_feu)),
            caspian_round_trip_h=cas["round_trip_h"].v,
            caspian_other_feu_day=d["caspian_other_feu_day"],
            black_sea_port=params.black_sea.port,
            services=tuple(services),
            black_sea_other_feu_day=d["black_sea_other_feu_day"],
            interchange_node=inter.node,
            interchange_trains_day=f["interchange_trains_per_day"],
            interchange_other_trains_day=d["interchange_other_trains_day"],
            platforms=int(f["platforms"]),
            platform_cycle_h=inter.platform_cycle_h.v,
        )

    # ----- loads --------------------------------------------------------------------------

    def caspian_capacity_feu_day(self) -> float:
        """What the fleet carries a day, with the departure port's closures over the year
        taken off (a season may overload it for a while: the queue then builds)."""
        open_share = 1 - self.closures_year.get("aktau", 0.0)
        per_day = self.caspian_vessels * self.caspian_voyage_feu * 24 / self.caspian_round_trip_h
        return per_day * open_share

    def black_sea_capacity_feu_day(self) -> float:
        """What the Black Sea services carry a day, the port's closures taken off."""
        open_share = 1 - self.closures_year.get(self.black_sea_port, 0.0)
        return sum(s.capacity * 24 / s.headway_h for s in self.services) * open_share

    def loads(self, nodes: set[str]) -> dict[str, float]:
        """Demand over capacity of each shared resource the route passes (`nodes`)."""
        out: dict[str, float] = {}
        trains_day = self.trains_per_week / 7 + self.interchange_other_trains_day
        if self.interchange_node in nodes:
            out["interchange"] = trains_day / self.interchange_trains_day
            out["platforms"] = (
                trains_day * self.train_capacity * self.platform_cycle_h / 24 / self.platforms
            )
        if "aktau" in nodes:
            demand = self.tracked_feu_day + self.caspian_other_feu_day
            out["caspian fleet"] = demand / self.caspian_capacity_feu_day()
        if self.black_sea_port in nodes:
            demand = self.tracked_feu_day + self.black_sea_other_feu_day
            out["black sea services"] = demand / self.black_sea_capacity_feu_day()
        return out

    def shortfall(self, resource: str, load: float, target: float = 0.9) -> str:
        """What it would take to bring one resource's load down to `target`, in words."""
        if resource == "caspian fleet":
            per_vessel = self.caspian_capacity_feu_day() / self.caspian_vessels
            need = math.ceil(load * self.caspian_capacity_feu_day() / target / per_vessel)
            return f"{need - self.caspian_vessels} more Caspian vessels"
        if resource == "black sea services":
            first = self.services[0]
            open_share = 1 - self.closures_year.get(self.black_sea_port, 0.0)
            per_feeder = first.capacity * 24 / first.headway_h * open_share
            extra = load * self.black_sea_capacity_feu_day() / target - (
                self.black_sea_capacity_feu_day()
            )
            return (
                f"{math.ceil(extra / per_feeder)} more Black Sea feeder services "
                f"({first.capacity} FEU every {first.headway_h / 24:.0f} days)"
            )
        if resource == "interchange":
            need = math.ceil(load * self.interchange_trains_day / target)
            return f"an interchange of {need} trains a day"
        need = math.ceil(load * self.platforms / target / 100) * 100
        return f"a pool of {need:,} platforms"


def _tail(s: Service) -> tuple[int, float, float]:
    return s.capacity, s.headway_h, s.sailing_h
