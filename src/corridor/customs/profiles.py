"""Targeting profiles: an authority's risk rules as data, validated like the rule packs
(every problem with file:line), and indexed so that a declaration is checked against the few
profiles that can match it rather than against all of them.

A profile set is one YAML file per authority: the office's selectivity settings (expected
rate per lane, minimum random rate, maximum hits), its register of authorised economic
operators, and the profiles. It never leaves the authority's node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from corridor.exceptions import ProfileError
from corridor.model import DocumentKind
from corridor.model.codes import CountryCode
from corridor.rules.loader import parse_yaml

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Lane(IntEnum):
    """Selectivity lanes, strongest last (ASYCUDA: green, blue, yellow, red)."""

    GREEN = 0
    BLUE = 1  # post-clearance audit
    YELLOW = 2  # documentary check
    RED = 3  # physical examination

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {lane: lane.name.lower() for lane in Lane}
LaneName = Literal["red", "yellow", "blue"]
Procedure = Literal["export", "transit", "import"]
PROCEDURES: tuple[Procedure, ...] = ("export", "transit", "import")


class LaneRates(BaseModel):
    """Percentages of declarations per lane."""

    model_config = _STRICT

    red: float = Field(default=0.0, ge=0, le=100)
    yellow: float = Field(default=0.0, ge=0, le=100)
    blue: float = Field(default=0.0, ge=0, le=100)

    @model_validator(mode="after")
    def _at_most_all(self) -> LaneRates:
        if self.red + self.yellow + self.blue > 100:
            raise ValueError("the lanes' rates add up to more than 100 %")
        return self


class Office(BaseModel):
    """A customs office's selectivity settings (ASYCUDA MODSEL)."""

    model_config = _STRICT

    reference: str = Field(pattern=r"^[A-Z]{2}[A-Z0-9]{6}$", description="customs office code")
    name: str = Field(min_length=1, max_length=100)
    rates: LaneRates
    min_random: LaneRates = LaneRates()
    max_hits: int = Field(default=3, ge=1, le=100)
    procedures: list[Procedure] = Field(
        default_factory=lambda: list(PROCEDURES),
        min_length=1,
        description="the procedures the office applies (its calibration sample's mix)",
    )

    @model_validator(mode="after")
    def _minimum_within_expected(self) -> Office:
        for lane in ("red", "yellow", "blue"):
            if getattr(self.min_random, lane) > getattr(self.rates, lane):
                raise ValueError(f"the minimum random rate of {lane} is above its expected rate")
        return self


class AeoRegister(BaseModel):
    """Authorised economic operators this authority recognises: its own, and those of the
    countries it has a mutual recognition agreement with."""

    model_config = _STRICT

    holders: list[str] = Field(default_factory=list, description="'CC:tax-id' of each holder")
    mutual_recognition: list[CountryCode] = Field(default_factory=list)

    def recognised(self, own_country: str) -> frozenset[str]:
        ok = {own_country, *self.mutual_recognition}
        return frozenset(h.split(":", 1)[1].casefold() for h in self.holders if h[:2] in ok)


class Conditions(BaseModel):
    """What a declaration must show for a profile to hit; every condition given must hold."""

    model_config = _STRICT

    procedure: list[Literal["export", "transit", "import"]] | None = None
    hs: list[str] | None = Field(default=None, description="HS code prefixes, 2-10 digits")
    hs_range: tuple[str, str] | None = Field(default=None, description="6-digit codes, inclusive")
    origin: list[CountryCode] | None = None
    route: list[CountryCode] | None = Field(default=None, description="routed through any")
    consignor: list[str] | None = Field(default=None, description="tax ids or names")
    declarant: list[str] | None = None
    value_per_kg_below: Decimal | None = Field(default=None, gt=0)
    value_per_kg_above: Decimal | None = Field(default=None, gt=0)
    gross_kg_above: Decimal | None = Field(default=None, gt=0)
    documents_missing: list[DocumentKind] | None = None
    documents_present: list[DocumentKind] | None = None
    aeo: bool | None = None
    discrepancies_at_least: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _shapes(self) -> Conditions:
        for code in self.hs or ():
            if not (code.isdigit() and 2 <= len(code) <= 10):
                raise ValueError(f"hs prefix {code!r} is not 2-10 digits")
        if self.hs_range is not None:
            lo, hi = self.hs_range
            if not (lo.isdigit() and hi.isdigit() and len(lo) == len(hi) == 6 and lo <= hi):
                raise ValueError("hs_range is two 6-digit codes, low first")
        if not self.model_fields_set:
            raise ValueError("a profile needs at least one condition")
        return self


class Profile(BaseModel):
    """One targeting profile: conditions, a lane, how often a hit selects, when it applies,
    and the reason the officer reads in the hit list."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    lane: LaneName
    percent: float = Field(gt=0, le=100, description="share of hits that are selected")
    valid_from: date
    valid_to: date | None = None
    reason: str = Field(min_length=10, max_length=500)
    when: Conditions

    @model_validator(mode="after")
    def _dates(self) -> Profile:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ProfileSet(BaseModel):
    """An authority's targeting: its office, AEO register and profiles."""

    model_config = _STRICT

    authority: str = Field(min_length=1, max_length=64)
    country: CountryCode
    version: int = Field(ge=1)
    office: Office
    aeo: AeoRegister = AeoRegister()
    profiles: list[Profile] = Field(default_factory=list, max_length=20_000)
    sources: list[str] = Field(default_factory=list, description="where the settings come from")
    unconfirmed: list[str] = Field(
        default_factory=list, description="settings that are assumptions, not published facts"
    )

    @model_validator(mode="after")
    def _unique(self) -> ProfileSet:
        seen: set[str] = set()
        for p in self.profiles:
            if p.id in seen:
                raise ValueError(f"profile id {p.id!r} appears twice")
            seen.add(p.id)
        return self


def parse_profiles(text: str, filename: str) -> ProfileSet:
    """Parse and validate a profile set; ProfileError lists every problem with file:line."""
    return parse_yaml(
        text,
        filename,
        ProfileSet,
        "a profile set is a YAML mapping with 'authority', 'country', 'version', 'office' "
        "and 'profiles'",
        ProfileError,
    )


def load_profiles(path: Path) -> ProfileSet:
    """A profile set from a file."""
    return parse_profiles(path.read_text("utf-8"), path.name)


@dataclass(frozen=True, slots=True)
class Declaration:
    """What the authority received about one declaration, in the shape profiles test."""

    key: str
    procedure: str
    hs_codes: tuple[str, ...]
    origins: frozenset[str]
    route: frozenset[str]
    consignors: frozenset[str]
    declarants: frozenset[str]
    gross_kg: float
    value: float | None
    documents: frozenset[str]
    aeo: bool
    discrepancies: int

    @property
    def value_per_kg(self) -> float | None:
        if self.value is None or self.gross_kg <= 0:
            return None
        return self.value / self.gross_kg


Test = Callable[[Declaration], bool]


def _overlaps(attr: str, wanted: frozenset[str]) -> Test:
    def test(d: Declaration) -> bool:
        return not wanted.isdisjoint(getattr(d, attr))

    return test


def _tests(c: Conditions) -> list[Test]:
    out: list[Test] = []
    if c.procedure is not None:
        procedures = frozenset(c.procedure)
        out.append(lambda d: d.procedure in procedures)
    if c.hs is not None:
        prefixes = tuple(c.hs)
        out.append(lambda d: any(h.startswith(prefixes) for h in d.hs_codes))
    if c.hs_range is not None:
        lo, hi = c.hs_range
        out.append(lambda d: any(lo <= h[:6] <= hi for h in d.hs_codes))
    # Countries are upper-case codes; parties (names and tax ids) compare case-folded.
    for attr, values, fold in (
        ("origins", c.origin, False),
        ("route", c.route, False),
        ("consignors", c.consignor, True),
        ("declarants", c.declarant, True),
    ):
        if values is not None:
            wanted = frozenset(v.casefold() if fold else v for v in values)
            out.append(_overlaps(attr, wanted))
    if c.value_per_kg_below is not None:
        below = float(c.value_per_kg_below)
        out.append(lambda d: d.value_per_kg is not None and d.value_per_kg < below)
    if c.value_per_kg_above is not None:
        above = float(c.value_per_kg_above)
        out.append(lambda d: d.value_per_kg is not None and d.value_per_kg > above)
    if c.gross_kg_above is not None:
        heavy = float(c.gross_kg_above)
        out.append(lambda d: d.gross_kg > heavy)
    if c.documents_missing is not None:
        missing = frozenset(k.value for k in c.documents_missing)
        out.append(lambda d: not missing <= d.documents)
    if c.documents_present is not None:
        present = frozenset(k.value for k in c.documents_present)
        out.append(lambda d: present <= d.documents)
    if c.aeo is not None:
        aeo = c.aeo
        out.append(lambda d: d.aeo is aeo)
    if c.discrepancies_at_least is not None:
        least = c.discrepancies_at_least
        out.append(lambda d: d.discrepancies >= least)
    return out


@dataclass(frozen=True)
class Compiled:
    """A profile with its conditions turned into tests."""

    profile: Profile
    lane: Lane
    tests: tuple[Test, ...]

    def matches(self, d: Declaration) -> bool:
        for test in self.tests:  # noqa: SIM110 - a loop is faster than all() over a generator here
            if not test(d):
                return False
        return True


class ProfileIndex:
    """The profiles in force on a day, indexed by HS prefix (and by origin for profiles
    without an HS condition), so a declaration meets only its candidates."""

    def __init__(self, profiles: Iterable[Profile], day: date) -> None:
        self.by_hs: dict[str, list[Compiled]] = defaultdict(list)
        self.by_origin: dict[str, list[Compiled]] = defaultdict(list)
        self.always: list[Compiled] = []
        self.size = 0
        for p in profiles:
            if not p.in_force(day):
                continue
            self.size += 1
            compiled = Compiled(p, Lane[p.lane.upper()], tuple(_tests(p.when)))
            if p.when.hs is not None:
                for prefix in p.when.hs:
                    self.by_hs[prefix].append(compiled)
            elif p.when.hs_range is not None:
                lo, hi = int(p.when.hs_range[0][:2]), int(p.when.hs_range[1][:2])
                for chapter in range(lo, hi + 1):
                    self.by_hs[f"{chapter:02d}"].append(compiled)
            elif p.when.origin is not None:
                for country in p.when.origin:
                    self.by_origin[country].append(compiled)
            else:
                self.always.append(compiled)

    def candidates(self, d: Declaration) -> list[Compiled]:
        """The profiles that could match `d`, each once, in a stable order."""
        seen: dict[str, Compiled] = {}
        for code in d.hs_codes:
            for n in range(2, len(code) + 1):
                for c in self.by_hs.get(code[:n], ()):
                    seen.setdefault(c.profile.id, c)
        for country in d.origins:
            for c in self.by_origin.get(country, ()):
                seen.setdefault(c.profile.id, c)
        for c in self.always:
            seen.setdefault(c.profile.id, c)
        return list(seen.values())

    def hits(self, d: Declaration) -> list[Compiled]:
        """The profiles `d` matches."""
        return [c for c in self.candidates(d) if c.matches(d)]
