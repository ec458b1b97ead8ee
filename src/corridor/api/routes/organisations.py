"""Organisations registered on the node, enrolment, their API keys and key events."""

from __future__ import annotations

from fastapi import Request

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import (
    AUTH_ERRORS,
    PROBLEM,
    EnrolRequest,
    NewKey,
    RecoverRequest,
    RecoveryRequest,
    RefuseRecovery,
)
from corridor.model import Organisation
from corridor.services import credentials, organisations, recovery
from corridor.services.credentials import (
    ApiKeyInfo,
    Enrolled,
    Enrolment,
    IssuedKey,
    Registered,
)
from corridor.services.ledgers import LedgerView

public, private = routers()


@private.get("/me", tags=["organisations"])
def me(who: Caller) -> Organisation:
    """The organisation your API key belongs to."""
    return who


@private.post("/organisations", status_code=201, tags=["organisations"])
def create_organisation(org: Organisation, who: Caller, ctx: Ctx) -> Registered:
    """Register a member (node operator only). The response carries its one-time enrolment
    code: hand it to the member out of band; the member exchanges it for its own API key
    (POST /enrol). The operator never holds a member's API key."""
    return credentials.register_member(ctx, who, org, ctx.clock())


@public.post(
    "/enrol",
    status_code=201,
    tags=["organisations"],
    responses={
        401: {"description": "Unknown, used or expired enrolment code", **PROBLEM},
        403: {"description": "A recovery whose waiting time is not over", **PROBLEM},
        429: AUTH_ERRORS[429],
    },
)
def enrol(body: EnrolRequest, ctx: Ctx, request: Request) -> Enrolled:
    """Exchange a one-time enrolment code for your organisation's first API key and its
    recovery code (both shown only in this response: keep the recovery code offline, apart
    from the keys). Failed attempts are throttled (429 with Retry-After). A recovery the
    operator opened answers 403 until its waiting time is over."""
    client = request.client.host if request.client else None
    return credentials.enrol(ctx, body.organisation_id, body.code, body.label, ctx.clock(), client)


@public.post(
    "/recover",
    status_code=201,
    tags=["organisations"],
    responses={401: {"description": "Unknown recovery code", **PROBLEM}, 429: AUTH_ERRORS[429]},
)
def recover(body: RecoverRequest, ctx: Ctx, request: Request) -> Enrolled:
    """Your organisation's own way back in after losing every API key: the recovery code
    from enrolment for a new API key and a new recovery code (the old one is used up). Any
    recovery the operator opened is cancelled. Throttled like enrolment."""
    client = request.client.host if request.client else None
    return recovery.recover(ctx, body.organisation_id, body.code, body.label, ctx.clock(), client)


@public.post(
    "/recover/refuse",
    status_code=204,
    tags=["organisations"],
    responses={401: {"description": "Unknown recovery code", **PROBLEM}, 429: AUTH_ERRORS[429]},
)
def refuse_recovery_by_code(body: RefuseRecovery, ctx: Ctx, request: Request) -> None:
    """Refuse, with your recovery code, a recovery the operator opened for your
    organisation: its enrolment code is void at once."""
    client = request.client.host if request.client else None
    recovery.refuse(ctx, None, body.organisation_id, ctx.clock(), body.code, client)


@private.get("/organisations", tags=["organisations"])
def list_organisations(who: Caller, ctx: Ctx) -> list[Organisation]:
    """The directory of registered organisations."""
    return organisations.list_all(ctx)


@private.get("/organisations/{org_id}", tags=["organisations"])
def get_organisation(org_id: str, who: Caller, ctx: Ctx) -> Organisation:
    """One registered organisation."""
    return organisations.get(ctx, org_id)


@private.post("/organisations/{org_id}/api-keys", status_code=201, tags=["organisations"])
def issue_key(org_id: str, who: Caller, ctx: Ctx, body: NewKey | None = None) -> IssuedKey:
    """Mint a further API key for your own organisation; the secret is shown only in this
    response. The operator cannot mint keys for a member."""
    return credentials.issue_key(ctx, who, org_id, (body or NewKey()).label, ctx.clock())


@private.get("/organisations/{org_id}/api-keys", tags=["organisations"])
def list_keys(org_id: str, who: Caller, ctx: Ctx) -> list[ApiKeyInfo]:
    """An organisation's API keys, without secrets (the operator or the organisation)."""
    return credentials.list_keys(ctx, who, org_id)


@private.delete("/organisations/{org_id}/api-keys/{key_id}", tags=["organisations"])
def revoke_key(org_id: str, key_id: str, who: Caller, ctx: Ctx) -> ApiKeyInfo:
    """Revoke an API key; it stops working at once (the operator or the organisation)."""
    return credentials.revoke_key(ctx, who, org_id, key_id, ctx.clock())


@private.post("/organisations/{org_id}/enrolment", status_code=201, tags=["organisations"])
def reopen_enrolment(
    org_id: str, who: Caller, ctx: Ctx, body: RecoveryRequest | None = None
) -> Enrolment:
    """A recovery enrolment for a member without a working API key (operator only), on the
    signed approval of the customs authority of the member's country (`corridor trust
    approve-recovery` on the authority's node; each approval used once). The code works
    only after a waiting time, during which the member sees it in its key events and may
    refuse it."""
    approval = body.approval if body is not None else None
    return recovery.open_enrolment(ctx, who, org_id, approval, ctx.clock())


@private.post("/organisations/{org_id}/enrolment/refuse", status_code=204, tags=["organisations"])
def refuse_recovery(org_id: str, who: Caller, ctx: Ctx) -> None:
    """Refuse, as the member, a recovery the operator opened for it."""
    recovery.refuse(ctx, who, org_id, ctx.clock())


@private.post("/organisations/{org_id}/suspend", status_code=204, tags=["organisations"])
def suspend(org_id: str, who: Caller, ctx: Ctx) -> None:
    """Suspend a member: its API keys stop working until it is reinstated (operator only)."""
    credentials.suspend(ctx, who, org_id, ctx.clock(), suspended=True)


@private.post("/organisations/{org_id}/reinstate", status_code=204, tags=["organisations"])
def reinstate(org_id: str, who: Caller, ctx: Ctx) -> None:
    """Lift a suspension (operator only)."""
    credentials.suspend(ctx, who, org_id, ctx.clock(), suspended=False)


@private.get("/organisations/{org_id}/key-events", tags=["organisations"])
def key_events(org_id: str, who: Caller, ctx: Ctx) -> LedgerView:
    """Every registration, enrolment, key and suspension event of an organisation, as a
    verified, signed ledger (the organisation or the operator)."""
    return credentials.key_events(ctx, who, org_id)
