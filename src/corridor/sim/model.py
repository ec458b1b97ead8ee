"""Discrete-event simulation of containers along a corridor route (SimPy).

The tracked containers gate in at their Chinese origin terminal and ride the corridor's block
trains with other cargo; the Chinese border's interchange exchanges a limited number of trains
a day and lifts the boxes onto a limited pool of platforms; the Caspian fleet and the Black Sea
services carry every shipper's containers, first come first served, and sail from ports that
storms close by season. Customs posts sit where the route crosses a border outside a customs
union. Every hour a tracked container spends is booked to a place (a node or a leg) as moving,
processing or waiting, so the output shows where the days go. The other traffic is counted,
not followed: one yard entry a day, so that a year of it costs little.

Deterministic: one seeded RNG; SimPy breaks ties between simultaneous events in the order
they were scheduled.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import simpy

from corridor.exceptions import InvalidInput
from corridor.network import Leg, Mode, Network, NodeKind, Route
from corridor.sim.base import Proc
from corridor.sim.border import Interchange
from corridor.sim.fit import Fits
from corridor.sim.params import Parameters
from corridor.sim.ports import Port
from corridor.sim.posts import Posts
from corridor.sim.results import PROCESS, WAIT, Results
from corridor.sim.sea import Sea
from corridor.sim.world import World
from corridor.sim.yard import Yard

# A shared resource loaded beyond this share of its capacity queues without bound: the
# result would depend on the run's length, not on the corridor.
STABLE = 0.98
GATE_STEP_H = 6.0
YEAR_H = 365 * 24
# The day the tracked containers start in a seasonal scenario: 1 November, 1 May.
SEASON_START = {"winter": 304 * 24.0, "summer": 120 * 24.0}


class Simulation(Posts, Sea):
    """One scenario's world on its route, for a given number of tracked containers."""

    def __init__(
        self,
        network: Network,
        params: Parameters,
        world: World,
        containers: int,
        seed: int,
        fits: Fits | None = None,
        on_delivery: Callable[[int], None] | None = None,
    ) -> None:
        self.net = network
        self.p = params
        self.w = world
        self.r = world.regime
        self.n = containers
        self.seed = seed
        self.rng = random.Random(seed)
        self.fits = fits or Fits()
        self.env = simpy.Environment()
        self.on_delivery = on_delivery
        spec = world.route
        self.routes = {
            origin: network.route(origin, spec.destination, via=spec.via)
            for origin in world.origins
        }
        self._segments = {o: self._plan(r) for o, r in self.routes.items()}
        shared = {tuple(map(_key, s[1:])) for s in self._segments.values()}
        if len(shared) != 1:
            raise InvalidInput("the origins' routes must join before the first sea leg")
        self._shared = next(iter(self._segments.values()))[1:]
        self.places = _places(list(self.routes.values()))
        self._prev = {leg.destination: leg.origin for r in self.routes.values() for leg in r.legs}
        nodes = {p for p in self.places if "->" not in p}
        self.loads = world.loads(nodes)
        over = {k: v for k, v in self.loads.items() if v >= STABLE}
        if over:
            worst = ", ".join(f"{k}: demand at {v:.0%} of capacity" for k, v in over.items())
            need = " and ".join(world.shortfall(k, v) for k, v in over.items())
            raise InvalidInput(
                f"scenario {world.scenario.name}: {worst}; the queue would grow without bound. "
                f"Add capacity (it would take {need} to carry it at 90 %) or lower the demand."
            )
        self.gate_in = np.full(containers, np.nan)
        self.departed = np.full(containers, np.nan)
        lo, hi = world.booking_lead_h
        self._lead = np.array([self.rng.uniform(lo, hi) for _ in range(containers)])
        self.delivered_at = np.full(containers, np.nan)
        self.at = {p: np.full(containers, np.nan) for p in nodes}
        self.delivered = 0
        self.booked: dict[tuple[str, str], float] = defaultdict(float)
        self.busy: dict[str, float] = defaultdict(float)
        self.capacity: dict[str, float] = {}
        self.events = 0
        self._customs: dict[str, simpy.Resource] = {}
        self._ports: dict[str, Port] = {}
        self._interchange: Interchange | None = None
        # Where hour 0 falls in the year: the tracked containers start after the warm-up on
        # their season's first day, or on a day of the year drawn for the seed.
        first = SEASON_START.get(world.scenario.season)
        start_of_tracking = first if first is not None else self.rng.uniform(0, YEAR_H)
        self._start_h = (start_of_tracking - world.warmup_h) % YEAR_H

    # ----- plan ---------------------------------------------------------------------------

    @staticmethod
    def _plan(route: Route) -> list[list[Leg]]:
        """The route cut into runs of legs with the same carrier type (rail, or one sea leg)."""
        runs: list[list[Leg]] = []
        for leg in route.legs:
            sea = leg.mode in (Mode.FERRY, Mode.SEA)
            if runs and not sea and runs[-1][-1].mode is Mode.RAIL:
                runs[-1].append(leg)
            else:
                runs.append([leg])
        return runs

    # ----- processes ------------------------------------------------------------------------

    def run(self, until: float | None = None) -> Results:
        """Run to completion (all containers delivered) or to `until` hours."""
        self._start()
        self.env.run(until=until if until is not None else self._done)
        return self.results()

    def _start(self) -> None:
        self._done = self.env.event()
        w = self.w
        if any(w.interchange_node in r.nodes for r in self.routes.values()):
            self._interchange = Interchange(
                self.env,
                self.rng,
                trains_per_day=w.interchange_trains_day,
                platforms=w.platforms,
                train_platforms=w.train_capacity,
                cycle_h=w.platform_cycle_h,
                other_per_day=w.interchange_other_trains_day,
            )
            self.capacity["interchange"] = 1
        yards: list[Yard] = []
        for i, run in enumerate(self._shared, start=1):
            yard = Yard(self.env)
            yards.append(yard)
            port = run[0].origin
            if run[0].mode is Mode.RAIL:
                self.env.process(self._train_former(yard, run, i))
            elif run[0].mode is Mode.FERRY:
                self.env.process(self._others(yard, w.caspian_other_feu_day))
                for k in range(w.caspian_vessels):
                    self.env.process(self._vessel(yard, run[0], i, k))
            elif run[0].mode is Mode.SEA:
                self.env.process(self._others(yard, w.black_sea_other_feu_day))
                for service in w.services:
                    self.env.process(self._service(yard, run[0], i, service))
            self._port(port)
        self._yards = yards
        self.env.process(self._tracked())

    def _tracked(self) -> Proc:
        """The tracked containers start after the warm-up, when the shared resources' queues
        of other traffic have reached their usual length."""
        w = self.w
        yield self.env.timeout(w.warmup_h)
        shares = list(w.origins.items())
        counts = _split(self.n, [s for _, s in shares])
        first = 0
        for (origin, share), count in zip(shares, counts, strict=True):
            ids = range(first, first + count)
            first += count
            if count:
                self.env.process(self._origin(origin, share, ids))

    def _origin(self, origin: str, share: float, ids: range) -> Proc:
        """Containers gate in at a steady rate; the origin's block trains leave on a
        timetable (give or take the jitter) and take what has gated in, first come first
        served."""
        yard = Yard(self.env)
        per_h = self.w.tracked_feu_day * share / 24
        headway = 168 / (self.w.trains_per_week * share)
        self.env.process(self._gate(yard, ids, per_h))
        cap = self.w.train_capacity
        run = self._segments[origin][0]
        k, left = 0, len(ids)
        offset = self.rng.uniform(0, headway)
        while left > 0:
            at = offset + k * headway + self.rng.uniform(-self.w.jitter_h, self.w.jitter_h)
            k += 1
            if at > self.env.now:
                yield self.env.timeout(at - self.env.now)
            blocks, _ = yard.take(cap)
            taken = [i for block, _ in blocks for i in block]
            if not taken:
                continue
            left -= len(taken)
            now = self.env.now
            for block, since in blocks:
                self._book(origin, WAIT, now - since, len(block))
            self.departed[taken] = now
            self.env.process(self._rail(taken, run, 0))

    def _gate(self, yard: Yard, ids: range, per_h: float) -> Proc:
        """Gate-ins every few hours, the count carried so the rate holds exactly."""
        owed, first = 0.0, ids.start
        while first < ids.stop:
            owed += per_h * GATE_STEP_H
            k = min(int(owed), ids.stop - first)
            owed -= k
            if k:
                block = list(range(first, first + k))
                self.gate_in[block] = self.env.now
                yard.put(block)
                first += k
            yield self.env.timeout(GATE_STEP_H)

    def _stop(self, leg: Leg, ids: list[int]) -> Proc:
        """The railway's own stop at a node a train passes (`leg` leaves it): a junction, a
        gauge change, or a border station at a border inside a customs union. A border with
        customs posts takes the posts' time instead."""
        node = self.net.nodes[leg.origin]
        technical = node.kind in (NodeKind.JUNCTION, NodeKind.GAUGE_CHANGE)
        if node.kind is NodeKind.BORDER_STATION:
            neighbours = (self.net.nodes[self._prev[node.id]], self.net.nodes[leg.destination])
            technical = any(
                n.country != node.country and not self.p.customs_between(n.country, node.country)
                for n in neighbours
            )
        if not technical:
            return
        fit = self.fits.dwell.get(node.id)
        dwell = fit.sample(self.rng) if fit else node.dwell_h
        yield self.env.timeout(dwell)
        self._book(node.id, PROCESS, dwell, len(ids))

    def _rail(self, ids: list[int], run: list[Leg], index: int) -> Proc:
        for i, leg in enumerate(run):
            if i:
                yield from self._stop(leg, ids)
            yield from self._cross(leg, ids)
            t = self._leg_time(leg)
            yield self.env.timeout(t)
            self._moved(leg, ids, t)
            yield from self._enter(leg, ids)
        yield from self._arrive(ids, run[-1], index)

    def _arrive(self, ids: list[int], last: Leg, index: int) -> Proc:
        """At the end of a run: hand over to the next run's yard, or deliver."""
        if index < len(self._shared):
            node = last.destination
            handling = self.w.handling_h
            yield self.env.timeout(handling)
            self._book(node, PROCESS, handling, len(ids))
            # Exit formalities happen before containers join the yard, so a vessel is never
            # held by another shipment's paperwork.
            nxt = self._shared[index][0]
            yield from self._cross(nxt, ids)
            if nxt.mode is Mode.SEA and node == self.w.black_sea_port:
                dwell = self._lognormal(self.w.poti_dwell_h, 0.5)
                yield self.env.timeout(dwell)
                self._book(node, PROCESS, dwell, len(ids))
            self._yards[index].put(ids)
            return
        self.delivered_at[ids] = self.env.now
        self.delivered += len(ids)
        if self.on_delivery:
            self.on_delivery(len(ids))
        if self.delivered >= self.n and not self._done.triggered:
            self._done.succeed()

    def _train_former(self, yard: Yard, run: list[Leg], index: int) -> Proc:
        """Onward trains leave when full of tracked and other boxes, or after the regime's
        longest wait; the other boxes leave the model with the train."""
        cap = self.w.train_capacity
        while True:
            yield from self._wait_for_load(yard, cap, self.r["train_max_wait_h"])
            ids, _ = self._take(yard, run[0].origin, cap)
            if ids:
                self.env.process(self._rail(ids, run, index))

    # ----- results --------------------------------------------------------------------------

    def results(self) -> Results:
        """Transit times, booked hours per place and resource use so far."""
        horizon = self.env.now
        capacity = {k: v * horizon for k, v in self.capacity.items()}
        if "black sea services" in capacity:
            capacity["black sea services"] = self.capacity["black sea services"] * horizon / 24
        busy = dict(self.busy)
        if self._interchange is not None:
            busy["interchange"] = self._interchange.busy_h
        return Results(
            scenario=self.w.scenario.name,
            seed=self.seed,
            gate_in=self.gate_in,
            booked=self.departed - self._lead,
            departed=self.departed,
            delivered_at=self.delivered_at,
            at=self.at,
            hours=dict(self.booked),
            busy_h=busy,
            capacity_h=capacity,
            horizon_h=horizon,
            events=self.events,
            loads=self.loads,
            places=self.places,
        )


def _key(run: list[Leg]) -> tuple[tuple[str, str], ...]:
    return tuple((leg.origin, leg.destination) for leg in run)


def _places(routes: list[Route]) -> list[str]:
    """Every node and leg of the routes in route order: the longest route's, after the
    origins' own first legs."""

    def seq(route: Route) -> list[str]:
        out = [p for leg in route.legs for p in (leg.origin, f"{leg.origin}->{leg.destination}")]
        return [*out, route.destination] if route.legs else out

    main = seq(max(routes, key=lambda r: len(r.legs)))
    extra = list(dict.fromkeys(p for r in routes for p in seq(r) if p not in main))
    return extra + main


def _split(n: int, shares: list[float]) -> list[int]:
    """`n` split by `shares`, the rounding left to the last."""
    counts = [int(n * s) for s in shares]
    counts[-1] += n - sum(counts)
    return counts
