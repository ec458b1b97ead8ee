"""Organisations registered on a node (its members) and their API keys.

The node operator registers members; an organisation's API keys are managed by the operator
or by the organisation itself.

An API key is ``cor_<id>.<secret>``: the id is public and indexes the key; the secret is
256 random bits, stored only as its SHA-256 digest (a slow hash adds nothing for secrets of
that strength) and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor.exceptions import AuthenticationFailed, Conflict, NotFound, PermissionDenied
from corridor.model import Organisation, Role
from corridor.services.context import Caller, Context
from corridor.store.tables import ApiKeyRow, OrganisationRow

KEY_PREFIX = "cor_"


class ApiKeyInfo(BaseModel):
    """An API key as listed: never the secret."""

    id: str
    organisation_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


class IssuedKey(ApiKeyInfo):
    """A newly issued key: the only time the secret is shown."""

    key: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _org(row: OrganisationRow) -> Organisation:
    return Organisation.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "country": row.country,
            "role": row.role,
            "tax_id": row.tax_id,
        }
    )


def _operator(who: Caller) -> None:
    if isinstance(who, Organisation) and who.role is not Role.OPERATOR:
        raise PermissionDenied("only the node operator registers organisations")


def _operator_or_self(who: Caller, org_id: str) -> None:
    if isinstance(who, Organisation) and who.role is not Role.OPERATOR and who.id != org_id:
        raise PermissionDenied(
            "only the node operator or the organisation itself manages its API keys"
        )


def register(ctx: Context, who: Caller, org: Organisation, now: datetime) -> Organisation:
    """Register an organisation (the node operator, or the administrator at set-up); its id
    must be new."""
    _operator(who)
    with ctx.db.transaction() as s:
        if s.get(OrganisationRow, org.id) is not None:
            raise Conflict(f"organisation {org.id!r} already exists; choose another id")
        s.add(
            OrganisationRow(
                id=org.id,
                name=org.name,
                country=org.country,
                role=org.role.value,
                tax_id=org.tax_id,
                created_at=now,
            )
        )
    return org


def load(s: Session, org_id: str) -> Organisation | None:
    """An organisation by id, inside an open session."""
    row = s.get(OrganisationRow, org_id)
    return _org(row) if row else None


def get(ctx: Context, org_id: str) -> Organisation:
    """An organisation by id, or NotFound (the directory is public to members)."""
    with ctx.db.transaction() as s:
        org = load(s, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
    return org


def list_all(ctx: Context) -> list[Organisation]:
    """Every organisation, ordered by id."""
    with ctx.db.transaction() as s:
        return [_org(r) for r in s.scalars(select(OrganisationRow).order_by(OrganisationRow.id))]


def issue_key(ctx: Context, who: Caller, org_id: str, label: str, now: datetime) -> IssuedKey:
    """Create an API key for an organisation and return its secret once."""
    _operator_or_self(who, org_id)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with ctx.db.transaction() as s:
        if s.get(OrganisationRow, org_id) is None:
            raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
        s.add(
            ApiKeyRow(
                id=key_id,
                organisation_id=org_id,
                secret_sha256=_digest(secret),
                label=label[:100],
                created_at=now,
                revoked_at=None,
            )
        )
    return IssuedKey(
        id=key_id,
        organisation_id=org_id,
        label=label[:100],
        created_at=now,
        revoked_at=None,
        key=f"{KEY_PREFIX}{key_id}.{secret}",
    )


def list_keys(ctx: Context, who: Caller, org_id: str) -> list[ApiKeyInfo]:
    """An organisation's keys, without secrets."""
    _operator_or_self(who, org_id)
    with ctx.db.transaction() as s:
        if s.get(OrganisationRow, org_id) is None:
            raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
        rows = s.scalars(
            select(ApiKeyRow)
            .where(ApiKeyRow.organisation_id == org_id)
            .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        )
        return [
            ApiKeyInfo(
                id=r.id,
                organisation_id=r.organisation_id,
                label=r.label,
                created_at=r.created_at,
                revoked_at=r.revoked_at,
            )
            for r in rows
        ]


def revoke_key(ctx: Context, who: Caller, org_id: str, key_id: str, now: datetime) -> ApiKeyInfo:
    """Revoke one of an organisation's keys; it stops working at once."""
    _operator_or_self(who, org_id)
    with ctx.db.transaction() as s:
        row = s.get(ApiKeyRow, key_id)
        if row is None or row.organisation_id != org_id:
            raise NotFound(f"organisation {org_id!r} has no API key {key_id!r}")
        if row.revoked_at is None:
            row.revoked_at = now
        return ApiKeyInfo(
            id=row.id,
            organisation_id=row.organisation_id,
            label=row.label,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


def authenticate(ctx: Context, key: str) -> Organisation:
    """The organisation an API key belongs to, or AuthenticationFailed."""
    if not key.startswith(KEY_PREFIX) or "." not in key:
        raise AuthenticationFailed(
            "API key is malformed; send 'Authorization: Bearer cor_<id>.<secret>' as issued"
        )
    key_id, _, secret = key[len(KEY_PREFIX) :].partition(".")
    with ctx.db.transaction() as s:
        row = s.get(ApiKeyRow, key_id) if len(key_id) <= 32 else None
        # Compare against a dummy digest when the id is unknown so timing reveals nothing.
        expected = row.secret_sha256 if row else _digest("")
        matches = hmac.compare_digest(expected, _digest(secret))
        if row is None or not matches:
            raise AuthenticationFailed("API key is not valid; ask your node operator for one")
        if row.revoked_at is not None:
            raise AuthenticationFailed("API key was revoked; ask your node operator for a new one")
        org = load(s, row.organisation_id)
    assert org is not None  # the foreign key guarantees it
    return org
