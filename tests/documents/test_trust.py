"""The trust list as data: its JSON form and its key ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from corridor.documents import TrustList
from corridor.documents import _hazmat as hz
from corridor.documents.signing import kid_for
from corridor.documents.trust import TrustEntry, merge
from corridor.exceptions import InvalidInput


def test_a_broken_trust_file_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="not a corridor trust list"):
        TrustList.from_json('{"keys": [{"kid": 1}]}')


def test_key_ids_are_hex_thumbprints_safe_on_a_command_line(signing: Any) -> None:
    ring, _orgs = signing
    for entry in ring.trust_list().entries.values():
        assert entry.kid == kid_for(hz.b64d(entry.public_key))
        assert len(entry.kid) == 16
        assert set(entry.kid) <= set("0123456789abcdef")


def _entry(**changes: Any) -> TrustEntry:
    base = TrustEntry(
        kid="00112233aabbccdd",
        organisation_id="kz-ferroalloy",
        name="Shipper",
        country="KZ",
        role="shipper",
        public_key=hz.b64e(bytes(32)),
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_to=None,
        revoked_at=None,
    )
    return replace(base, **changes)


def test_an_older_copy_never_un_revokes_a_key() -> None:
    revoked = _entry(revoked_at=datetime(2026, 3, 1, tzinfo=UTC), revocation_reason="superseded")
    for order in ((revoked, _entry()), (_entry(), revoked)):
        merged = merge(*(TrustList([e]) for e in order))
        assert merged.entries["00112233aabbccdd"].revoked_at == revoked.revoked_at
    compromised = _entry(
        revoked_at=datetime(2026, 5, 1, tzinfo=UTC), revocation_reason="key_compromise"
    )
    both = merge(TrustList([revoked]), TrustList([compromised])).entries["00112233aabbccdd"]
    # The earliest revocation, and a compromise over a supersession.
    assert both.revoked_at == revoked.revoked_at
    assert both.revocation_reason == "key_compromise"


def test_a_key_its_sources_disagree_on_counts_for_nobody() -> None:
    other = _entry(organisation_id="ro-customs", role="customs")
    assert merge(TrustList([_entry()]), TrustList([other])).entries == {}
