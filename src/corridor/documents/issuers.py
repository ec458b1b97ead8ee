"""Who issues a document only a state-designated body may issue, per country, read from
`issuers.yaml` with its sources: the certificate of origin's issuing body in each corridor
country, the forms it issues, and what is UNCONFIRMED about it."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from corridor.model import DocumentKind

__all__ = ["Issuer", "issuer_of", "requested_kinds"]

_STRICT = ConfigDict(extra="forbid", frozen=True)


class Issuer(BaseModel):
    """The body of one country that issues one kind of document."""

    model_config = _STRICT

    body: str = Field(min_length=1)
    local_name: str
    forms: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    unconfirmed: str | None = None

    @property
    def confirmed(self) -> bool:
        """Whether a source names the body (it is not marked UNCONFIRMED)."""
        return not self.body.startswith("UNCONFIRMED") and self.source != "UNCONFIRMED"


class _File(BaseModel):
    model_config = _STRICT

    version: int
    issuers: dict[DocumentKind, dict[str, Issuer]]


@cache
def _shipped() -> _File:
    text = resources.files("corridor.documents").joinpath("issuers.yaml").read_text("utf-8")
    return _File.model_validate(yaml.safe_load(text))


def issuer_of(kind: DocumentKind, country: str) -> Issuer | None:
    """The body of `country` that issues `kind`, or None where the data names none."""
    return _shipped().issuers.get(kind, {}).get(country)


def requested_kinds() -> frozenset[DocumentKind]:
    """The kinds issued only by a designated body: a shipper asks for them, never signs them."""
    return frozenset(_shipped().issuers)
