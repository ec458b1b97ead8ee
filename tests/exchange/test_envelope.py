"""Envelope padding: every plaintext is the canonical form of its content with a pad of
spaces, and lands exactly on a size bucket."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from corridor.documents import signing
from corridor.exchange.envelope import BUCKETS, _padded

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300)


@given(
    payload=st.dictionaries(texts, texts | st.integers(-(2**40), 2**40), max_size=20),
    sender=texts,
    big=st.integers(0, 70_000),
)
def test_padding_is_the_canonical_form_with_spaces_on_a_bucket(
    payload: dict[str, Any], sender: str, big: int
) -> None:
    inner = {
        "sender": sender,
        "kid": "k",
        "kind": "pre-arrival",
        "payload": {**payload, "x": "y" * big},
    }
    plain = _padded(inner)
    pad = len(plain) - len(signing.canonical({**inner, "pad": ""}))
    assert plain == signing.canonical({**inner, "pad": " " * pad})
    assert len(plain) in BUCKETS or len(plain) % BUCKETS[-1] == 0
    assert json.loads(plain)["payload"] == inner["payload"]
