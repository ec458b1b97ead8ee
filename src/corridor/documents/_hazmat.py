"""Low-level operations: canonical JSON, base64url, SHA-256, Ed25519 keys and signatures.

Hazardous material: these functions do exactly one thing each and check nothing about
meaning. Use the recipes in `corridor.documents` (issue, present, verify) instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from typing import Any

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
    "generate_key",
    "load_private",
    "load_public",
    "private_pem",
    "public_raw",
    "salt",
    "sign",
    "verify",
]


def b64e(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Decode base64url without padding; raises ValueError on anything else."""
    if not text or any(c in text for c in "=+/ \n\r\t"):
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64url: {exc}") from None
    # Unused low bits in the last character would give the same bytes from a different
    # string: only the one canonical encoding is accepted, so tokens are not malleable.
    if b64e(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def _plain(value: Any) -> bool:
    """True when json.dumps(sort_keys) already gives the RFC 8785 form: no floats (ES6 number
    formatting differs) and no keys outside the BMP (RFC 8785 sorts by UTF-16 code units)."""
    if isinstance(value, str | bool) or value is None:
        return True
    if isinstance(value, int):
        # Beyond 2**53 an ES6 number is no longer the exact integer.
        return abs(value) < 2**53
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v) for k, v in value.items())
    return False


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON bytes."""
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8"
        )
    return rfc8785.dumps(value)


def digest(data: bytes) -> bytes:
    """SHA-256."""
    return hashlib.sha256(data).digest()


def salt() -> str:
    """128 random bits, base64url."""
    return b64e(secrets.token_bytes(16))


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
