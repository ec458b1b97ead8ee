"""Envelopes between national nodes: encrypted to the recipient, signed by the sender.

Wire form (JSON)::

    {"v": 1, "id": ..., "from": node, "to": node, "kind": ..., "created": t, "expires": t,
     "sender": organisation, "kid": key id, "ct": sealed box, "sig": Ed25519 signature}

The body is a libsodium sealed box (X25519 + XSalsa20-Poly1305) to the recipient node's
public key, so only that node can read it; the signature covers every header field and the
SHA-256 of the ciphertext. Whoever carries envelopes sees node ids and sizes, nothing else.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from corridor.documents import Signer, TrustList, signing
from corridor.exceptions import EnvelopeRejected, VerificationFailed

VERSION = 1
MAX_ENVELOPE_BYTES = 4 << 20
CLOCK_SKEW_S = 300
_HEADER = ("v", "id", "from", "to", "kind", "created", "expires", "sender", "kid")


@dataclass(frozen=True)
class NodeAddress:
    """A node in the corridor directory: who runs it and its public encryption key."""

    node: str
    country: str
    organisation_id: str
    box_public: str

    def public_key(self) -> PublicKey:
        """The node's X25519 public key."""
        return PublicKey(signing.b64decode(self.box_public))


def box_key(folder: Path) -> PrivateKey:
    """The node's X25519 private key, created owner-only on first use."""
    path = folder / "box.key"
    if path.exists():
        return PrivateKey(path.read_bytes())
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = PrivateKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(bytes(key))
    return key


def _signed_bytes(header: dict[str, Any], ciphertext: str) -> bytes:
    return signing.canonical(
        {
            **{k: header[k] for k in _HEADER},
            "ct_sha256": signing.sha256_hex(ciphertext.encode("ascii")),
        }
    )


def seal(
    payload: dict[str, Any],
    to: NodeAddress,
    sender_node: str,
    sender_org: str,
    signer: Signer,
    kind: str,
    now: datetime,
    ttl_s: int = 7 * 86400,
) -> tuple[str, bytes]:
    """An envelope for `to`: its id and its bytes."""
    ciphertext = signing.b64encode(SealedBox(to.public_key()).encrypt(signing.canonical(payload)))
    created = int(now.timestamp())
    header: dict[str, Any] = {
        "v": VERSION,
        "id": str(uuid.uuid4()),
        "from": sender_node,
        "to": to.node,
        "kind": kind,
        "created": created,
        "expires": created + ttl_s,
        "sender": sender_org,
        "kid": signer.kid,
    }
    signature = signing.sign(signer, _signed_bytes(header, ciphertext))
    body = {**header, "ct": ciphertext, "sig": signature}
    return header["id"], signing.canonical(body)


def open_envelope(
    raw: bytes, me: str, box: PrivateKey, trust: TrustList, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check and decrypt an envelope addressed to node `me`: (header, payload). Raises
    EnvelopeRejected; replay is the caller's check (the inbox knows what it has seen)."""
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise EnvelopeRejected("malformed", "envelope over the size limit")
    try:
        body = json.loads(raw)
        header = {k: body[k] for k in _HEADER}
        ciphertext, signature = str(body["ct"]), str(body["sig"])
    except (ValueError, KeyError, TypeError):
        raise EnvelopeRejected("malformed", "not a corridor envelope") from None
    if header["v"] != VERSION:
        raise EnvelopeRejected("malformed", f"envelope version {header['v']!r} not supported")
    if header["to"] != me:
        raise EnvelopeRejected("misaddressed", f"envelope for {header['to']!r} reached {me!r}")
    key = trust.resolve(str(header["kid"]))
    if key is None or key.organisation_id != header["sender"]:
        raise EnvelopeRejected("forged", "the sender's key is not on the trust list")
    try:
        signing.check_signature(key.public_key, signature, _signed_bytes(header, ciphertext))
    except VerificationFailed:
        raise EnvelopeRejected("forged", "the envelope's signature does not match") from None
    at = now.timestamp()
    if not isinstance(header["expires"], int) or at >= header["expires"]:
        raise EnvelopeRejected("expired", "the envelope has expired")
    if not isinstance(header["created"], int) or header["created"] > at + CLOCK_SKEW_S:
        raise EnvelopeRejected("malformed", "the envelope claims to be from the future")
    try:
        payload = json.loads(SealedBox(box).decrypt(signing.b64decode(ciphertext)))
    except (ValueError, CryptoError):
        raise EnvelopeRejected("forged", "the envelope is not encrypted to this node") from None
    if not isinstance(payload, dict):
        raise EnvelopeRejected("malformed", "the envelope's content is not an object")
    return header, payload
