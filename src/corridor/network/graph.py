"""The corridor network: nodes, legs and route finding.

Legs are bidirectional. A route's time counts each leg's typical hours plus the typical
dwell at every node it passes through (not the origin or the destination), so "fastest"
prefers a longer line that avoids a slow border.
"""

from __future__ import annotations

import difflib
import heapq
import itertools
from collections.abc import Iterable
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from corridor.exceptions import InvalidInput, NoRoute, UnknownNode
from corridor.memo import Memo
from corridor.model.codes import CountryCode
from corridor.model.shipment import RoutePreference

Basis = Literal["source", "derived", "assumption"]


class Mode(StrEnum):
    """How a leg is travelled."""

    RAIL = "rail"
    FERRY = "ferry"
    SEA = "sea"
    ROAD = "road"


class NodeKind(StrEnum):
    """What kind of place a node is."""

    SEAPORT = "seaport"
    TERMINAL = "terminal"
    JUNCTION = "junction"
    BORDER_STATION = "border_station"
    GAUGE_CHANGE = "gauge_change"


_DATA = ConfigDict(extra="forbid", frozen=True)


class Node(BaseModel):
    """A place on the corridor."""

    model_config = _DATA

    id: str
    name: str
    country: CountryCode
    kind: NodeKind
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    locode: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")
    unconfirmed: bool = False
    coord_source: str | None = None
    dwell_h: float = Field(ge=0)
    dwell_basis: Basis
    dwell_source: str | None = None
    dwell_note: str | None = None
    # "crossing": the dwell is the whole border crossing's observed time; "included": this
    # post's time is inside its partner's crossing figure (and its own dwell is 0).
    dwell_scope: Literal["node", "crossing", "included"] = "node"


class Leg(BaseModel):
    """A link between two nodes, travelled in either direction."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    origin: str = Field(alias="from")
    destination: str = Field(alias="to")
    mode: Mode
    distance_km: float = Field(gt=0)
    distance_basis: Basis
    hours: float = Field(gt=0)
    hours_basis: Basis
    source: str | None = None
    note: str | None = None

    def reversed(self) -> Leg:
        """The same leg travelled the other way."""
        return self.model_copy(update={"origin": self.destination, "destination": self.origin})


class NetworkFile(BaseModel):
    """The whole network file, checked for internal consistency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    name: str
    nodes: list[Node]
    legs: list[Leg]
    sources: dict[str, str]
    # Each country's civil time zone (IANA name).
    zones: dict[CountryCode, str] = {}

    @field_validator("zones")
    @classmethod
    def _known_zones(cls, value: dict[str, str]) -> dict[str, str]:
        for country, name in value.items():
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{country}: {name!r} is not an IANA time zone") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> NetworkFile:
        ids = [n.id for n in self.nodes]
        if len(ids) != len(set(ids)):
            raise ValueError("node ids must be unique")
        known = set(ids)
        cited: set[str] = set()
        for leg in self.legs:
            for end in (leg.origin, leg.destination):
                if end not in known:
                    raise ValueError(f"leg {leg.origin}->{leg.destination}: unknown node {end!r}")
            if leg.source:
                cited.add(leg.source)
        cited |= {s for n in self.nodes for s in (n.coord_source, n.dwell_source) if s}
        missing = sorted(cited - set(self.sources))
        if missing:
            raise ValueError(f"cited sources missing from 'sources': {', '.join(missing)}")
        return self


class BorderCrossing(BaseModel):
    """Where a route leaves one country and enters another."""

    model_config = _DATA

    exit_node: str
    entry_node: str
    from_country: str
    to_country: str
    mode: Mode


class Route(BaseModel):
    """A path through the network with its totals and border crossings."""

    # Stored routes carry their computed fields; they are recomputed on load.
    model_config = ConfigDict(extra="ignore", frozen=True)

    origin: str
    destination: str
    prefer: RoutePreference
    nodes: list[str]
    legs: list[Leg]
    distance_km: float
    moving_hours: float
    dwell_hours: float
    borders: list[BorderCrossing]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_hours(self) -> float:
        """Moving time plus dwell at intermediate nodes."""
        return round(self.moving_hours + self.dwell_hours, 1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def countries(self) -> list[str]:
        """Countries in the order the route visits them."""
        out: list[str] = []
        for border in self.borders:
            if not out:
                out.append(border.from_country)
            out.append(border.to_country)
        return out


# How many distinct route requests a network remembers the answer to.
_ROUTES_KEPT = 4096


class Network:
    """The corridor graph with route finding."""

    def __init__(self, data: NetworkFile) -> None:
        self.data = data
        self.nodes: dict[str, Node] = {n.id: n for n in data.nodes}
        self._adjacent: dict[str, list[Leg]] = {n: [] for n in self.nodes}
        for leg in data.legs:
            self._adjacent[leg.origin].append(leg)
            self._adjacent[leg.destination].append(leg.reversed())
        for legs in self._adjacent.values():
            legs.sort(key=lambda leg: leg.destination)
        # Routes already found (a network does not change once built; routes are frozen).
        self._routes: Memo[tuple[str, str, RoutePreference, tuple[str, ...]], Route]
        self._routes = Memo(_ROUTES_KEPT)

    @classmethod
    def from_yaml(cls, text: str) -> Network:
        """Build a network from the YAML text of a network file."""
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InvalidInput(f"network file is not valid YAML: {exc}") from None
        return cls(NetworkFile.model_validate(raw))

    def zone(self, country: str | None) -> ZoneInfo:
        """A country's civil time zone (UTC where the network names none)."""
        name = self.data.zones.get(country or "")
        return ZoneInfo(name) if name else ZoneInfo("UTC")

    def node(self, node_id: str) -> Node:
        """Return a node, or raise UnknownNode with the closest known ids."""
        try:
            return self.nodes[node_id]
        except KeyError:
            close = difflib.get_close_matches(node_id, list(self.nodes), n=3)
            hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UnknownNode(f"Unknown node {node_id!r}.{hint}") from None

    def legs(self, node_id: str) -> Iterable[Leg]:
        """Legs leaving a node."""
        return iter(self._adjacent[self.node(node_id).id])

    def leg(self, origin: str, destination: str) -> Leg | None:
        """The leg from one node straight to another, if the network has one."""
        return next((x for x in self.legs(origin) if x.destination == destination), None)

    def route(
        self,
        origin: str,
        destination: str,
        prefer: RoutePreference = RoutePreference.FASTEST,
        via: Iterable[str] = (),
    ) -> Route:
        """Find the fastest (hours incl. dwell) or shortest (km) route between two nodes,
        passing through the `via` nodes in order."""
        key = (origin, destination, RoutePreference(prefer), tuple(via))
        return self._routes.get_or(key, lambda: self._find(origin, destination, key[2], key[3]))

    def _find(
        self, origin: str, destination: str, prefer: RoutePreference, via: tuple[str, ...]
    ) -> Route:
        stops = [origin, *via, destination]
        if len(stops) == 2:
            return self._segment(origin, destination, prefer)
        nodes: list[str] = [origin]
        legs: list[Leg] = []
        for a, b in itertools.pairwise(stops):
            part = self._segment(a, b, prefer)
            nodes += part.nodes[1:]
            legs += part.legs
        if len(set(nodes)) != len(nodes):
            raise NoRoute(
                f"the waypoints {', '.join(stops[1:-1])} force the route through a node twice; "
                "choose waypoints in travel order"
            )
        return self._route(origin, destination, prefer, nodes, legs)

    def _segment(self, origin: str, destination: str, prefer: RoutePreference) -> Route:
        self.node(origin)
        self.node(destination)
        if origin == destination:
            raise InvalidInput(
                f"origin and destination are both {origin!r}; a route needs two different nodes"
            )

        def cost(leg: Leg) -> float:
            if prefer is RoutePreference.SHORTEST:
                return leg.distance_km
            return leg.hours + self.nodes[leg.destination].dwell_h

        # Dijkstra; ties break on the path's node ids so results never depend on dict order.
        best: dict[str, float] = {origin: 0.0}
        queue: list[tuple[float, tuple[str, ...], list[Leg]]] = [(0.0, (origin,), [])]
        while queue:
            spent, path, legs = heapq.heappop(queue)
            here = path[-1]
            if here == destination:
                return self._route(origin, destination, prefer, list(path), legs)
            if spent > best.get(here, float("inf")):
                continue
            for leg in self._adjacent[here]:
                if leg.destination in path:
                    continue
                total = spent + cost(leg)
                if total < best.get(leg.destination, float("inf")):
                    best[leg.destination] = total
                    heapq.heappush(queue, (total, (*path, leg.destination), [*legs, leg]))
        raise NoRoute(
            f"No route from {origin!r} ({self.nodes[origin].name}) to {destination!r} "
            f"({self.nodes[destination].name}) in the corridor network; choose nodes that "
            "are connected.",
            hint="list_nodes",
        )

    def _route(
        self,
        origin: str,
        destination: str,
        prefer: RoutePreference,
        path: list[str],
        legs: list[Leg],
    ) -> Route:
        borders = [
            BorderCrossing(
                exit_node=leg.origin,
                entry_node=leg.destination,
                from_country=self.nodes[leg.origin].country,
                to_country=self.nodes[leg.destination].country,
                mode=leg.mode,
            )
            for leg in legs
            if self.nodes[leg.origin].country != self.nodes[leg.destination].country
        ]
        return Route(
            origin=origin,
            destination=destination,
            prefer=prefer,
            nodes=path,
            legs=legs,
            distance_km=round(sum(leg.distance_km for leg in legs), 1),
            moving_hours=round(sum(leg.hours for leg in legs), 1),
            dwell_hours=round(sum(self.nodes[n].dwell_h for n in path[1:-1]), 1),
            borders=borders,
        )


@cache
def corridor() -> Network:
    """The Middle Corridor network shipped with the package."""
    text = resources.files("corridor.network").joinpath("corridor.yaml").read_text("utf-8")
    return Network.from_yaml(text)
