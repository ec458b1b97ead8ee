"""Live arrival estimates for a shipment from its last custody event, and their backtest
on journeys drawn from the simulator."""

from __future__ import annotations

import statistics
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise

from corridor.exceptions import NoRoute
from corridor.model import Organisation
from corridor.network import Network, Route, corridor
from corridor.services import timeline
from corridor.services.context import Context
from corridor.services.shipments import stored
from corridor.sim import simulate
from corridor.sim.fit import LogNormal
from corridor.tracking.eta import Hop, Stop, backtest, estimate, fit_hops

__all__ = ["Backtest", "Eta", "Stop", "for_shipment", "live_arrivals", "run_backtest"]

# Hops are refitted from the node's recent movements at most this often, over at most this
# many of them.
REFIT_S = 600
RECENT = 50_000


@dataclass(frozen=True)
class Eta:
    """Where the estimate starts (node and event) and each node still ahead."""

    position: str
    since: datetime
    stops: list[Stop]
    # False until the shipment's first movement: the estimate then runs from its planned
    # departure (`planned`) or, once that has passed or when there is none, from now.
    moved: bool = False
    planned: bool = False


def _fits(ctx: Context) -> dict[Hop, LogNormal]:
    """Hops fitted from this node's recent timelines (arrivals, and departures from an
    origin), refreshed every REFIT_S seconds."""
    hit = ctx.hop_fits
    if hit and time.monotonic() - hit[0] < REFIT_S:
        return hit[1]
    with ctx.db.reading() as conn:
        countries = {n.country for n in ctx.network.nodes.values()}
        rows = timeline.recent_moves(conn, countries, RECENT)
    journeys: dict[str, dict[str, float]] = defaultdict(dict)
    for shipment, kind, place, at in sorted(rows, key=lambda r: r.at):
        if place is None:
            continue
        journey = journeys[shipment]
        hours = at.timestamp() / 3600
        if kind == "departed" and journey:
            continue  # a hop runs arrival to arrival; only the first departure starts one
        journey.setdefault(place, hours)
    fits = fit_hops(journeys.values())
    ctx.hop_fits = (time.monotonic(), fits)
    return fits


def planned_hops(network: Network, nodes: list[str]) -> dict[Hop, float]:
    """Each hop's planned hours: the dwell at its start (not at the origin) and the leg."""
    hops = {}
    for i, (a, b) in enumerate(pairwise(nodes)):
        leg = network.leg(a, b)
        if leg is None:
            raise NoRoute(f"no leg from {a} to {b} in the network")
        hops[a, b] = leg.hours + (network.nodes[a].dwell_h if i else 0.0)
    return hops


def for_shipment(ctx: Context, who: Organisation, shipment_id: str, now: datetime) -> Eta:
    """The estimate for a shipment the caller is party to, from its last movement on its
    route (before any, from its planned departure: the first leg)."""
    found = stored(ctx, who, shipment_id)
    route = Route.model_validate(found["route"])
    nodes = route.nodes
    planned = planned_hops(ctx.network, nodes)
    with ctx.db.reading() as conn:
        moves = timeline.moves(conn, shipment_id)
    arrived: dict[str, datetime] = {}
    position, since = nodes[0], None
    for kind, place, at in moves:
        if place not in nodes:
            continue
        if kind != "departed":
            arrived.setdefault(place, at)
        if nodes.index(place) >= nodes.index(position):
            position, since = place, arrived.get(place, at)
    moved = since is not None
    from_plan = False
    if since is None:
        # Nothing moved yet: from the planned departure while it is ahead, else from now.
        departure = found["draft"].get("departure")
        leaves = (
            datetime.combine(date.fromisoformat(departure), datetime.min.time(), UTC)
            if departure
            else None
        )
        from_plan = leaves is not None and leaves > now
        since = leaves if leaves is not None and from_plan else now
    if position == nodes[-1]:
        return Eta(position, since, [], moved, from_plan)
    seed = zlib.crc32(shipment_id.encode())
    stops = estimate(nodes, planned, _fits(ctx), position, since, max(now, since), seed)
    return Eta(position, since, stops, moved, from_plan)


def live_arrivals(
    ctx: Context, who: Organisation, shipment_id: str, now: datetime
) -> dict[str, datetime]:
    """The p50 arrival at each node ahead once the shipment has moved (what the
    authorities ahead are told with its pre-arrival data); empty before its first
    movement, when the plan's own times stand."""
    live = for_shipment(ctx, who, shipment_id, now)
    return {stop.node: stop.p50 for stop in live.stops} if live.moved else {}


CHECKPOINTS = ("dostyk", "aktau", "baku-alat", "tbilisi", "poti")


@dataclass(frozen=True)
class Backtest:
    """Median absolute error (hours) of the p50 arrival at the destination, estimated at each
    checkpoint: per seed, and their mean."""

    checkpoints: list[str]
    per_seed: dict[int, dict[str, float]]
    mean: dict[str, float]


def run_backtest(
    seeds: Sequence[int] = range(1, 7),
    containers: int = 1000,
    regime: str = "today",
    progress: Callable[[int], None] | None = None,
) -> Backtest:
    """The ETA backtest: for each seed, fit hops on one simulated run and estimate another
    run's (seed + 100, 60 % as many containers) arrivals at departure and at each
    checkpoint it reaches (Dostyk, Aktau, Baku (Alat), Tbilisi, Poti)."""
    per_seed: dict[int, dict[str, float]] = {}
    points: list[str] = []
    for seed in seeds:
        train = simulate(regime, containers, seed).journeys()
        test = simulate(regime, max(10, containers * 3 // 5), seed + 100).journeys()
        route = max((list(j) for j in train), key=len)
        points = [route[0], *(p for p in CHECKPOINTS if p in route)]
        planned = planned_hops(corridor(), route)
        per_seed[seed] = backtest(train, test, route, planned, points)
        if progress:
            progress(seed)
    mean = {p: statistics.fmean(r[p] for r in per_seed.values()) for p in points}
    return Backtest(points, per_seed, mean)
