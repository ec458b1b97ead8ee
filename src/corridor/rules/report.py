"""The readiness report: for each country on a route, the procedure it applies and what each
of its rules found, in words a shipper understands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from corridor.model import DocumentKind
from corridor.network import Mode
from corridor.rules.schema import Procedure

__all__ = ["CrossingReport", "Outcome", "ReadinessReport", "RuleResult"]


class Outcome(StrEnum):
    """What a rule found."""

    PASSED = "passed"
    MISSING = "missing"
    BLOCKING = "blocking"


@dataclass(slots=True)
class RuleResult:
    """One applicable rule's verdict, in words a shipper understands.

    A plain dataclass: a check makes dozens of these, and pydantic validates them only when
    a stored report is read back.
    """

    rule_id: str
    topic: str
    title: str
    outcome: Outcome
    message: str
    provide: str | None
    due: datetime | None
    legal_status: str
    source: str | None
    # When the rule was last checked against its source: how far the user may rely on it.
    reviewed: date | None = None
    # The documents whose absence this result reports (what a form offers to issue).
    lacking: list[DocumentKind] = field(default_factory=list)
    # Evidence this result rests on or refused that was attached, not verified here: each
    # says what it is and who attached it (the rule accepts it only if it says why).
    unverified: list[str] = field(default_factory=list)
    # What a rule not met misses, apart (for a page to say it in its reader's language):
    # the documents wanted each on its own, the groups of which one will do, the shipment's
    # fields left empty; and why a passed rule may rest on unverified evidence.
    documents: list[DocumentKind] = field(default_factory=list)
    any_of: list[list[DocumentKind]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    accepts_unverified: str | None = None
    # The `unverified` notes as message codes and parameters, where they have one.
    unverified_said: list[tuple[str, dict[str, str]] | None] = field(default_factory=list)


@dataclass(slots=True)
class CrossingReport:
    """One country on the route, the procedure it applies and its rules' results."""

    country: str
    jurisdiction: str | None
    procedure: Procedure
    node: str
    mode: Mode | None
    at: datetime
    pack_version: str | None
    results: list[RuleResult]
    note: str | None


class ReadinessReport(BaseModel):
    """Whether a shipment can leave with nothing missing at any border."""

    reference: str
    departure: datetime
    ready: bool
    passed: int
    missing: int
    blocking: int
    crossings: list[CrossingReport]
