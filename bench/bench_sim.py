"""Simulator speed.

1. Container-events per second (a container passing one stage: a leg, a customs post, a
   yard) as a ratio to a bare SimPy timeout loop processing the same number of events, in
   the same run. Target ratio >= 0.25.
2. Wall time to simulate one year at 10 Mt/yr, the volume targeted for 2027: 500,000
   containers a year (assumption: 20 t per container), with train, ferry and feeder capacity
   scaled up in proportion so the corridor can carry it.
"""

from __future__ import annotations

import time

import simpy

from corridor.network import corridor
from corridor.sim import simulate
from corridor.sim.params import Regimes, Value, shipped_regimes

TONNES_PER_CONTAINER = 20
TARGET_MT = 10


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


def scaled(params: Regimes, containers_per_year: float) -> Regimes:
    """The same regimes with physical capacity scaled to a yearly volume."""
    phys = dict(params.physical)
    base_week = phys["trains_per_week"].v * phys["train_capacity"].v
    factor = containers_per_year / 52 / base_week
    note = f"scaled x{factor:.0f} for {TARGET_MT} Mt/yr (benchmark scenario)"
    for key in ("trains_per_week", "ferry_count", "feeder_capacity"):
        phys[key] = Value(v=round(phys[key].v * factor), assume=note)
    return params.model_copy(update={"physical": phys})


def main() -> None:
    for regime in ("paper", "today", "digital"):
        t = time.perf_counter()
        r = simulate(regime, 20_000, 1)
        sim_s = time.perf_counter() - t
        base_s = min(bare_loop(r.events) for _ in range(3))
        ratio = (r.events / sim_s) / (r.events / base_s)
        print(
            f"{regime:8} {r.events:9,d} container-events in {sim_s:6.2f} s = "
            f"{r.events / sim_s:10,.0f}/s; bare SimPy {r.events / base_s:10,.0f}/s; "
            f"ratio {ratio:.2f} (target >= 0.25)"
        )

    per_year = TARGET_MT * 1e6 / TONNES_PER_CONTAINER
    params = scaled(shipped_regimes(), per_year)
    net = corridor()
    t = time.perf_counter()
    r = simulate("digital", int(per_year), 1, params=params, network=net, until_h=365 * 24)
    wall = time.perf_counter() - t
    base_s = bare_loop(r.events)
    print(
        f"one year at {TARGET_MT} Mt/yr ({per_year:,.0f} containers, digital regime): "
        f"{wall:.1f} s wall, {r.delivered:,d} delivered, {r.events:,d} container-events; "
        f"bare SimPy for the same events {base_s:.1f} s (ratio {base_s / wall:.2f})"
    )


if __name__ == "__main__":
    main()
