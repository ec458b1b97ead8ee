"""Signing keys and the corridor trust list as workflows: making, rotating and revoking keys
(the node administrator's, at the node's shell) and reading the trust list (anyone's).

The key store itself (files and trust-list rows) is `corridor.services.keystore`.
"""

from __future__ import annotations

from datetime import datetime

from corridor.documents import TrustList
from corridor.exceptions import PermissionDenied
from corridor.model import Organisation
from corridor.services.context import Caller, Context

# Workflows. Key rotation and revocation are the node administrator's, at the node's shell.


def ensure_key(ctx: Context, who: Caller, org_id: str, now: datetime) -> str:
    """The organisation's current key id, making one if it has none (node set-up)."""
    _admin_only(who)
    with ctx.db.transaction() as s:
        return ctx.keys.ensure(s, org_id, now).kid


def rotate(ctx: Context, who: Caller, org_id: str, now: datetime) -> str:
    """Give an organisation a new signing key; returns its id."""
    _admin_only(who)
    with ctx.db.transaction() as s:
        return ctx.keys.create(s, org_id, now)


def revoke(ctx: Context, who: Caller, kid: str, at: datetime) -> None:
    """Revoke a key from `at` on."""
    _admin_only(who)
    with ctx.db.transaction() as s:
        ctx.keys.revoke(s, kid, at)


def trust_list(ctx: Context) -> TrustList:
    """The node's trust list (public)."""
    return ctx.keys.trust_list()


def _admin_only(who: Caller) -> None:
    if isinstance(who, Organisation):
        raise PermissionDenied("signing keys are managed by the node's administrator")
