"""Organisations registered on the node and their API keys."""

from __future__ import annotations

from corridor.api.deps import Caller, Ctx
from corridor.api.routes._base import routers
from corridor.api.schemas import NewKey
from corridor.model import Organisation
from corridor.services import organisations
from corridor.services.organisations import ApiKeyInfo, IssuedKey

public, private = routers()


@private.get("/me", tags=["organisations"])
def me(who: Caller) -> Organisation:
    """The organisation your API key belongs to."""
    return who


@private.post("/organisations", status_code=201, tags=["organisations"])
def create_organisation(org: Organisation, who: Caller, ctx: Ctx) -> Organisation:
    """Register an organisation (node operator only)."""
    return organisations.register(ctx, who, org, ctx.clock())


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
    """Issue an API key; the secret is shown only in this response."""
    return organisations.issue_key(ctx, who, org_id, (body or NewKey()).label, ctx.clock())


@private.get("/organisations/{org_id}/api-keys", tags=["organisations"])
def list_keys(org_id: str, who: Caller, ctx: Ctx) -> list[ApiKeyInfo]:
    """An organisation's API keys, without secrets."""
    return organisations.list_keys(ctx, who, org_id)


@private.delete("/organisations/{org_id}/api-keys/{key_id}", tags=["organisations"])
def revoke_key(org_id: str, key_id: str, who: Caller, ctx: Ctx) -> ApiKeyInfo:
    """Revoke an API key; it stops working at once."""
    return organisations.revoke_key(ctx, who, org_id, key_id, ctx.clock())
