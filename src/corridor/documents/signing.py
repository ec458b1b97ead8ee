"""Safe recipes for what the ledger and the exchange sign: canonical digests, detached
Ed25519 signatures over them, and encoded public keys.

Built on `_hazmat`; nothing outside `corridor.documents` needs the raw operations.
"""

from __future__ import annotations

from typing import Any

from corridor.documents import _hazmat as hz
from corridor.documents.sdjwt import Signer
from corridor.exceptions import VerificationFailed


def canonical(value: Any) -> bytes:
    """The RFC 8785 canonical form of a JSON value."""
    return hz.canonical(value)


def digest_of(value: Any) -> str:
    """A commitment to a JSON value: SHA-256 (hex) of its RFC 8785 form."""
    return hz.digest(hz.canonical(value)).hex()


def sha256_hex(data: bytes) -> str:
    """SHA-256 (hex) of raw bytes."""
    return hz.digest(data).hex()


def sign(signer: Signer, data: bytes) -> str:
    """A detached Ed25519 signature over `data`, base64url."""
    return hz.b64e(hz.sign(signer.key, data))


def public_key(encoded: str) -> Any:
    """An Ed25519 public key from its base64url raw form; ValueError if it is not one."""
    return hz.load_public(hz.b64d(encoded))


def check_signature(public_key: Any, signature: str, data: bytes) -> None:
    """Raise VerificationFailed('bad_signature') unless `signature` (base64url) is the
    key's signature over `data`."""
    try:
        hz.verify(public_key, hz.b64d(signature), data)
    except (ValueError, hz.InvalidSignature):
        raise VerificationFailed("bad_signature", "the signature does not match") from None


def b64encode(data: bytes) -> str:
    """base64url without padding (for public keys and ciphertext on the wire)."""
    return hz.b64e(data)


def b64decode(text: str) -> bytes:
    """Canonical base64url; raises ValueError on anything else."""
    return hz.b64d(text)


def new_signing_key() -> tuple[str, str, bytes]:
    """A fresh Ed25519 key: (key id, public key base64url, private key PEM)."""
    key = hz.generate_key()
    raw = hz.public_raw(key)
    return kid_for(raw), hz.b64e(raw), hz.private_pem(key)


def load_signer(pem: bytes, kid: str) -> Signer:
    """A signer from its private key PEM."""
    return Signer(hz.load_private(pem), kid)


def kid_for(public_raw: bytes) -> str:
    """The key id of a public key: a short hex thumbprint (hex, so that it never starts with
    a dash and reads as a command-line option)."""
    return hz.digest(public_raw).hex()[:16]


def public_raw_of(pem: bytes) -> bytes:
    """The raw public key of a private key PEM."""
    return hz.public_raw(hz.load_private(pem))


def public_key_of(signer: Signer) -> str:
    """A signer's public key, base64url."""
    return hz.b64e(hz.public_raw(signer.key))
