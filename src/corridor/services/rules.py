"""The harmonised rules: checking a draft before it is submitted, the harmonisation matrix,
the loaded packs and linting a pack. Stateless: they need the node's rule engine only."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from pydantic import BaseModel

from corridor.exceptions import InvalidInput
from corridor.model import DocumentKind, ShipmentDraft
from corridor.model.codes import EARLIEST, LATEST
from corridor.rules import (
    Engine,
    Matrix,
    ReadinessReport,
    default_engine,
    matrix,
    parse_pack,
    route_jurisdictions,
)
from corridor.rules.schema import Pack
from corridor.services.shipments import plan_route

__all__ = [
    "Matrix",
    "PackInfo",
    "ReadinessReport",
    "check_draft",
    "harmonisation",
    "lint",
    "packs",
    "shipped_engine",
]

shipped_engine = default_engine


class PackInfo(BaseModel):
    """A loaded rule pack."""

    jurisdiction: str
    name: str
    version: str
    countries: list[str]
    effective_from: date
    effective_to: date | None
    rules: int


def check_draft(
    engine: Engine,
    draft: ShipmentDraft,
    documents: Collection[DocumentKind],
    departure: date | datetime | None,
    now: datetime,
) -> ReadinessReport:
    """The readiness report of a draft with the documents the shipper holds, leaving on
    `departure` (default: the draft's, else now)."""
    route = plan_route(engine.network, draft)
    when = departure or draft.departure or now
    _in_range(when.date() if isinstance(when, datetime) else when)
    return engine.check(draft, route, documents, when)


def harmonisation(engine: Engine, origin: str | None, destination: str | None, on: date) -> Matrix:
    """Who requires what across the jurisdictions of a route (both ends given) or of
    every pack (neither given), in force on `on`."""
    _in_range(on)
    packs = engine.packs
    if origin and destination:
        countries = engine.network.route(origin, destination).countries
        jurisdictions = route_jurisdictions(packs, countries)
    elif origin or destination:
        raise InvalidInput("give both origin and destination, or neither for every pack")
    else:
        jurisdictions = packs.jurisdictions
    return matrix(packs, jurisdictions, on)


def _in_range(day: date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(
            f"{day} is outside the dates the corridor plans with ({EARLIEST} to {LATEST}); "
            "give the real date"
        )


def _info(p: Pack) -> PackInfo:
    return PackInfo(
        jurisdiction=p.jurisdiction,
        name=p.name,
        version=p.version,
        countries=list(p.countries),
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        rules=len(p.rules),
    )


def packs(engine: Engine) -> list[PackInfo]:
    """The rule packs the engine holds."""
    return [_info(p) for p in engine.packs.packs]


def lint(text: str, filename: str) -> PackInfo:
    """Parse and validate a pack; RulePackError lists every problem with file:line."""
    return _info(parse_pack(text, filename))
