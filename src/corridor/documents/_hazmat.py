"""Low-level operations: canonical JSON, base64url, SHA-256, Ed25519 keys and signatures.

Hazardous material: these functions do exactly one thing each and check nothing about
meaning. Use the recipes in `corridor.documents` (issue, present, verify) instead.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "InvalidSignature",
    "b64d",
    "b64e",
    "canonical",
    "digest",
    "digests_b64",
    "generate_key",
    "is_plain",
    "load_private",
    "load_public",
    "private_pem",
    "public_raw",
    "salt",
    "salts",
    "sign",
    "verify",
]


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_TO_URL = bytes.maketrans(b"+/", b"-_")
_FROM_URL = bytes.maketrans(b"-_", b"+/")


def b64e(data: bytes) -> str:
    """base64url without padding."""
    return binascii.b2a_base64(data, newline=False).translate(_TO_URL).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Decode unpadded base64url; raises ValueError on anything else.

    Only the one canonical encoding is accepted: unused low bits in the last character
    would give the same bytes from a different string, making tokens malleable.
    """
    rest = len(text) % 4
    # The standard alphabet's '+' and '/' and padding are not base64url; anything else
    # outside the alphabet is refused by the strict decoder below.
    if not text or rest == 1 or not text.isascii() or "+" in text or "/" in text or "=" in text:
        raise ValueError("not unpadded base64url")
    last = _VALUE.get(text[-1], 0)
    if (rest == 2 and last & 0x0F) or (rest == 3 and last & 0x03):
        raise ValueError("non-canonical base64url")
    padded = text.encode("ascii").translate(_FROM_URL) + b"=" * (-rest % 4)
    return binascii.a2b_base64(padded, strict_mode=True)


_SAFE_INT = 2**53


def is_plain(value: Any) -> bool:
    """True when a compact encoder with sorted keys (orjson, here) already gives the RFC 8785
    form: no floats (ES6 number formatting differs), no integers at or beyond 2**53, and ASCII keys
    (RFC 8785 sorts by UTF-16 code units, which for ASCII is Python's order). Exact types
    only: anything else goes to the reference encoder."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is int:
            if -_SAFE_INT < v < _SAFE_INT:
                continue
            return False
        if t is list:
            stack.extend(v)
            continue
        if t is dict:
            for k in v:
                if type(k) is not str or not k.isascii():
                    return False
            stack.extend(v.values())
            continue
        return False
    return True


def canonical(value: Any, plain: bool | None = None) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes. `plain=True` says the caller has already checked
    `is_plain` for this value (or a value containing it)."""
    if plain if plain is not None else is_plain(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # a lone surrogate: the reference encoder says what is wrong
    return rfc8785.dumps(value)


def digest(data: bytes) -> bytes:
    """SHA-256."""
    return hashlib.sha256(data).digest()


def digests_b64(texts: Sequence[str]) -> list[str]:
    """The base64url SHA-256 of each ASCII text, encoded at once: a 32-byte digest and one
    zero byte make 44 characters, of which the first 43 are the digest's own encoding."""
    sha256 = hashlib.sha256
    joined = b"\0".join([sha256(t.encode("ascii")).digest() for t in texts]) + b"\0"
    text = b64e(joined)
    return [text[i : i + 43] for i in range(0, 44 * len(texts), 44)]


def salt() -> str:
    """144 random bits, base64url (24 characters)."""
    return b64e(secrets.token_bytes(18))


def salts(n: int) -> list[str]:
    """`n` salts of 144 random bits each, encoded at once: 18 bytes make exactly 24
    base64url characters, so one encoding of all the bytes cuts into the n salts."""
    text = b64e(secrets.token_bytes(18 * n))
    return [text[i : i + 24] for i in range(0, 24 * n, 24)]


def generate_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """Ed25519 signature."""
    return key.sign(data)


def verify(key: Ed25519PublicKey, signature: bytes, data: bytes) -> None:
    """Raise InvalidSignature unless the signature is right."""
    key.verify(signature, data)


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32-byte raw public key."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public(raw: bytes) -> Ed25519PublicKey:
    """A public key from its 32 raw bytes."""
    return Ed25519PublicKey.from_public_bytes(raw)


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: the file's permissions protect it)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private(pem: bytes) -> Ed25519PrivateKey:
    """A private key from PKCS#8 PEM."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key
