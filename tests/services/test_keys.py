"""The key store: owner-only files, rotation, revocation, export, and keys made for a
refused request leave nothing behind."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from corridor.documents import TrustList, verify
from corridor.documents.sdjwt import issue as raw_issue
from corridor.exceptions import NotFound, PermissionDenied, VerificationFailed
from corridor.model import Organisation
from corridor.services import NODE_ADMIN, keys, organisations
from tests.documents.conftest import NOW, invoice_token


def test_private_keys_are_owner_only(signing: Any, tmp_path: Path) -> None:
    ring, _orgs = signing
    kid = ring.current_kid("kz-ferroalloy")
    path = tmp_path / "keys" / "kz-ferroalloy" / f"{kid}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in path.read_bytes()


def test_rotation_keeps_old_documents_valid(signing: Any) -> None:
    ring, orgs = signing
    ctx = ring.ctx
    old_kid = ring.current_kid("kz-ferroalloy")
    before = invoice_token(ring, orgs, NOW)
    new_kid = keys.rotate(ctx, NODE_ADMIN, "kz-ferroalloy", NOW + timedelta(days=1))
    assert ring.current_kid("kz-ferroalloy") == new_kid != old_kid
    after = invoice_token(ring, orgs, NOW + timedelta(days=2))
    trust = keys.trust_list(ctx)
    later = NOW + timedelta(days=3)
    assert verify(before, trust, later).kid == old_kid
    assert verify(after, trust, later).kid == new_kid


def test_a_retired_key_cannot_sign_new_documents(signing: Any) -> None:
    ring, _orgs = signing
    ctx = ring.ctx
    old = ring.signer("kz-ferroalloy")
    keys.rotate(ctx, NODE_ADMIN, "kz-ferroalloy", NOW + timedelta(days=1))
    late = raw_issue(
        old,
        {
            "iss": "kz-ferroalloy",
            "iat": int((NOW + timedelta(days=2)).timestamp()),
            "exp": int((NOW + timedelta(days=2)).timestamp()) + 3600,
            "kind": "commercial_invoice",
        },
        {"document_number": "X"},
    )
    with pytest.raises(VerificationFailed) as info:
        verify(late, keys.trust_list(ctx), NOW + timedelta(days=3))
    assert info.value.reason == "revoked_key"


def test_revocation_fails_documents_signed_after_it(signing: Any) -> None:
    ring, orgs = signing
    ctx = ring.ctx
    kid = ring.current_kid("kz-ferroalloy")
    assert kid
    before = invoice_token(ring, orgs, NOW)
    after = invoice_token(ring, orgs, NOW + timedelta(hours=2))
    keys.revoke(ctx, NODE_ADMIN, kid, NOW + timedelta(hours=1))
    trust = keys.trust_list(ctx)
    later = NOW + timedelta(days=1)
    assert verify(before, trust, later).kid == kid
    with pytest.raises(VerificationFailed) as info:
        verify(after, trust, later)
    assert info.value.reason == "revoked_key"
    with pytest.raises(NotFound, match="no signing key") as missing:
        ring.signer("kz-ferroalloy")
    assert missing.value.hint == "rotate_key"


def test_trust_list_exports_and_imports(signing: Any) -> None:
    ring, orgs = signing
    ctx = ring.ctx
    token = invoice_token(ring, orgs)
    exported = TrustList.from_json(keys.trust_list(ctx).to_json())
    assert verify(token, exported, NOW).issuer.name == orgs["kz-ferroalloy"].name
    assert {e.role for e in exported.entries.values()} >= {"customs", "shipper", "carrier"}


def test_unknown_organisation_and_key(signing: Any) -> None:
    ring, _orgs = signing
    ctx = ring.ctx
    with pytest.raises(NotFound):
        keys.rotate(ctx, NODE_ADMIN, "nobody", NOW)
    with pytest.raises(NotFound):
        keys.revoke(ctx, NODE_ADMIN, "no-such-kid", NOW)


def test_organisations_cannot_manage_signing_keys(signing: Any) -> None:
    ring, orgs = signing
    ctx = ring.ctx
    with pytest.raises(PermissionDenied):
        keys.rotate(ctx, orgs["node-operator"], "kz-ferroalloy", NOW)
    with pytest.raises(PermissionDenied):
        keys.revoke(ctx, orgs["kz-ferroalloy"], ring.current_kid("kz-ferroalloy") or "", NOW)


def test_a_key_made_in_a_rolled_back_transaction_leaves_no_row_and_no_file(
    signing: Any, tmp_path: Path
) -> None:
    ring, _orgs = signing
    ctx = ring.ctx
    folder = tmp_path / "keys" / "kz-rail"
    before_files = sorted(folder.iterdir())
    made: list[int] = []

    def refused_after_making_a_key() -> None:
        with ctx.db.transaction() as s:
            ctx.keys.create(s, "kz-rail", NOW)
            made.append(len(list(folder.iterdir())))
            raise RuntimeError("the request is refused after the key was made")

    with pytest.raises(RuntimeError):
        refused_after_making_a_key()
    assert made == [len(before_files) + 1]
    assert sorted(folder.iterdir()) == before_files
    with ctx.db.engine.connect() as conn:
        kz_rail = conn.execute(
            sa.text("SELECT count(*) FROM trusted_keys WHERE organisation_id = 'kz-rail'")
        ).scalar()
    assert kz_rail == 1


def test_the_cached_trust_list_follows_every_key_change(signing: Any) -> None:
    ring, _orgs = signing
    ctx = ring.ctx
    first = keys.trust_list(ctx)
    assert keys.trust_list(ctx) is first  # nothing changed: no second read
    kid = ring.current_kid("kz-ferroalloy")
    assert kid
    keys.revoke(ctx, NODE_ADMIN, kid, NOW + timedelta(hours=1))
    after = keys.trust_list(ctx)
    assert after is not first
    assert after.entries[kid].revoked_at is not None
    keys.rotate(ctx, NODE_ADMIN, "kz-rail", NOW + timedelta(hours=2))
    assert len(keys.trust_list(ctx).entries) == len(after.entries) + 1


def test_an_organisations_first_key_is_made_once_and_its_first_document_is_valid(
    signing: Any,
) -> None:
    ring, orgs = signing
    ctx = ring.ctx
    newcomer = Organisation(id="kz-newcomer", name="New shipper", country="KZ", role="shipper")
    organisations.register(ctx, NODE_ADMIN, newcomer, NOW)
    # Two statements of one transaction ask for the organisation's key (a document and its
    # ledger entry): one key is made, and both get it.
    with ctx.db.transaction() as s:
        first = ctx.keys.ensure(s, newcomer.id, NOW)
        second = ctx.keys.ensure(s, newcomer.id, NOW)
        current = ctx.keys.current_kid(s, newcomer.id)
    assert first.kid == second.kid == current
    trust = keys.trust_list(ctx)
    mine = [e for e in trust.entries.values() if e.organisation_id == newcomer.id]
    assert len(mine) == 1
    assert mine[0].valid_to is None
    token = invoice_token(ring, {**orgs, "kz-ferroalloy": newcomer}, NOW)
    assert (
        verify(token, keys.trust_list(ctx), NOW + timedelta(minutes=1)).issuer.name == "New shipper"
    )
