"""Request and response bodies of the API that are not a service's own result type."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from corridor.api.problems import Problem
from corridor.model import DocumentKind, PlanningDate, ShipmentDraft

_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **_PROBLEM},
    413: {"description": "Body over the size limit", **_PROBLEM},
    422: {"description": "Invalid input; `errors` names each field", **_PROBLEM},
    500: {"description": "Internal error; nothing was changed", **_PROBLEM},
    503: {"description": "Store unavailable", **_PROBLEM},
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or revoked API key", **_PROBLEM},
    403: {"description": "Your organisation may not do this", **_PROBLEM},
    404: {"description": "Not found, or not yours to see", **_PROBLEM},
    409: {"description": "Conflicts with stored data", **_PROBLEM},
}


class Health(BaseModel):
    """Liveness of the node and its store, and of its exchange when it runs one: whether the
    bus is up, how many envelopes wait to be sent, the last failure."""

    status: str
    version: str
    nodes: int
    exchange: dict[str, Any] | None = None


class NewKey(BaseModel):
    """A request for a new API key."""

    label: str = "default"


class EnrolRequest(BaseModel):
    """An enrolment code exchanged for an organisation's first API key."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: str = Field(max_length=64, examples=["kz-ferroalloy"])
    code: str = Field(max_length=200, description="The one-time code from the node operator")
    label: str = Field(default="default", max_length=100)


class CheckRequest(BaseModel):
    """A shipment to check before it is submitted."""

    model_config = ConfigDict(extra="forbid")

    shipment: ShipmentDraft
    documents: list[DocumentKind] = Field(default_factory=list)
    departure: PlanningDate | None = None


class SignRequest(BaseModel):
    """A document to issue, signed with your organisation's key."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind
    fields: dict[str, Any]


class Disclosed(BaseModel):
    """Envelopes queued for the authorities on a shipment's route."""

    envelopes: list[str]


class LintResult(BaseModel):
    """A rule pack that passed the checks."""

    valid: bool
    jurisdiction: str
    version: str
    rules: int
