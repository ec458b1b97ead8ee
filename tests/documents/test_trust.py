"""The trust list as data: its JSON form and its key ids."""

from __future__ import annotations

from typing import Any

import pytest

from corridor.documents import TrustList
from corridor.documents import _hazmat as hz
from corridor.documents.signing import kid_for
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
