"""Authentication: which organisation (and, for an officer's key, which officer) an API
key stands for, in one query per request, with a constant-time comparison of the secret.
Keys themselves are issued, listed and revoked in `credentials`."""

from __future__ import annotations

import hmac
import time
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from corridor.exceptions import AuthenticationFailed, PermissionDenied
from corridor.model import Officer, OfficerRole, Organisation, Role
from corridor.services.context import Context
from corridor.services.credentials import KEY_PREFIX, digest
from corridor.store.tables import ApiKeyRow, OfficerRow, OrganisationRow


def authenticate(ctx: Context, key: str, client: str | None = None) -> Organisation:
    """The organisation an API key belongs to, or AuthenticationFailed (TooManyAttempts
    after too many failures for the key, the client's address or the organisation)."""
    return authenticate_any(ctx, key, client)[0]


def authenticate_officer(ctx: Context, key: str, client: str | None = None) -> Officer:
    """The officer an API key belongs to, or AuthenticationFailed / PermissionDenied."""
    _, officer = authenticate_any(ctx, key, client)
    if officer is None:
        raise PermissionDenied(
            "this needs an officer's own API key, not the organisation's; ask your authority "
            "to add you as an officer"
        )
    return officer


def key_id_of(key: str) -> str:
    """The public id of an API key, or AuthenticationFailed when it is not shaped as one."""
    if not key.startswith(KEY_PREFIX) or "." not in key:
        raise AuthenticationFailed(
            "API key is malformed; send 'Authorization: Bearer cor_<id>.<secret>' as issued"
        )
    return key[len(KEY_PREFIX) :].partition(".")[0]


class KeyHolder(NamedTuple):
    """What authentication reads of an API key, its organisation and its officer."""

    secret_sha256: str
    revoked_at: datetime | None
    officer_id: str | None
    org_id: str
    org_name: str
    org_country: str
    org_role: str
    org_tax_id: str | None
    suspended_at: datetime | None
    person_id: str | None
    person_org: str | None
    person_name: str | None
    person_role: str | None


# Built once, plain columns (no ORM objects): it runs on every authenticated request.
_KEY_WITH_HOLDER = (
    select(
        ApiKeyRow.secret_sha256,
        ApiKeyRow.revoked_at,
        ApiKeyRow.officer_id,
        OrganisationRow.id,
        OrganisationRow.name,
        OrganisationRow.country,
        OrganisationRow.role,
        OrganisationRow.tax_id,
        OrganisationRow.suspended_at,
        OfficerRow.id,
        OfficerRow.organisation_id,
        OfficerRow.name,
        OfficerRow.role,
    )
    .join(OrganisationRow, OrganisationRow.id == ApiKeyRow.organisation_id)
    .outerjoin(OfficerRow, OfficerRow.id == ApiKeyRow.officer_id)
    .where(ApiKeyRow.id == bindparam("key_id"))
)


def key_with_holder(s: Session | Connection, key_id: str) -> KeyHolder | None:
    """An API key with its organisation and, for an officer's key, the officer: one
    query."""
    found = s.execute(_KEY_WITH_HOLDER, {"key_id": key_id}).first()
    return KeyHolder._make(found) if found else None


def holder(found: KeyHolder | None) -> tuple[Organisation, Officer | None]:
    """Who holds a (found, secret-checked) API key: its organisation and, for an officer's
    key, the officer; AuthenticationFailed when the key or its organisation stopped working."""
    if found is None:
        raise AuthenticationFailed("API key is not valid; ask your node operator for one")
    if found.revoked_at is not None:
        raise AuthenticationFailed("API key was revoked; mint a new one or re-enrol")
    if found.suspended_at is not None:
        raise AuthenticationFailed(
            "your organisation is suspended on this node; ask your node operator"
        )
    # Validated when it was registered: read back as stored.
    org = Organisation.model_construct(
        id=found.org_id,
        name=found.org_name,
        country=found.org_country,
        role=Role(found.org_role),
        tax_id=found.org_tax_id,
    )
    if found.officer_id is None:
        return org, None
    if found.person_id is None or found.person_role is None or found.person_org != org.id:
        raise AuthenticationFailed("API key is not valid; ask your node operator for one")
    return org, Officer(
        id=found.person_id,
        organisation=org,
        name=found.person_name or "",
        role=OfficerRole(found.person_role),
    )


def authenticate_any(
    ctx: Context, key: str, client: str | None = None
) -> tuple[Organisation, Officer | None]:
    """The organisation an API key belongs to and the officer it is bound to, if any;
    failures are throttled per key id, per client address and per organisation."""
    key_id = key_id_of(key)
    secret = key.partition(".")[2]
    subjects = [f"key:{key_id[:32]}", *([f"ip:{client}"] if client else [])]
    now_s = time.monotonic()
    ctx.throttle.check(subjects, now_s)
    with ctx.db.reading() as conn:
        found = key_with_holder(conn, key_id) if len(key_id) <= 32 else None
        # Compare against a dummy digest when the id is unknown so timing reveals nothing.
        expected = found.secret_sha256 if found else digest("")
        matches = hmac.compare_digest(expected, digest(secret))
    if found is not None:
        subjects.append(f"org:{found.org_id}")
        ctx.throttle.check(subjects[-1:], now_s)
    try:
        return holder(found if matches else None)
    except AuthenticationFailed:
        ctx.throttle.failed(subjects, now_s)
        raise


def counters(ctx: Context) -> dict[str, int]:
    """Failed authentications and attempts refused by throttling, since the node started."""
    return {
        "corridor_auth_failures_total": ctx.throttle.failed_total,
        "corridor_auth_throttled_total": ctx.throttle.refused_total,
    }
