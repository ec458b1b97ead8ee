"""Discrete-event simulation of containers along a corridor route (SimPy).

Containers travel in batches: block trains on rail, ferries on the Caspian, a scheduled feeder
on the Black Sea. Customs posts sit where the route crosses a border (exit and entry side);
ports hold containers in a yard until a vessel or an onward train takes them. Every hour a
container spends is booked to a place (a node or a leg) as moving, processing or waiting, so
the output shows where the days go.

Deterministic: one seeded RNG; SimPy breaks ties between simultaneous events in the order
they were scheduled.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from corridor.network import Leg, Mode, Network, Route
from corridor.sim.fit import Fits
from corridor.sim.params import Regime, Regimes
from corridor.sim.yard import Batch, Yard

Proc = Generator[simpy.Event, Any, None]
MOVE, PROCESS, WAIT = "moving", "processing", "waiting"


@dataclass
class Results:
    """What one run produced."""

    regime: str
    seed: int
    transit_h: list[float]
    booked: dict[tuple[str, str], float]
    busy_h: dict[str, float]
    capacity_h: dict[str, float]
    horizon_h: float
    events: int
    places: list[str] = field(default_factory=list)
    # Hours from entering the corridor to reaching each node on the route, per container.
    reached: dict[str, list[float]] = field(default_factory=dict)
    # The same per container: its hours to each node it reached, in route order.
    journeys: list[dict[str, float]] = field(default_factory=list)

    def percentile(self, q: float, node: str | None = None) -> float:
        """Transit time percentile in days (nearest rank), to the destination or to `node`."""
        data = sorted(self.transit_h if node is None else self.reached.get(node, []))
        if not data:
            return math.nan
        k = min(len(data) - 1, max(0, math.ceil(q / 100 * len(data)) - 1))
        return data[k] / 24

    @property
    def delivered(self) -> int:
        """Containers that reached the destination."""
        return len(self.transit_h)

    def utilisation(self) -> dict[str, float]:
        """Busy share of each resource over the run."""
        # A resource that never worked (a ferry with no sailing) has no busy entry.
        return {
            k: self.busy_h.get(k, 0.0) / self.capacity_h[k]
            for k in self.capacity_h
            if self.capacity_h[k] > 0
        }


class Simulation:
    """One regime on one route, for a given number of containers."""

    def __init__(
        self,
        network: Network,
        route: Route,
        params: Regimes,
        regime: Regime,
        containers: int,
        seed: int,
        fits: Fits | None = None,
        on_delivery: Callable[[int], None] | None = None,
    ) -> None:
        self.net = network
        self.route = route
        self.p = params
        self.r = regime
        self.n = containers
        self.seed = seed
        self.rng = random.Random(seed)
        self.fits = fits or Fits()
        self.env = simpy.Environment()
        self.on_delivery = on_delivery
        self.created: dict[int, float] = {}
        self.transit: list[float] = []
        self.booked: dict[tuple[str, str], float] = defaultdict(float)
        self.busy: dict[str, float] = defaultdict(float)
        self.capacity: dict[str, float] = {}
        self.events = 0
        self.reached: dict[str, list[float]] = defaultdict(list)
        self.journeys: dict[int, dict[str, float]] = defaultdict(dict)
        self._customs: dict[str, simpy.Resource] = {}
        self._segments = self._plan()

    # ----- plan ---------------------------------------------------------------------------

    def _plan(self) -> list[list[Leg]]:
        """The route cut into runs of legs with the same carrier type (rail, or one sea leg)."""
        runs: list[list[Leg]] = []
        for leg in self.route.legs:
            sea = leg.mode in (Mode.FERRY, Mode.SEA)
            if runs and not sea and runs[-1][-1].mode is Mode.RAIL:
                runs[-1].append(leg)
            else:
                runs.append([leg])
        return runs

    def _physical(self, key: str) -> float:
        return self.p.physical_value(key)

    def _lognormal(self, mean: float, cv: float) -> float:
        if mean <= 0:
            return 0.0
        sigma = math.sqrt(math.log(1 + cv * cv))
        return self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)

    def _book(self, place: str, kind: str, hours: float, count: int) -> None:
        self.booked[place, kind] += hours * count
        self.events += count

    def _moved(self, leg: Leg, batch: Batch, hours: float) -> None:
        """A leg travelled: its hours booked, and each container's arrival at its end."""
        self._book(f"{leg.origin}->{leg.destination}", MOVE, hours, len(batch.ids))
        now, created = self.env.now, self.created
        self.reached[leg.destination].extend(now - created[i] for i in batch.ids)
        for i in batch.ids:
            self.journeys[i][leg.destination] = now - created[i]

    def _leg_time(self, leg: Leg) -> float:
        fit = self.fits.legs.get((leg.origin, leg.destination))
        if fit:
            return fit.sample(self.rng)
        return self._lognormal(leg.hours, self._physical("leg_cv"))

    # ----- processes ------------------------------------------------------------------------

    def run(self, until: float | None = None) -> Results:
        """Run to completion (all containers delivered) or to `until` hours."""
        self._start()
        self.env.run(until=until if until is not None else self._done)
        return self.results()

    def _start(self) -> None:
        self._done = self.env.event()
        yards: list[Yard | None] = []
        for i, run in enumerate(self._segments):
            yard = Yard(self.env) if i else None
            yards.append(yard)
            if run[0].mode is Mode.RAIL and yard is not None:
                self.env.process(self._train_former(yard, run, i))
            elif run[0].mode is Mode.FERRY:
                for k in range(int(self._physical("ferry_count"))):
                    self.env.process(self._ferry(yard, run[0], i, k))
            elif run[0].mode is Mode.SEA:
                self.env.process(self._feeder(yard, run[0], i))
        self._yards = yards
        self.env.process(self._source(self._segments[0]))

    def _source(self, run: list[Leg]) -> Proc:
        """Block trains on a timetable: train k leaves at k x headway, give or take the jitter
        (each train's own, so the mean headway holds at any frequency)."""
        cap = int(self._physical("train_capacity"))
        headway = 168 / self._physical("trains_per_week")
        jitter = self._physical("arrival_jitter_h")
        trains = math.ceil(self.n / cap)
        times = sorted(
            max(0.0, k * headway + self.rng.uniform(-jitter, jitter)) for k in range(trains)
        )
        next_id = 0
        for at in times:
            yield self.env.timeout(at - self.env.now)
            size = min(cap, self.n - next_id)
            ids = list(range(next_id, next_id + size))
            next_id += size
            for i in ids:
                self.created[i] = self.env.now
            self.env.process(self._rail(Batch(ids), run, 0))

    def _customs_post(self, node: str) -> simpy.Resource:
        if node not in self._customs:
            lanes = int(self.r["customs_lanes"])
            self._customs[node] = simpy.Resource(self.env, capacity=lanes)
            self.capacity[f"customs {node}"] = lanes
        return self._customs[node]

    def _clear(self, node: str, direction: str, batch: Batch) -> Proc:
        """A customs post: queue, documentary check, maybe inspection, maybe missing papers.
        A post whose time is inside its partner's whole-crossing figure takes none; a
        whole-crossing figure is the observed time, with no inspection drawn on top."""
        figure = self.r.post(node, direction)
        if figure.v <= 0:
            return
        n = len(batch.ids)
        if figure.crossing:
            # An observed whole-crossing time already holds its queues: a delay, not a post
            # with lanes to queue for again.
            taken = self._lognormal(figure.v, self.r["customs_cv"])
            yield self.env.timeout(taken)
            self._book(node, PROCESS, taken, n)
            return
        post = self._customs_post(node)
        queued = self.env.now
        with post.request() as req:
            yield req
            self._book(node, WAIT, self.env.now - queued, n)
            service = self._lognormal(figure.v, self.r["customs_cv"])
            if self.rng.random() < self.r["inspect_prob"]:
                service += self._lognormal(self.r["inspect_h"], 0.5)
            start = self.env.now
            yield self.env.timeout(service)
            self.busy[f"customs {node}"] += service
            self._book(node, PROCESS, self.env.now - start, n)
        if self.rng.random() < self.r["missing_doc_prob"]:
            # The train is held on the siding while a paper is sent for; the post is free.
            hold = self._lognormal(self.r["missing_doc_h"], 0.4)
            yield self.env.timeout(hold)
            self._book(node, WAIT, hold, n)

    def _cross(self, leg: Leg, batch: Batch) -> Proc:
        """Exit formalities before a leg that leaves the country."""
        a, b = self.net.nodes[leg.origin], self.net.nodes[leg.destination]
        if a.country != b.country:
            yield from self._clear(a.id, "exit", batch)

    def _enter(self, leg: Leg, batch: Batch) -> Proc:
        """Entry formalities after a leg that entered a country."""
        a, b = self.net.nodes[leg.origin], self.net.nodes[leg.destination]
        if a.country != b.country:
            yield from self._clear(b.id, "entry", batch)

    def _move(self, leg: Leg, batch: Batch) -> Proc:
        t = self._leg_time(leg)
        yield self.env.timeout(t)
        self._moved(leg, batch, t)

    def _rail(self, batch: Batch, run: list[Leg], index: int) -> Proc:
        for i, leg in enumerate(run):
            if i:
                node = self.net.nodes[leg.origin]
                fit = self.fits.dwell.get(node.id)
                dwell = fit.sample(self.rng) if fit else node.dwell_h
                if node.kind.value == "junction":
                    yield self.env.timeout(dwell)
                    self._book(node.id, PROCESS, dwell, len(batch.ids))
            yield from self._cross(leg, batch)
            yield from self._move(leg, batch)
            yield from self._enter(leg, batch)
        yield from self._arrive(batch, run[-1], index)

    def _arrive(self, batch: Batch, last: Leg, index: int) -> Proc:
        """At the end of a run: hand over to the next run's yard, or deliver."""
        if index + 1 < len(self._segments):
            handling = self._physical("port_handling_h")
            yield self.env.timeout(handling)
            self._book(last.destination, PROCESS, handling, len(batch.ids))
            # Exit formalities happen before containers join the yard, so a vessel is never
            # held by another shipment's paperwork.
            yield from self._cross(self._segments[index + 1][0], batch)
            yard = self._yards[index + 1]
            assert yard is not None
            yard.put(batch.ids)
            return
        now = self.env.now
        for i in batch.ids:
            self.transit.append(now - self.created[i])
        if self.on_delivery:
            self.on_delivery(len(batch.ids))
        if len(self.transit) >= self.n and not self._done.triggered:
            self._done.succeed()

    def _book_yard_wait(self, node: str, taken: list[tuple[int, float]]) -> None:
        now = self.env.now
        for _, since in taken:
            self.booked[node, WAIT] += now - since
        self.events += len(taken)

    def _wait_for_load(self, yard: Yard, target: int, max_wait: float) -> Proc:
        """Wait until the yard holds `target` containers, or `max_wait` after the first."""
        while len(yard.items) < target:
            if not yard.items:
                yield yard.arrived
                continue
            left = yard.items[0][1] + max_wait - self.env.now
            # A tolerance, because a deadline a rounding error away would wake us up without
            # moving the clock.
            if left <= 1e-6:
                return
            yield self.env.any_of([yard.arrived, self.env.timeout(left)])

    def _train_former(self, yard: Yard, run: list[Leg], index: int) -> Proc:
        cap = int(self._physical("train_capacity"))
        while True:
            yield from self._wait_for_load(yard, cap, self.r["train_max_wait_h"])
            taken = yard.take(cap)
            self._book_yard_wait(run[0].origin, taken)
            self.env.process(self._rail(Batch([i for i, _ in taken]), run, index))

    def _ferry(self, yard: Yard | None, leg: Leg, index: int, k: int) -> Proc:
        assert yard is not None
        cap = int(self._physical("ferry_capacity"))
        name = f"ferry {k + 1}"
        self.capacity[name] = 1
        target = max(1, math.ceil(cap * self.r["ferry_min_load"]))
        # Ferries start spread over the first day so they do not move in lockstep.
        yield self.env.timeout(self.rng.uniform(0, 24))
        while True:
            yield from self._wait_for_load(yard, target, self.r["ferry_max_wait_h"])
            if self.rng.random() < self._physical("weather_cancel_prob"):
                yield self.env.timeout(self._lognormal(self._physical("weather_delay_h"), 0.5))
            taken = yard.take(cap)
            if not taken:
                continue
            self._book_yard_wait(leg.origin, taken)
            batch = Batch([i for i, _ in taken])
            sail = self._leg_time(leg)
            yield self.env.timeout(sail)
            self.busy[name] += 2 * sail
            self._moved(leg, batch, sail)
            self.env.process(self._land(batch, leg, index))
            yield self.env.timeout(self._leg_time(leg))  # the empty run back

    def _land(self, batch: Batch, leg: Leg, index: int) -> Proc:
        yield from self._enter(leg, batch)
        yield from self._arrive(batch, leg, index)

    def _feeder(self, yard: Yard | None, leg: Leg, index: int) -> Proc:
        assert yard is not None
        cap = int(self._physical("feeder_capacity"))
        headway = self._physical("feeder_headway_h")
        self.capacity["feeder"] = 1
        yield self.env.timeout(self.rng.uniform(0, headway))
        while True:
            taken = yard.take(cap)
            if taken:
                self._book_yard_wait(leg.origin, taken)
                batch = Batch([i for i, _ in taken])
                self.env.process(self._sail(batch, leg, index))
            yield self.env.timeout(headway)

    def _sail(self, batch: Batch, leg: Leg, index: int) -> Proc:
        sail = self._leg_time(leg)
        yield self.env.timeout(sail)
        self.busy["feeder"] += sail
        self._moved(leg, batch, sail)
        yield from self._land(batch, leg, index)

    # ----- results --------------------------------------------------------------------------

    def results(self) -> Results:
        """Transit times, booked hours per place and resource use so far."""
        horizon = self.env.now
        places = list(
            dict.fromkeys(
                [
                    p
                    for leg in self.route.legs
                    for p in (leg.origin, f"{leg.origin}->{leg.destination}")
                ]
                + [self.route.destination]
            )
        )
        return Results(
            regime=self.r.name,
            seed=self.seed,
            transit_h=list(self.transit),
            booked=dict(self.booked),
            busy_h=dict(self.busy),
            capacity_h={k: v * horizon for k, v in self.capacity.items()},
            horizon_h=horizon,
            events=self.events,
            places=places,
            reached={k: list(v) for k, v in self.reached.items()},
            journeys=[{self.route.origin: 0.0, **j} for _, j in sorted(self.journeys.items())],
        )
