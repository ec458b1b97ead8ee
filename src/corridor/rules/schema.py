"""The rule-pack format: one YAML file per jurisdiction and version.

A pack is refused whole when anything in it is wrong; errors carry file and line.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor.model import DocumentKind
from corridor.model.codes import CountryCode, CurrencyCode
from corridor.network import Mode

_STRICT = ConfigDict(extra="forbid", frozen=True)
_HS_PART = re.compile(r"^(\d{2}|\d{4}|\d{6})$")
_FIELD_PATHS = {
    "forwarder",
    "departure",
    "destination_country",
    "carriers",
    "goods[].origin_country",
    "goods[].package_type",
    "goods[].description",
    "containers[].seal",
    "wagons[].seal",
}


class Procedure(StrEnum):
    """The customs procedure a country applies to the shipment."""

    EXPORT = "export"
    TRANSIT = "transit"
    IMPORT = "import"


class Severity(StrEnum):
    """What a missing requirement does: stops the train, or must be provided."""

    BLOCKING = "blocking"
    REQUIRED = "required"


class LegalStatus(StrEnum):
    """How firmly the rule is grounded."""

    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    ILLUSTRATIVE = "illustrative"


def hs_bounds(spec: str) -> tuple[str, str]:
    """An HS range spec ('2612', '01-05', '720241') as inclusive 6-digit bounds."""
    lo, sep, hi = spec.partition("-")
    hi = hi if sep else lo
    if not (_HS_PART.match(lo) and _HS_PART.match(hi) and len(lo) == len(hi)):
        raise ValueError(
            f"invalid HS range {spec!r}: use 2, 4 or 6 digits, or two of the same length "
            "joined by '-', e.g. '2612', '01-05', '720241'"
        )
    if lo > hi:
        raise ValueError(f"invalid HS range {spec!r}: the start is after the end")
    if not 1 <= int(lo[:2]) <= 97 or not 1 <= int(hi[:2]) <= 97:
        raise ValueError(f"invalid HS range {spec!r}: chapters run 01-97")
    return lo.ljust(6, "0"), hi.ljust(6, "9")


class ValueThreshold(BaseModel):
    """Applies when the shipment's total value is over this amount."""

    model_config = _STRICT

    amount: float = Field(gt=0)
    currency: CurrencyCode


class When(BaseModel):
    """Conditions under which a rule applies; all given conditions must hold."""

    model_config = _STRICT

    hs: list[str] = Field(default_factory=list)
    modes: list[Mode] = Field(default_factory=list)
    value_over: ValueThreshold | None = None
    gross_kg_over: float | None = Field(default=None, gt=0)
    origin_not_in: list[CountryCode] = Field(default_factory=list)
    equipment: Literal["container", "wagon"] | None = None

    @field_validator("hs")
    @classmethod
    def _check_hs(cls, value: list[str]) -> list[str]:
        for spec in value:
            hs_bounds(spec)
        return value


class PreArrival(BaseModel):
    """Electronic pre-arrival data: who lodges it, in which system, how early."""

    model_config = _STRICT

    hours_before: float | None = Field(default=None, ge=0)
    lodged_by: Literal["carrier", "declarant", "carrier_or_declarant"]
    system: str
    mandatory: bool = True


class Requires(BaseModel):
    """What a rule asks for."""

    model_config = _STRICT

    documents: list[DocumentKind] = Field(default_factory=list)
    # Groups of documents of which any one will do (the ePhyto or the paper certificate).
    any_of: list[list[DocumentKind]] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)
    pre_arrival: PreArrival | None = None
    # Evidence the corridor cannot verify (a file attached by a party entitled to provide
    # it) satisfies this rule only where the rule says why that is enough, e.g. "customs
    # checks the authorisation in the CBAM registry at release".
    accepts_unverified: str | None = Field(default=None, min_length=10)

    @field_validator("any_of")
    @classmethod
    def _real_choices(cls, value: list[list[DocumentKind]]) -> list[list[DocumentKind]]:
        for group in value:
            if len(set(group)) < 2:
                raise ValueError("an any_of group offers at least two different documents")
        return value

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, value: list[str]) -> list[str]:
        for path in value:
            if path not in _FIELD_PATHS:
                raise ValueError(
                    f"unknown shipment field {path!r}; known: {', '.join(sorted(_FIELD_PATHS))}"
                )
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Requires:
        if not (self.documents or self.any_of or self.fields or self.pre_arrival):
            raise ValueError("a rule must require documents, fields or pre_arrival data")
        return self


class Legal(BaseModel):
    """Where the rule comes from."""

    model_config = _STRICT

    status: LegalStatus
    source: str | None = None
    note: str | None = None
    # The day someone last checked the rule against its source (a pack linter warns when
    # this is more than a year ago or missing).
    reviewed: date | None = None

    @model_validator(mode="after")
    def _grounded(self) -> Legal:
        if self.status is not LegalStatus.ILLUSTRATIVE and not self.source:
            raise ValueError("a confirmed or unconfirmed rule names its legal source")
        if self.status is LegalStatus.ILLUSTRATIVE and not self.note:
            raise ValueError("an illustrative rule says why in a note")
        return self


class Rule(BaseModel):
    """One requirement of one jurisdiction."""

    model_config = _STRICT

    id: str = Field(pattern=r"^[A-Z]{2}-[A-Z0-9-]{2,40}$")
    topic: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)*$")
    title: str = Field(min_length=3)
    procedures: list[Procedure] = Field(min_length=1)
    when: When = Field(default_factory=When)
    requires: Requires
    severity: Severity = Severity.REQUIRED
    legal: Legal
    effective_from: date | None = None
    effective_to: date | None = None


class Pack(BaseModel):
    """One version of one jurisdiction's rules."""

    model_config = _STRICT

    jurisdiction: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    countries: list[CountryCode] = Field(min_length=1)
    version: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    languages: list[str] = Field(min_length=1)
    transit_systems: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule]

    @model_validator(mode="after")
    def _consistent(self) -> Pack:
        if self.effective_to and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        ids = [r.id for r in self.rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"rule ids must be unique in a pack: {', '.join(dup)}")
        for rule in self.rules:
            if not rule.id.startswith(self.jurisdiction + "-"):
                raise ValueError(f"rule {rule.id} must start with {self.jurisdiction}-")
        return self

    def in_force(self, day: date) -> bool:
        """Whether this pack version applies on a day."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)
