"""Request and response bodies of the API that are not a service's own result type."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from corridor.api.problems import Problem
from corridor.model import DocumentKind, OfficerRole, PlanningDate, ShipmentDraft
from corridor.services.decisions import Action
from corridor.services.recovery import Approval
from corridor.services.rules import PackWarning

# How a route declares a problem response in the OpenAPI document.
PROBLEM: dict[str, Any] = {"model": Problem, "content": {"application/problem+json": {}}}
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Malformed JSON", **PROBLEM},
    413: {"description": "Body over the size limit", **PROBLEM},
    422: {"description": "Invalid input; `errors` names each field", **PROBLEM},
    500: {"description": "Internal error; nothing was changed", **PROBLEM},
    503: {"description": "Store unavailable", **PROBLEM},
}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or revoked API key", **PROBLEM},
    403: {"description": "Your organisation may not do this", **PROBLEM},
    404: {"description": "Not found, or not yours to see", **PROBLEM},
    409: {"description": "Conflicts with stored data", **PROBLEM},
    429: {
        "description": "Too many failed authentications from this key, address or "
        "organisation; retry after the Retry-After header's seconds",
        **PROBLEM,
    },
}


class Health(BaseModel):
    """Liveness of the node and its store, and of its exchange when it runs one: whether the
    bus is up, how many envelopes wait to be sent, the last failure."""

    status: str
    version: str
    nodes: int
    store: dict[str, Any] | None = None
    exchange: dict[str, Any] | None = None


class NewKey(BaseModel):
    """A request for a new API key."""

    label: str = "default"


class RecoverRequest(BaseModel):
    """A member's recovery code exchanged for a new API key (and a new recovery code)."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: str = Field(max_length=64, examples=["kz-ferroalloy"])
    code: str = Field(max_length=200, description="The recovery code given at enrolment")
    label: str = Field(default="recovered", max_length=100)


class RefuseRecovery(BaseModel):
    """A member refusing a recovery its operator opened, with its recovery code."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: str = Field(max_length=64, examples=["kz-ferroalloy"])
    code: str = Field(max_length=200, description="The recovery code given at enrolment")


class RecoveryRequest(BaseModel):
    """The operator's request for a member's recovery enrolment: the approval of the customs
    authority of the member's country, as `corridor trust approve-recovery` wrote it."""

    model_config = ConfigDict(extra="forbid")

    approval: Approval | None = None


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
    """Envelopes queued for the authorities on a shipment's route, and a warning when this
    node's clock is off its peers' (receivers would refuse them)."""

    envelopes: list[str]
    clock_warning: str | None = None


class LintResult(BaseModel):
    """A rule pack that passed the checks."""

    valid: bool
    jurisdiction: str
    version: str
    rules: int
    warnings: list[PackWarning]


class DecisionRequest(BaseModel):
    """An officer's decision on a declaration."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why: required to hold, refuse or fail a check, and to override a lane",
    )
    findings: str | None = Field(
        default=None, max_length=4000, description="What an inspection found (none: no findings)"
    )


class LegEndRequest(BaseModel):
    """An authority ends its leg of a released declaration's shipment."""

    model_config = ConfigDict(extra="forbid")

    seals_intact: bool = Field(
        default=True, description="Whether every seal was found intact at the end of the leg"
    )
    reservation: str | None = Field(
        default=None,
        max_length=500,
        description="An incident or reservation (required when a seal was not intact)",
    )


class Endorsement(BaseModel):
    """A chief's answer to an examiner's override."""

    model_config = ConfigDict(extra="forbid")

    approve: bool = True
    reason: str = Field(min_length=1, max_length=1000, description="The chief's own reason")


class OfficerRequest(BaseModel):
    """A person added to a customs authority."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=2, max_length=64, examples=["kz-customs.aliya"])
    name: str = Field(min_length=1, max_length=200)
    role: OfficerRole


class CertificateRequest(BaseModel):
    """A shipper asks the node that signs for the issuing body of the goods' origin."""

    model_config = ConfigDict(extra="forbid")

    kind: DocumentKind = Field(description="The document asked for, e.g. certificate_of_origin")


class IssueRequested(BaseModel):
    """The issuing authority issues the document asked for, with its fields as checked."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(
        description="The document's fields, as the officer checked and completed them"
    )


class RefuseRequested(BaseModel):
    """The issuing authority refuses a request; the shipper reads the reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="Why it is refused")
