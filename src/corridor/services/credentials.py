"""Who gets in: enrolment, API keys, suspension, authentication, and the key events each
member can read.

An API key is ``cor_<id>.<secret>``: the id is public and indexes the key; the secret is
256 random bits, stored only as its SHA-256 digest (a slow hash adds nothing for secrets of
that strength) and compared in constant time. An enrolment code is the same kind of secret,
used once, within `ENROLMENT_TTL`.

The operator registers a member and gets its enrolment code, to hand over out of band; the
member exchanges it for its first API key and mints any further keys itself. The operator
may list, revoke and suspend, never mint a key for a member. A member whose keys were all
revoked gets back in with its recovery code, or through its authority's approval and a
delay (`corridor.services.recovery`). Every such event is a signed entry in the member's own
key ledger, which the member reads with `key_events`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.exceptions import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from corridor.model import OfficerRole, Organisation, Role
from corridor.services import organisations
from corridor.services.context import Administrator, Caller, Context
from corridor.services.ledgers import LedgerView
from corridor.store.tables import (
    ApiKeyRow,
    EnrolmentRow,
    OfficerRow,
    OrganisationRow,
    RecoveryCodeRow,
)

KEY_PREFIX = "cor_"
ENROL_PREFIX = "enr_"
RECOVERY_PREFIX = "rec_"
ENROLMENT_TTL = timedelta(days=7)
_KEY_LEDGER = uuid.UUID("6f1c1d53-6a0e-4f4c-9a6b-1c0f7f0b9c11")


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


class Enrolled(IssuedKey):
    """A member's first API key after enrolment, and its recovery code: the member's own way
    back in if it ever loses every key (`POST /recover`), shown only this once. Keep it
    offline, apart from the keys."""

    recovery_code: str


class Enrolment(BaseModel):
    """A one-time enrolment code for a member (shown only once, to the operator)."""

    organisation_id: str
    code: str
    expires_at: datetime
    # A recovery opened by the operator: the code works only from then on.
    usable_from: datetime | None = None


class Registered(BaseModel):
    """A newly registered member and its enrolment code."""

    organisation: Organisation
    enrolment: Enrolment


_OFFICER_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{1,63}$")


def digest(secret: str) -> str:
    """The stored form of a secret (an API key's or an enrolment code's)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_ledger_id(org_id: str) -> str:
    """The id of an organisation's key ledger (a chain beside the shipments' chains)."""
    return str(uuid.uuid5(_KEY_LEDGER, org_id))


def record(
    ctx: Context,
    s: Session,
    who: Caller,
    org_id: str,
    kind: str,
    body: dict[str, Any],
    now: datetime,
) -> None:
    """A signed entry in the member's key ledger, in the caller's transaction. What the
    administrator does at the node's shell (set-up) is not an organisation's act and is not
    recorded: that person holds the database itself."""
    if isinstance(who, Administrator):
        return
    signer = ctx.keys.ensure(s, who.id, now)
    ledger.append(s, signer, who.id, key_ledger_id(org_id), kind, body, now)


def member(s: Session, org_id: str) -> OrganisationRow:
    """The member's row, or NotFound."""
    row = s.get(OrganisationRow, org_id)
    if row is None:
        raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
    return row


def _self_or_admin(who: Caller, org_id: str, what: str) -> None:
    if isinstance(who, Organisation) and who.id != org_id:
        raise PermissionDenied(f"only the organisation itself {what}")


def _operator_or_self(who: Caller, org_id: str) -> None:
    if isinstance(who, Organisation) and who.role is not Role.OPERATOR and who.id != org_id:
        raise PermissionDenied(
            "only the node operator or the organisation itself manages its API keys"
        )


def open_code(
    s: Session, org_id: str, now: datetime, usable_from: datetime | None = None
) -> Enrolment:
    """A new enrolment code for the member (replacing any open one), valid for
    `ENROLMENT_TTL` from when it becomes usable."""
    code = ENROL_PREFIX + secrets.token_urlsafe(32)
    expires = (usable_from or now) + ENROLMENT_TTL
    s.merge(
        EnrolmentRow(
            organisation_id=org_id,
            code_sha256=digest(code),
            created_at=now,
            expires_at=expires,
            usable_from=usable_from,
        )
    )
    return Enrolment(organisation_id=org_id, code=code, expires_at=expires, usable_from=usable_from)


def register_member(ctx: Context, who: Caller, org: Organisation, now: datetime) -> Registered:
    """Register a member of this node and open its enrolment, in one transaction."""
    organisations.operator_only(who, "registers organisations")
    organisations.check_places(ctx, org)
    with ctx.db.transaction() as s:
        organisations.insert(s, org, now)
        enrolment = open_code(s, org.id, now)
        record(
            ctx,
            s,
            who,
            org.id,
            "registered",
            {"enrolment_expires": enrolment.expires_at.isoformat()},
            now,
        )
    return Registered(organisation=org, enrolment=enrolment)


def enrol(
    ctx: Context, org_id: str, code: str, label: str, now: datetime, client: str | None = None
) -> Enrolled:
    """Exchange an enrolment code for the member's first API key and its recovery code; the
    enrolment code is used up. Failures are throttled per organisation and per client
    address."""
    subjects = member_subjects(ctx, org_id, client)
    with ctx.db.transaction() as s:
        row = s.get(EnrolmentRow, org_id) if len(org_id) <= 64 else None
        matches = secret_matches(row.code_sha256 if row else None, code)
        if row is None or not matches or row.expires_at <= now:
            ctx.throttle.failed(subjects, time.monotonic())
            raise AuthenticationFailed(
                "the enrolment code is not valid or has expired; ask your node operator for one"
            )
        if row.usable_from is not None and now < row.usable_from:
            raise PermissionDenied(
                f"this recovery enrolment may be used from {row.usable_from.isoformat()} on; "
                "until then the member may refuse it"
            )
        s.delete(row)
        issued = issue_row(s, org_id, label, now)
        enrolled = organisations.load(s, org_id)
        assert enrolled is not None
        code = new_recovery_code(s, org_id, now)
        record(ctx, s, enrolled, org_id, "enrolled", {"api_key": issued.id}, now)
    return Enrolled(**issued.model_dump(), recovery_code=code)


def member_subjects(ctx: Context, org_id: str, client: str | None) -> list[str]:
    """Whom a code attempt for a member counts against (the member and the client's
    address), refused at once while either is over its limit."""
    subjects = [f"org:{org_id[:64]}", *([f"ip:{client}"] if client else [])]
    ctx.throttle.check(subjects, time.monotonic())
    return subjects


def secret_matches(stored: str | None, secret: str) -> bool:
    """Whether a secret has the stored digest, in the same time whether one is stored or
    not (a missing row and a wrong code cost alike)."""
    same = hmac.compare_digest(stored or digest(""), digest(secret))
    return same and stored is not None


def new_recovery_code(s: Session, org_id: str, now: datetime) -> str:
    """A fresh recovery code for the member, replacing any it held; shown once."""
    code = RECOVERY_PREFIX + secrets.token_urlsafe(32)
    s.merge(RecoveryCodeRow(organisation_id=org_id, code_sha256=digest(code), issued_at=now))
    return code


def issue_row(
    s: Session, org_id: str, label: str, now: datetime, officer_id: str | None = None
) -> IssuedKey:
    """A new API key row for the organisation (or one of its officers); the secret is
    returned once, never stored."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    s.add(
        ApiKeyRow(
            id=key_id,
            organisation_id=org_id,
            secret_sha256=digest(secret),
            label=label[:100],
            created_at=now,
            revoked_at=None,
            officer_id=officer_id,
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


def issue_key(ctx: Context, who: Caller, org_id: str, label: str, now: datetime) -> IssuedKey:
    """A further API key, minted by the organisation itself (or by the administrator at the
    node's shell, setting the node up); the secret is shown once."""
    _self_or_admin(who, org_id, "mints its API keys; the operator can only open an enrolment")
    with ctx.db.transaction() as s:
        member(s, org_id)
        issued = issue_row(s, org_id, label, now)
        record(ctx, s, who, org_id, "api_key_issued", {"api_key": issued.id}, now)
    return issued


def list_keys(ctx: Context, who: Caller, org_id: str) -> list[ApiKeyInfo]:
    """An organisation's keys, without secrets."""
    _operator_or_self(who, org_id)
    with ctx.db.transaction() as s:
        member(s, org_id)
        rows = s.scalars(
            select(ApiKeyRow)
            .where(ApiKeyRow.organisation_id == org_id)
            .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
        )
        return [ApiKeyInfo.model_validate(r, from_attributes=True) for r in rows]


def revoke_key(ctx: Context, who: Caller, org_id: str, key_id: str, now: datetime) -> ApiKeyInfo:
    """Revoke one of an organisation's keys; it stops working at once."""
    _operator_or_self(who, org_id)
    with ctx.db.transaction() as s:
        row = s.get(ApiKeyRow, key_id)
        if row is None or row.organisation_id != org_id:
            raise NotFound(f"organisation {org_id!r} has no API key {key_id!r}")
        if row.revoked_at is None:
            row.revoked_at = now
            record(ctx, s, who, org_id, "api_key_revoked", {"api_key": key_id}, now)
        return ApiKeyInfo.model_validate(row, from_attributes=True)


def suspend(ctx: Context, who: Caller, org_id: str, now: datetime, suspended: bool = True) -> None:
    """Suspend a member (its API keys stop working) or reinstate it."""
    organisations.operator_only(who, "suspends and reinstates organisations")
    if isinstance(who, Organisation) and who.id == org_id:
        raise PermissionDenied("the operator does not suspend itself")
    with ctx.db.transaction() as s:
        row = member(s, org_id)
        row.suspended_at = now if suspended else None
        record(ctx, s, who, org_id, "suspended" if suspended else "reinstated", {}, now)


def key_events(ctx: Context, who: Caller, org_id: str) -> LedgerView:
    """The member's key ledger, verified: who registered, enrolled, minted, revoked or
    suspended, and when. The member and the operator read it."""
    _operator_or_self(who, org_id)
    with ctx.db.transaction() as s:
        member(s, org_id)
        chain = ledger.entries(s, key_ledger_id(org_id))
        trust = ctx.keys.load_trust(s)
    verified = ledger.verify_chain(chain, trust)
    return LedgerView(
        verified=verified, head=chain[-1].hash if chain else ledger.GENESIS, entries=chain
    )


def add_officer(
    ctx: Context,
    who: Caller,
    org_id: str,
    officer_id: str,
    name: str,
    role: OfficerRole,
    now: datetime,
) -> IssuedKey:
    """Add a person to a customs authority (by the authority itself, or the administrator at
    the node's shell) and mint their own API key; the secret is shown once."""
    _self_or_admin(who, org_id, "adds its own officers")
    if not _OFFICER_ID.match(officer_id):
        raise InvalidInput(
            f"officer id {officer_id!r} must be 2-64 lower-case letters, digits, dots or dashes"
        )
    with ctx.db.transaction() as s:
        row = member(s, org_id)
        if row.role != Role.CUSTOMS.value:
            raise PermissionDenied(f"{org_id!r} is not a customs authority; it has no officers")
        if s.get(OfficerRow, officer_id) is not None:
            raise Conflict(f"officer {officer_id!r} already exists; choose another id")
        s.add(
            OfficerRow(
                id=officer_id,
                organisation_id=org_id,
                name=name[:200],
                role=OfficerRole(role).value,
                created_at=now,
            )
        )
        s.flush()
        issued = issue_row(s, org_id, f"officer {officer_id}", now, officer_id)
        record(ctx, s, who, org_id, "officer_added", {"officer": officer_id, "role": role}, now)
    return issued
