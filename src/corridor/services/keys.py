"""Signing keys and the corridor trust list as workflows: making, rotating and revoking keys
(the node administrator's, at the node's shell) and reading the trust list (anyone's).

The key store itself (files and trust-list rows) is `corridor.services.keystore`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from corridor.documents import TrustList
from corridor.documents.trust import merge
from corridor.exceptions import PermissionDenied
from corridor.exchange.runtime import Exchange
from corridor.model import Organisation
from corridor.services import federation
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


def revoke(ctx: Context, who: Caller, kid: str, at: datetime, reason: str = "superseded") -> None:
    """Revoke a key: from `at` on (`superseded`), or everything it ever signed
    (`key_compromise`). A running national node publishes the change at once."""
    _admin_only(who)
    with ctx.db.transaction() as s:
        ctx.keys.revoke(s, kid, at, reason)


def trust_list(ctx: Context, seen: tuple[int, int] | None = None) -> TrustList:
    """What this node trusts (public): on a national node, the keys of the signed corridor
    directory that check out against the pinned roots (the same on every node); on a
    stand-alone node, its own key store and what a pinned copy of the directory vouches for
    (``roots.json`` and ``directory.json`` in its data folder). `seen`: the key store's
    fingerprint as the caller just read it (see `KeyStore.trust_list`)."""
    if ctx.exchange is not None:
        return _national(ctx.exchange, ctx.keys.trust_list(seen))
    own = ctx.keys.trust_list(seen)
    pinned = federation.pinned_directory(ctx.settings.data_dir)
    if pinned is None:
        return own
    # A key's newest statement wins whatever its source: the pinned copy never un-revokes.
    return _while_same(ctx.keys, (own, pinned), lambda: merge(own, pinned.trust()))


def _national(ex: Exchange, own: TrustList) -> TrustList:
    """A national node's list: the directory's, with the keys of the organisations it hosts
    from its own store, so that a key made a moment ago (or while the broker is away) counts
    here at once; the directory brings it to the other nodes."""
    directory = ex.trust()

    def build() -> TrustList:
        mine = TrustList([e for e in own.entries.values() if e.organisation_id in ex.hosted])
        return merge(directory, mine)

    return _while_same(ex, (directory, own), build)


def _while_same(
    owner: object, sources: tuple[object, ...], build: Callable[[], TrustList]
) -> TrustList:
    """The list `build` merges from `sources`, made again only when one of them is a new
    object (each source is rebuilt, not changed, when its keys change)."""
    held = _MERGED.get(id(owner))
    if held is not None and all(a is b for a, b in zip(held[0], sources, strict=True)):
        return held[1]
    merged = build()
    _MERGED[id(owner)] = (sources, merged)
    return merged


# The merged list of each node (its key store, or its exchange) while its sources stand.
_MERGED: dict[int, tuple[tuple[object, ...], TrustList]] = {}


def _admin_only(who: Caller) -> None:
    if isinstance(who, Organisation):
        raise PermissionDenied("signing keys are managed by the node's administrator")
