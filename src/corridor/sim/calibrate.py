"""Fitting the model's unsourced parameters to the published figures.

The procedure, stated once: the parameters marked `fit` in the model file are moved within
their bounds to minimise the weighted sum over every published figure (each scenario's
end-to-end range, its part-way checkpoints and its segments, targets excluded) of the squared
relative distance between the modelled median and the middle of the published range. Each
scenario's end-to-end figure weighs 1 and its part-way figures together weigh 1, so that a
scenario with three checks does not outweigh the others' end-to-end figures. The medians are
means over a fixed set of seeds (common random numbers, so the objective is the same function
at every step); the search is Powell's method (SciPy: line searches along each parameter,
then along the directions that worked) on the bounded box with half the budget, then
Nelder-Mead from its result with the rest, keeping the better. The fitted values and their
residuals are written to `fitted.yaml` beside the model file, never tuned by hand.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import yaml
from scipy.optimize import minimize

from corridor.sim.experiments import Run, Runner, Task
from corridor.sim.params import Parameters
from corridor.sim.published import Figure
from corridor.sim.world import World


@dataclass(frozen=True)
class Target:
    """One published figure the model is held to: a scenario's median end to end (`node`
    and `start` empty), to a node part-way, or between two nodes; days."""

    label: str
    scenario: str
    days: float
    clock: str = "departure"
    node: str = ""
    start: str = ""
    weight: float = 1.0

    def measure(self, run: Run) -> float:
        """The same figure in one run's summary."""
        if self.start:
            return run.segments.get(f"{self.start}->{self.node}", math.nan)
        if self.node:
            return run.checkpoints.get(self.node, math.nan)
        return run.median(self.clock)


def published_targets(params: Parameters) -> list[Target]:
    """Every published figure the model is held to (targets for the future excluded)."""
    out = []
    for name, pub in params.published.items():
        if pub.target or name not in params.scenarios:
            continue
        mid = (pub.low + pub.high) / 2
        out.append(Target(f"{name}: {pub.route} ({pub.year})", name, mid, pub.clock))
        parts: list[tuple[Figure, str, str]] = [(cp, cp.node, "") for cp in pub.checkpoints]
        parts += [(sg, sg.end, sg.start) for sg in pub.segments]
        for figure, node, start in parts:
            out.append(
                Target(
                    f"{name}: {figure.route} ({figure.year})",
                    name,
                    (figure.low + figure.high) / 2,
                    node=node,
                    start=start,
                    weight=1 / len(parts),
                )
            )
    return out


@dataclass(frozen=True)
class Residual:
    """A target, the model's value after the fit, and the relative distance."""

    target: Target
    model: float

    @property
    def relative(self) -> float:
        return (self.model - self.target.days) / self.target.days


@dataclass(frozen=True)
class FitResult:
    """The fitted values, the residuals at them, and how the search went."""

    values: dict[str, float]
    start: dict[str, float]
    residuals: list[Residual]
    objective: float
    evaluations: int
    seeds: list[int]
    containers: int

    def to_yaml(self) -> str:
        """The fitted.yaml text: values, residuals and the procedure's settings."""
        doc = {
            "procedure": (
                "corridor simulate fit: Powell's method, then Nelder-Mead, on the bounded "
                "parameters, minimising the weighted sum of squared relative distances of the "
                "modelled medians (mean over the seeds) from the middle of each published range "
                "(a scenario's end-to-end figure weighs 1, its part-way figures together 1)"
            ),
            "date": date.today().isoformat(),
            "seeds": self.seeds,
            "containers": self.containers,
            "evaluations": self.evaluations,
            "objective": round(self.objective, 6),
            "values": dict(self.values),
            "residuals": [
                {
                    "target": r.target.label,
                    "published_days": r.target.days,
                    "model_days": round(r.model, 2),
                    "relative": round(r.relative, 4),
                }
                for r in self.residuals
            ],
        }
        return (
            "# Written by `corridor simulate fit --write`: the fitted values of the model\n"
            "# file's `fit` parameters, and the residuals at them. Do not edit by hand.\n"
            + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        )


def evaluate(
    params: Parameters,
    targets: Sequence[Target],
    seeds: Sequence[int],
    containers: int,
    runner: Runner,
) -> list[float]:
    """The model's value of each target: the mean over seeds of each run's figure (NaN when
    a run is unstable)."""
    scenarios = list(dict.fromkeys(t.scenario for t in targets))
    tasks = [
        Task(name, World.of(params, name), params, containers, s)
        for name in scenarios
        for s in seeds
    ]
    runs = runner.map(tasks)
    by: dict[str, list[Run]] = {}
    for task, run in zip(tasks, runs, strict=True):
        by.setdefault(task.label, []).append(run)
    out = []
    for t in targets:
        xs = [t.measure(r) for r in by[t.scenario]]
        out.append(math.nan if any(math.isnan(x) for x in xs) else statistics.fmean(xs))
    return out


def fit(
    params: Parameters,
    *,
    targets: Sequence[Target] | None = None,
    free: Sequence[str] | None = None,
    seeds: Sequence[int] = (1, 2, 3),
    containers: int = 600,
    runner: Runner | None = None,
    max_evaluations: int = 120,
    progress: Callable[[int, float], None] | None = None,
) -> FitResult:
    """Fit the free parameters (all `fit` values, or the paths in `free`) to the targets
    (the published figures by default)."""
    targets = list(targets or published_targets(params))
    bounds = {p: v.fit for p, v in params.free().items() if free is None or p in free}
    paths = list(bounds)
    lows = np.array([bounds[p][0] for p in paths])  # type: ignore[index]
    spans = np.array([bounds[p][1] - bounds[p][0] for p in paths])  # type: ignore[index]
    start = {p: params.values()[p].v for p in paths}
    own = runner is None
    runner = runner or Runner()
    calls = 0

    def values_at(x: np.ndarray) -> dict[str, float]:
        return {
            p: float(lows[i] + spans[i] * min(1.0, max(0.0, x[i]))) for i, p in enumerate(paths)
        }

    def objective(x: np.ndarray) -> float:
        nonlocal calls
        calls += 1
        model = evaluate(params.with_values(values_at(x)), targets, seeds, containers, runner)
        # An unstable world is as far from every figure as a world can be.
        score = sum(
            4.0 * t.weight if math.isnan(m) else t.weight * ((m - t.days) / t.days) ** 2
            for m, t in zip(model, targets, strict=True)
        )
        if progress:
            progress(calls, score)
        return score

    x0 = np.array([(start[p] - lows[i]) / spans[i] for i, p in enumerate(paths)])
    try:
        if own:
            runner.__enter__()
        box = [(0.0, 1.0)] * len(paths)
        found = minimize(
            objective,
            x0,
            method="Powell",
            bounds=box,
            options={"maxfev": max_evaluations // 2, "xtol": 0.01, "ftol": 1e-4},
        )
        # Then Nelder-Mead from there with what is left of the budget: Powell's line
        # searches stop early on a noisy objective.
        polish = minimize(
            objective,
            found.x,
            method="Nelder-Mead",
            bounds=box,
            options={
                "maxfev": max(1, max_evaluations - calls),
                "xatol": 0.005,
                "fatol": 1e-4,
                "initial_simplex": _simplex(found.x, 0.1),
            },
        )
        if polish.fun < found.fun:
            found = polish
        # The values as written to fitted.yaml, so that the residuals are those of the file.
        values = {p: round(v, 4) for p, v in values_at(found.x).items()}
        fitted = params.with_values(values)
        model = evaluate(fitted, targets, seeds, containers, runner)
    finally:
        if own:
            runner.__exit__(None, None, None)
    residuals = [Residual(t, m) for t, m in zip(targets, model, strict=True)]
    return FitResult(values, start, residuals, float(found.fun), calls, list(seeds), containers)


def _simplex(x0: np.ndarray, width: float) -> np.ndarray:
    """A starting simplex `width` of the box wide around `x0`, inside the box."""
    simplex = np.tile(x0, (len(x0) + 1, 1))
    for i in range(len(x0)):
        simplex[i + 1, i] = x0[i] + (width if x0[i] + width <= 1 else -width)
    return simplex


def write(result: FitResult, folder: Path) -> Path:
    """fitted.yaml in `folder`."""
    path = folder / "fitted.yaml"
    path.write_text(result.to_yaml(), encoding="utf-8")
    return path
