"""Harmonised rule packs (YAML, one per jurisdiction) and the readiness engine."""

from functools import cache

from corridor.network import corridor
from corridor.rules.engine import Engine, Outcome, ReadinessReport
from corridor.rules.harmonise import Matrix, matrix, route_jurisdictions
from corridor.rules.loader import PackSet, RulePackError, load_dir, parse_pack, shipped


@cache
def default_engine() -> Engine:
    """The engine over the shipped packs and the shipped network."""
    return Engine(shipped(), corridor())


__all__ = [
    "Engine",
    "Matrix",
    "Outcome",
    "PackSet",
    "ReadinessReport",
    "RulePackError",
    "default_engine",
    "load_dir",
    "matrix",
    "parse_pack",
    "route_jurisdictions",
    "shipped",
]
