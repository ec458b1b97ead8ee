"""Keys and the trust list: owner-only files, rotation, revocation, export."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from corridor.documents import TrustList, verify
from corridor.exceptions import NotFound, VerificationFailed
from tests.documents.conftest import NOW, invoice_token


def test_private_keys_are_owner_only(signing: Any, tmp_path: Path) -> None:
    keys, _orgs = signing
    kid = keys.current_kid("kz-ferroalloy")
    path = tmp_path / "keys" / "kz-ferroalloy" / f"{kid}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert b"PRIVATE KEY" in path.read_bytes()


def test_rotation_keeps_old_documents_valid(signing: Any) -> None:
    keys, orgs = signing
    old_kid = keys.current_kid("kz-ferroalloy")
    before = invoice_token(keys, orgs, NOW)
    keys.rotate("kz-ferroalloy", NOW + timedelta(days=1))
    assert keys.current_kid("kz-ferroalloy") != old_kid
    after = invoice_token(keys, orgs, NOW + timedelta(days=2))
    trust = keys.trust_list()
    later = NOW + timedelta(days=3)
    assert verify(before, trust, later).kid == old_kid
    assert verify(after, trust, later).kid == keys.current_kid("kz-ferroalloy")


def test_a_retired_key_cannot_sign_new_documents(signing: Any) -> None:
    keys, _orgs = signing
    old = keys.signer("kz-ferroalloy")
    keys.rotate("kz-ferroalloy", NOW + timedelta(days=1))
    from corridor.documents.sdjwt import issue as raw_issue

    late = raw_issue(
        old,
        {
            "iss": "kz-ferroalloy",
            "iat": int((NOW + timedelta(days=2)).timestamp()),
            "kind": "commercial_invoice",
        },
        {"document_number": "X"},
    )
    with pytest.raises(VerificationFailed) as info:
        verify(late, keys.trust_list(), NOW + timedelta(days=3))
    assert info.value.reason == "revoked_key"


def test_revocation_fails_documents_signed_after_it(signing: Any) -> None:
    keys, orgs = signing
    kid = keys.current_kid("kz-ferroalloy")
    assert kid
    before = invoice_token(keys, orgs, NOW)
    after = invoice_token(keys, orgs, NOW + timedelta(hours=2))
    keys.revoke(kid, NOW + timedelta(hours=1))
    trust = keys.trust_list()
    later = NOW + timedelta(days=1)
    assert verify(before, trust, later).kid == kid
    with pytest.raises(VerificationFailed) as info:
        verify(after, trust, later)
    assert info.value.reason == "revoked_key"
    with pytest.raises(NotFound, match="no signing key"):
        keys.signer("kz-ferroalloy")


def test_trust_list_exports_and_imports(signing: Any) -> None:
    keys, orgs = signing
    token = invoice_token(keys, orgs)
    exported = TrustList.from_json(keys.trust_list().to_json())
    assert verify(token, exported, NOW).issuer.name == orgs["kz-ferroalloy"].name
    assert {e.role for e in exported.entries.values()} >= {"customs", "shipper", "carrier"}


def test_a_broken_trust_file_is_a_clear_error() -> None:
    from corridor.exceptions import InvalidInput

    with pytest.raises(InvalidInput, match="not a corridor trust list"):
        TrustList.from_json('{"keys": [{"kid": 1}]}')


def test_unknown_organisation_and_key(signing: Any) -> None:
    keys, _orgs = signing
    with pytest.raises(NotFound):
        keys.create("nobody", NOW)
    with pytest.raises(NotFound):
        keys.revoke("no-such-kid", NOW)


def test_key_ids_are_hex_thumbprints_safe_on_a_command_line(signing: Any) -> None:
    from corridor.documents import _hazmat as hz
    from corridor.documents.trust import kid_for

    keys, _orgs = signing
    for entry in keys.trust_list().entries.values():
        assert entry.kid == kid_for(hz.b64d(entry.public_key))
        assert len(entry.kid) == 16
        assert set(entry.kid) <= set("0123456789abcdef")
