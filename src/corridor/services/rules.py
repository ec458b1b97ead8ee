"""The harmonised rules: checking a draft before it is submitted, the harmonisation matrix,
the loaded packs and linting a pack. Stateless: they need the node's rule engine only."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

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
from corridor.rules.loader import shipped_folder
from corridor.rules.schema import LegalStatus, Pack
from corridor.services.shipments import plan_route

__all__ = [
    "Matrix",
    "PackInfo",
    "PackWarning",
    "ReadinessReport",
    "check_draft",
    "harmonisation",
    "lint",
    "packs",
    "shipped_engine",
]

shipped_engine = default_engine


# A rule checked against its source longer ago than this is due for another look.
REVIEW_AGE = timedelta(days=365)


class PackWarning(BaseModel):
    """A rule the user should not rely on without checking: unconfirmed, or not reviewed
    against its source within a year."""

    rule_id: str
    reason: Literal["unconfirmed", "not_reviewed", "review_overdue"]
    message: str


class PackInfo(BaseModel):
    """A loaded rule pack, with the rules that need another look on `checked_on`."""

    jurisdiction: str
    name: str
    version: str
    countries: list[str]
    effective_from: date
    effective_to: date | None
    rules: int
    checked_on: date
    reviewed: date | None = Field(description="The oldest review date of its rules")
    warnings: list[PackWarning]


def review_warnings(pack: Pack, today: date) -> list[PackWarning]:
    """Rules marked unconfirmed, never reviewed, or last reviewed more than a year ago."""
    found: list[PackWarning] = []
    for rule in pack.rules:
        legal = rule.legal
        if legal.status is LegalStatus.UNCONFIRMED:
            found.append(
                PackWarning(
                    rule_id=rule.id,
                    reason="unconfirmed",
                    message=f"{rule.id}: unconfirmed ({legal.note or 'no source confirms it'})",
                )
            )
        if legal.reviewed is None:
            found.append(
                PackWarning(
                    rule_id=rule.id,
                    reason="not_reviewed",
                    message=f"{rule.id}: no 'reviewed' date; check it against its source",
                )
            )
        elif today - legal.reviewed > REVIEW_AGE:
            found.append(
                PackWarning(
                    rule_id=rule.id,
                    reason="review_overdue",
                    message=f"{rule.id}: last reviewed {legal.reviewed}, more than a year ago",
                )
            )
    return found


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


def _info(p: Pack, today: date) -> PackInfo:
    reviewed = [r.legal.reviewed for r in p.rules if r.legal.reviewed]
    return PackInfo(
        jurisdiction=p.jurisdiction,
        name=p.name,
        version=p.version,
        countries=list(p.countries),
        effective_from=p.effective_from,
        effective_to=p.effective_to,
        rules=len(p.rules),
        checked_on=today,
        reviewed=min(reviewed) if len(reviewed) == len(p.rules) else None,
        warnings=review_warnings(p, today),
    )


def packs(engine: Engine, today: date) -> list[PackInfo]:
    """The rule packs the engine holds, with their rules due for review on `today`."""
    return [_info(p, today) for p in engine.packs.packs]


def shipped_pack_files() -> list[Path]:
    """The rule pack files shipped with corridor."""
    return sorted(shipped_folder().glob("*.yaml"))


def lint(text: str, filename: str, today: date) -> PackInfo:
    """Parse and validate a pack (RulePackError lists every problem with file:line); its
    warnings name the rules to check against their sources again."""
    return _info(parse_pack(text, filename), today)
