"""Corridor model speed.

1. Container-events per second (a container passing one stage: a leg, a customs post, a
   yard) as a ratio to a bare SimPy timeout loop processing the same number of events, in
   the same run. Target ratio >= 0.25.
2. Wall time and peak memory of one year at 10 Mt/yr, the volume targeted for 2027:
   (a) as the model runs it, with the Constanța-bound containers followed one by one and the
       other traffic as capacity taken on the shared fleet, the feeders and the interchange;
   (b) with every one of the year's 500,000 containers followed (assumption: 20 t per
       container), trains, vessels, feeders and the interchange scaled to carry them.
3. Replications over seeds: the same runs on one core and on every core.
"""

from __future__ import annotations

import os
import resource
import time

import simpy

from corridor.sim import simulate
from corridor.sim.experiments import Runner, Task
from corridor.sim.params import Parameters, shipped
from corridor.sim.world import World

TONNES_PER_CONTAINER = 20
TARGET_MT = 10
YEAR_H = 365 * 24


def bare_loop(events: int) -> float:
    """Seconds for SimPy to process `events` timeouts in one process."""
    env = simpy.Environment()

    def proc(env: simpy.Environment) -> object:
        for _ in range(events):
            yield env.timeout(1)

    env.process(proc(env))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t


def carried(params: Parameters) -> Parameters:
    """The 2027 demand with enough Black Sea feeders added to carry it."""
    return params.with_values({"fleets/2027/black_sea_extra_feeders": 3})


def everything_followed(params: Parameters, per_year: float) -> Parameters:
    """Every container of the year followed: the tracked flow is the whole volume, the
    other traffic nil, capacity scaled to carry it."""
    base = params.demand_level("2025")
    factor = per_year / 365 / base["tracked_feu_day"]
    return params.with_values(
        {
            "demand/2025/tracked_feu_day": per_year / 365,
            "demand/2025/corridor_trains_per_week": round(per_year / 365 * 7 / 45),
            "demand/2025/caspian_other_feu_day": 20,
            "demand/2025/black_sea_other_feu_day": 0,
            "demand/2025/interchange_other_trains_day": 0,
            "fleets/today/caspian_vessels": round(6 * factor * 0.25),
            "fleets/today/black_sea_extra_feeders": round(factor * 1.2),
            "fleets/today/interchange_trains_per_day": round(per_year / 365 / 45 * 1.4),
            "fleets/today/platforms": 400_000,
        }
    )


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    for scenario in ("paper", "today", "digital"):
        t = time.perf_counter()
        r = simulate(scenario, 20_000, 1)
        sim_s = time.perf_counter() - t
        base_s = min(bare_loop(r.events) for _ in range(3))
        ratio = (r.events / sim_s) / (r.events / base_s)
        print(
            f"{scenario:8} {r.events:9,d} container-events in {sim_s:6.2f} s = "
            f"{r.events / sim_s:10,.0f}/s; bare SimPy {r.events / base_s:10,.0f}/s; "
            f"ratio {ratio:.2f} (target >= 0.25)"
        )

    params = carried(shipped())
    t = time.perf_counter()
    warmup = params.physical_value("warmup_h")
    r = simulate("digital-2027", 1_000_000, 1, params=params, until_h=warmup + YEAR_H)
    wall = time.perf_counter() - t
    print(
        f"one year at {TARGET_MT} Mt/yr with its other traffic (digital-2027, 3 feeders "
        f"added): {wall:.1f} s wall, {r.delivered:,d} followed containers delivered, "
        f"{r.events:,d} container-events; peak {peak_mib():,.0f} MiB"
    )

    per_year = TARGET_MT * 1e6 / TONNES_PER_CONTAINER
    every = everything_followed(shipped(), per_year)
    t = time.perf_counter()
    r = simulate("digital", int(per_year), 1, params=every, until_h=warmup + YEAR_H)
    wall = time.perf_counter() - t
    base_s = bare_loop(r.events)
    print(
        f"one year at {TARGET_MT} Mt/yr, all {per_year:,.0f} containers followed: "
        f"{wall:.1f} s wall, {r.delivered:,d} delivered, {r.events:,d} container-events; "
        f"bare SimPy for the same events {base_s:.1f} s (ratio {base_s / wall:.2f}); "
        f"peak {peak_mib():,.0f} MiB"
    )

    tasks = [Task("today", World.of(shipped(), "today"), shipped(), 4000, s) for s in range(1, 9)]
    timings = {}
    for workers in (1, os.cpu_count() or 1):
        with Runner(workers) as runner:
            runner.map(tasks[:workers])  # start the workers
            t = time.perf_counter()
            runner.map(tasks)
            timings[workers] = time.perf_counter() - t
    one, every_core = timings[1], timings[max(timings)]
    print(
        f"8 replications of today (4,000 containers; the workers start once, as in a fit): "
        f"{one:.1f} s on one core, "
        f"{every_core:.1f} s on {max(timings)} (speed-up {one / every_core:.2f}x)"
    )


if __name__ == "__main__":
    main()
