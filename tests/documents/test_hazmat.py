"""Known-answer vectors: RFC 8785 canonical JSON and RFC 8032 Ed25519."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from corridor.documents import _hazmat as hz

VECTORS = Path(__file__).parent.parent / "data" / "rfc8785-testdata"


@pytest.mark.parametrize("name", sorted(p.name for p in (VECTORS / "input").iterdir()))
def test_rfc8785_vectors(name: str) -> None:
    value = json.loads((VECTORS / "input" / name).read_text(encoding="utf-8"))
    expected = (VECTORS / "output" / name).read_bytes().rstrip(b"\n")
    assert hz.canonical(value) == expected


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_fast_path_matches_the_reference_encoder(value: Any) -> None:
    assert hz.canonical(value) == rfc8785.dumps(value)


def test_non_bmp_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 sorts before U+FB01 in UTF-16 (surrogates D83D...) but after it by code point.
    value = {"\U0001f600": 1, "\ufb01": 2}
    assert hz.canonical(value) == rfc8785.dumps(value)
    assert hz.canonical(value).index("\U0001f600".encode()) < hz.canonical(value).index(
        "\ufb01".encode()
    )


def test_ed25519_rfc8032_test_1() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    secret = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = Ed25519PrivateKey.from_private_bytes(secret)
    assert hz.public_raw(key).hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    signature = hz.sign(key, b"")
    assert signature.hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    hz.verify(hz.load_public(hz.public_raw(key)), signature, b"")
    with pytest.raises(hz.InvalidSignature):
        hz.verify(hz.load_public(hz.public_raw(key)), signature, b"x")


@given(st.binary(min_size=1, max_size=200))
def test_base64url_round_trip(data: bytes) -> None:
    assert hz.b64d(hz.b64e(data)) == data


@pytest.mark.parametrize("bad", ["", "a", "ab=", "a+b/", "a b", "QR"])
def test_base64url_refuses_padding_other_alphabets_and_unused_bits(bad: str) -> None:
    with pytest.raises(ValueError):
        hz.b64d(bad)


@pytest.mark.parametrize("big", [2**53, -(2**53), 2**64])
def test_integers_outside_the_safe_range_are_refused_like_the_reference(big: int) -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        rfc8785.dumps(big)
    with pytest.raises(rfc8785.IntegerDomainError):
        hz.canonical({"n": [big]})


def test_disclosure_digests_rfc9901_example() -> None:
    """RFC 9901 §4.2.3: the digest of one Disclosure, here in a batch with a second."""
    assert hz.digests_b64(
        [
            "WyI2cU1RdlJMNWhhaiIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0",
            "WyJlbHVWNU9nM2dTTklJOEVZbnN4QV9BIiwgImZhbWlseV9uYW1lIiwgIkRvZSJd",
        ]
    ) == [
        "uutlBuYeMDyjLLTpf6Jxi7yNkEF35jdyWMn9U7b_RYY",
        "TGf4oLbgwd5JQaHyKVQZU9UdGE0w5rtDsrZzfUaomLo",
    ]
    assert hz.digests_b64([]) == []


@given(st.lists(st.text(alphabet="abcXYZ019-_", max_size=80), max_size=20))
def test_disclosure_digests_at_once_equal_one_by_one(texts: list[str]) -> None:
    assert hz.digests_b64(texts) == [hz.b64e(hz.digest(t.encode("ascii"))) for t in texts]
