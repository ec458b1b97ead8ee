"""Organisations taking part in the corridor and their roles."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corridor.model.codes import NODE_ID, ORG_ID, ORG_ID_PATTERN, CountryCode, check_tax_id

_ORG_ID = re.compile(ORG_ID_PATTERN)


class Role(StrEnum):
    """What an organisation does in the corridor."""

    SHIPPER = "shipper"
    CONSIGNEE = "consignee"
    FORWARDER = "forwarder"
    CARRIER = "carrier"
    PORT = "port"
    CUSTOMS = "customs"
    AUDITOR = "auditor"
    # The organisation that runs a node: it manages members and keys but is party to no
    # shipment, so it sees no commercial data.
    OPERATOR = "operator"


class Organisation(BaseModel):
    """A registered organisation: a legal entity with one role in one country."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(
        description="Stable id: lower-case letters, digits and dashes, e.g. 'kz-customs'",
        examples=["kz-ferroalloy"],
        json_schema_extra=ORG_ID,
    )
    name: str = Field(min_length=1, max_length=200)
    country: CountryCode
    role: Role
    tax_id: str | None = Field(default=None, max_length=32)
    works_at: tuple[Annotated[str, Field(json_schema_extra=NODE_ID)], ...] = Field(
        default=(),
        max_length=20,
        description="Corridor nodes a port or carrier works at (a port its own node, a ferry "
        "line its ports): a shipment it carries is routed through one of them",
    )

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ORG_ID.match(value):
            raise ValueError(
                f"organisation id {value!r} must be 2-63 lower-case letters, digits or dashes, "
                "starting with a letter or digit, e.g. 'kz-customs'"
            )
        return value

    @model_validator(mode="after")
    def _check_tax_id(self) -> Organisation:
        if self.tax_id is not None:
            object.__setattr__(self, "tax_id", check_tax_id(self.country, self.tax_id))
        return self


class OfficerRole(StrEnum):
    """What an officer of a customs authority may do: an examiner decides, a chief also
    endorses an examiner's override of a red or yellow lane (two people)."""

    EXAMINER = "examiner"
    CHIEF = "chief"


class Officer(BaseModel):
    """A person inside a customs authority, acting with their own API key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    organisation: Organisation
    name: str
    role: OfficerRole
