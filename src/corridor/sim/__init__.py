"""Discrete-event corridor simulator (SimPy) and its calibrated regimes."""

from __future__ import annotations

from collections.abc import Callable

from corridor.network import Network, corridor
from corridor.sim.fit import Fits
from corridor.sim.model import Results, Simulation
from corridor.sim.params import Regimes, shipped_regimes


def simulate(
    regime: str,
    containers: int,
    seed: int,
    *,
    params: Regimes | None = None,
    network: Network | None = None,
    fits: Fits | None = None,
    on_delivery: Callable[[int], None] | None = None,
    until_h: float | None = None,
) -> Results:
    """Run one regime on the regimes file's route."""
    params = params or shipped_regimes()
    network = network or corridor()
    spec = params.route
    route = network.route(spec.origin, spec.destination, via=spec.via)
    sim = Simulation(
        network, route, params, params.regime(regime), containers, seed, fits, on_delivery
    )
    return sim.run(until=until_h)


__all__ = ["Fits", "Results", "Simulation", "simulate"]
