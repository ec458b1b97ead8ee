"""Discrete-event corridor model (SimPy): its data, scenarios and runs."""

from __future__ import annotations

from collections.abc import Callable

from corridor.network import Network, corridor
from corridor.sim.fit import Fits
from corridor.sim.model import Simulation
from corridor.sim.params import Parameters, shipped
from corridor.sim.results import Results
from corridor.sim.world import World


def simulate(
    scenario: str,
    containers: int,
    seed: int,
    *,
    params: Parameters | None = None,
    network: Network | None = None,
    fits: Fits | None = None,
    on_delivery: Callable[[int], None] | None = None,
    until_h: float | None = None,
    regime: str | None = None,
    demand: str | None = None,
    fleet: str | None = None,
    season: str | None = None,
) -> Results:
    """Run one scenario (with any of its regime, demand, fleet or season replaced)."""
    params = params or shipped()
    world = World.of(params, scenario, regime=regime, demand=demand, fleet=fleet, season=season)
    sim = Simulation(network or corridor(), params, world, containers, seed, fits, on_delivery)
    return sim.run(until=until_h)


__all__ = ["Fits", "Parameters", "Results", "Simulation", "World", "shipped", "simulate"]
