"""Harmonised rule packs (YAML, one per jurisdiction) and the readiness engine."""

from functools import cache

from corridor.exceptions import RulePackError
from corridor.network import corridor
from corridor.rules.engine import Engine, Segment, segments
from corridor.rules.evidence import REFUSED
from corridor.rules.harmonise import Matrix, matrix, route_jurisdictions
from corridor.rules.loader import PackSet, load_dir, parse_pack, shipped_packs
from corridor.rules.report import Outcome, ReadinessReport


@cache
def default_engine() -> Engine:
    """The engine over the shipped packs and the shipped network."""
    return Engine(shipped_packs(), corridor())


__all__ = [
    "REFUSED",
    "Engine",
    "Matrix",
    "Outcome",
    "PackSet",
    "ReadinessReport",
    "RulePackError",
    "Segment",
    "default_engine",
    "load_dir",
    "matrix",
    "parse_pack",
    "route_jurisdictions",
    "segments",
    "shipped_packs",
]
