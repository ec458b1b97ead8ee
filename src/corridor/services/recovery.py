"""A member that lost every API key gets back in, and the node's operator cannot use that
way to become the member.

- **The member's own second channel.** Enrolment hands the member a recovery code with its
  first key (`credentials.enrol`), kept offline. `recover` exchanges it for a new API key and
  a new recovery code, and cancels any recovery the operator opened meanwhile. The operator
  never sees the code.
- **Its country authority's approval, and a delay.** Without the code, the operator may open
  a recovery enrolment only on a signed approval from the customs authority of the member's
  country (`approve`, on the authority's own node, with its key), used once; the code it
  yields works only after `DELAY`, during which the member may refuse it (with its recovery
  code, or any key it still holds), and the operator cannot shorten it.

Each step is a signed entry in the member's key ledger: the member sees who asked, on whose
approval, and when the code becomes usable.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from corridor import ledger
from corridor.documents import signing
from corridor.exceptions import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    PermissionDenied,
    VerificationFailed,
)
from corridor.model import Organisation, Role
from corridor.services import credentials, keys, organisations
from corridor.services.context import Caller, Context
from corridor.store.tables import ApiKeyRow, EnrolmentRow, RecoveryCodeRow

__all__ = ["DELAY", "Approval", "approve", "open_enrolment", "recover", "refuse"]
# How long an operator's recovery waits before its code works: time for the member to see
# it in its key events and refuse it.
DELAY = timedelta(hours=72)
# How long an authority's approval may be used.
APPROVAL_TTL = timedelta(days=7)
APPROVAL = "recovery_approval"


class ApprovalBody(BaseModel):
    """What an authority approves: one recovery of one member, until `expires`."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: str = Field(pattern=f"^{APPROVAL}$")
    organisation: str = Field(max_length=64)
    approved_by: str = Field(max_length=64)
    at: int
    expires: int


class Approval(BaseModel):
    """An authority's signed approval of a member's recovery (JSON, as `approve` makes it)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    body: ApprovalBody
    kid: str = Field(max_length=64)
    sig: str = Field(max_length=200)

    def digest(self) -> str:
        """What identifies this approval, to use it once."""
        return hashlib.sha256(signing.canonical(self.body.model_dump())).hexdigest()


def approve(ctx: Context, who: Caller, org_id: str, now: datetime) -> Approval:
    """The customs authority of the member's country approves one recovery of the member:
    signed with the authority's key, on the authority's own node."""
    if not isinstance(who, Organisation) or who.role is not Role.CUSTOMS:
        raise PermissionDenied("only a customs authority approves a member's recovery")
    with ctx.db.transaction() as s:
        row = credentials.member(s, org_id)
        if row.country != who.country:
            raise PermissionDenied(
                f"{org_id!r} is in {row.country}; only that country's authority approves"
            )
        signer = ctx.keys.ensure(s, who.id, now)
    body = ApprovalBody(
        type=APPROVAL,
        organisation=org_id,
        approved_by=who.id,
        at=int(now.timestamp()),
        expires=int((now + APPROVAL_TTL).timestamp()),
    )
    sig = signing.sign(signer, signing.canonical(body.model_dump()))
    return Approval(body=body, kid=signer.kid, sig=sig)


def _check(ctx: Context, approval: Approval, member: Any, now: datetime) -> None:
    body = approval.body
    if body.organisation != member.id:
        raise PermissionDenied(f"the approval is for {body.organisation!r}, not {member.id!r}")
    if not body.at <= now.timestamp() < body.expires:
        raise PermissionDenied("the approval is not valid now; ask the authority for a new one")
    trust = keys.trust_list(ctx)
    entry, key = trust.entries.get(approval.kid), trust.resolve(approval.kid)
    if (
        entry is None
        or key is None
        or entry.organisation_id != body.approved_by
        or entry.role != Role.CUSTOMS.value
        or entry.country != member.country
    ):
        raise PermissionDenied(
            f"the approval is not signed by the customs authority of {member.country}"
        )
    at = datetime.fromtimestamp(body.at, UTC)
    if (
        entry.revoked_at is not None
        or at < entry.valid_from
        or (entry.valid_to is not None and at >= entry.valid_to)
    ):
        raise PermissionDenied("the approval's key was not valid when it signed")
    try:
        signing.check_signature(key.public_key, approval.sig, signing.canonical(body.model_dump()))
    except VerificationFailed:
        raise PermissionDenied("the approval's signature does not match") from None


def open_enrolment(
    ctx: Context, who: Caller, org_id: str, approval: Approval | None, now: datetime
) -> credentials.Enrolment:
    """The operator opens a recovery enrolment for a member without a working API key, on
    its authority's signed approval (used once); the code works from `now + DELAY` on,
    unless the member refuses it first."""
    organisations.operator_only(who, "opens enrolments")
    with ctx.db.transaction() as s:
        member = credentials.member(s, org_id)
        live = s.scalar(
            select(ApiKeyRow.id)
            .where(ApiKeyRow.organisation_id == org_id, ApiKeyRow.revoked_at.is_(None))
            .limit(1)
        )
        if live is not None:
            raise Conflict(
                f"{org_id!r} holds a working API key; it mints its own keys. Revoke its keys "
                "first if it has lost them"
            )
        if approval is None:
            raise PermissionDenied(
                "recovering a member needs its own recovery code (POST /recover, by the "
                "member) or its country authority's signed approval (corridor trust "
                "approve-recovery, on the authority's node)"
            )
        _check(ctx, approval, member, now)
        used = approval.digest()
        events = ledger.entries(s, credentials.key_ledger_id(org_id))
        if any(e.body.get("approval") == used for e in events):
            raise Conflict("this approval was used already; ask the authority for a new one")
        usable = now + DELAY
        enrolment = credentials.open_code(s, org_id, now, usable_from=usable)
        body = {
            "approval": used,
            "approved_by": approval.body.approved_by,
            "usable_from": usable.isoformat(),
        }
        credentials.record(ctx, s, who, org_id, "recovery_opened", body, now)
    return enrolment


def _recovery_code(
    ctx: Context, s: Session, org_id: str, code: str, client: str | None
) -> RecoveryCodeRow:
    """The member's recovery code row when `code` is it; a wrong code is counted against the
    member and the client (throttled like enrolment) and refused."""
    subjects = credentials.member_subjects(ctx, org_id, client)
    row = s.get(RecoveryCodeRow, org_id) if len(org_id) <= 64 else None
    matches = credentials.secret_matches(row.code_sha256 if row else None, code)
    if row is None or not matches:
        ctx.throttle.failed(subjects, time.monotonic())
        raise AuthenticationFailed("the recovery code is not valid for this organisation")
    return row


def recover(
    ctx: Context, org_id: str, code: str, label: str, now: datetime, client: str | None = None
) -> credentials.Enrolled:
    """The member's own way back in: its recovery code for a new API key and a new recovery
    code (the old one is used up); any recovery the operator opened is cancelled. Failures
    are throttled like enrolment."""
    with ctx.db.transaction() as s:
        _recovery_code(ctx, s, org_id, code, client)
        pending = s.get(EnrolmentRow, org_id)
        if pending is not None:
            s.delete(pending)
        member = organisations.load(s, org_id)
        assert member is not None
        issued = credentials.issue_row(s, org_id, label, now)
        fresh = credentials.new_recovery_code(s, org_id, now)
        body = {"api_key": issued.id, "cancelled_enrolment": pending is not None}
        credentials.record(ctx, s, member, org_id, "recovered", body, now)
    return credentials.Enrolled(**issued.model_dump(), recovery_code=fresh)


def refuse(
    ctx: Context,
    who: Caller | None,
    org_id: str,
    now: datetime,
    code: str | None = None,
    client: str | None = None,
) -> None:
    """The member refuses a recovery the operator opened: with a key it still holds (`who`
    is the member) or with its recovery code. The enrolment code is void at once."""
    with ctx.db.transaction() as s:
        if code is not None:
            _recovery_code(ctx, s, org_id, code, client)
        elif not isinstance(who, Organisation) or who.id != org_id:
            raise PermissionDenied("only the member itself refuses its recovery")
        pending = s.get(EnrolmentRow, org_id)
        if pending is None or pending.usable_from is None:
            raise InvalidInput(f"no recovery of {org_id!r} is waiting to be refused")
        s.delete(pending)
        member = organisations.load(s, org_id)
        assert member is not None
        credentials.record(ctx, s, member, org_id, "recovery_refused", {}, now)
