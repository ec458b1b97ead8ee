"""Envelopes between national nodes: encrypted to the recipient, signed by the sender.

Wire form (JSON)::

    {"v": 2, "id": ..., "from": node, "to": node, "created": t, "expires": t,
     "ct": sealed box, "sig": Ed25519 signature}

The sealed box (X25519 + XSalsa20-Poly1305, libsodium) to the recipient node's public key
holds ``{"sender": organisation, "kid": key id, "kind": ..., "payload": ..., "pad": ...}``:
organisation and key ids never travel in clear, and the padding brings every envelope to a
size bucket, so its length does not tell which procedure it carries. The signature covers
every header field and the SHA-256 of the ciphertext. Whoever carries envelopes sees node
ids, times and bucketed sizes, nothing else.

Opening checks every field's type before using it and never lets a malformed message raise
anything but `EnvelopeRejected` (with the envelope id when it can be read).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from corridor.documents import Signer, TrustList, signing
from corridor.exceptions import EnvelopeRejected, VerificationFailed

VERSION = 2
MAX_ENVELOPE_BYTES = 4 << 20
CLOCK_SKEW_S = 300
# The receiver's cap on an envelope's life, whatever the sender asks for.
MAX_TTL_S = 7 * 86400
# Plaintext sizes are padded up to the next of these (then to a multiple of the last).
BUCKETS = (16 << 10, 64 << 10, 256 << 10, 1 << 20)
_HEADER = ("v", "id", "from", "to", "created", "expires")
_ID_CHARS = frozenset("0123456789abcdef-")


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


_PAD = b'"pad":""'


def _padded(inner: dict[str, Any]) -> bytes:
    plain = signing.canonical({**inner, "pad": ""})
    size = next((b for b in BUCKETS if b >= len(plain)), None)
    if size is None:
        step = BUCKETS[-1]
        size = -(-len(plain) // step) * step
    # Keys sort "kid", "kind", "pad": the first '"pad":""' is the top-level one (inside a
    # string value its quotes would be escaped), so the spaces go in without encoding twice.
    at = plain.index(_PAD) + len(_PAD) - 1
    return plain[:at] + b" " * (size - len(plain)) + plain[at:]


def seal(
    payload: dict[str, Any],
    to: NodeAddress,
    sender_node: str,
    sender_org: str,
    signer: Signer,
    kind: str,
    now: datetime,
    ttl_s: int = MAX_TTL_S,
    env_id: str | None = None,
) -> tuple[str, bytes]:
    """An envelope for `to`: its id and its bytes."""
    inner = {"sender": sender_org, "kid": signer.kid, "kind": kind, "payload": payload}
    ciphertext = signing.b64encode(SealedBox(to.public_key()).encrypt(_padded(inner)))
    created = int(now.timestamp())
    header: dict[str, Any] = {
        "v": VERSION,
        "id": env_id or str(uuid.uuid4()),
        "from": sender_node,
        "to": to.node,
        "created": created,
        "expires": created + ttl_s,
    }
    signature = signing.sign(signer, _signed_bytes(header, ciphertext))
    body = {**header, "ct": ciphertext, "sig": signature}
    return header["id"], signing.canonical(body)


@dataclass(frozen=True)
class Opened:
    """A checked, decrypted envelope."""

    id: str
    from_node: str
    sender: str
    kid: str
    kind: str
    created: int
    payload: dict[str, Any]


_ID = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9a-f-]+$")]
_TEXT = Annotated[str, StringConstraints(min_length=1, max_length=1 << 23)]


class _Outer(BaseModel):
    """The envelope as it travels: read from untrusted JSON, every field typed (a boolean is
    no number, a number no text), unknown fields ignored (the signature does not cover
    them)."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, populate_by_name=True)

    v: Literal[2]  # VERSION
    id: _ID
    from_: _TEXT = Field(alias="from")
    to: _TEXT
    created: int
    expires: int
    ct: _TEXT
    sig: _TEXT


class _Inner(BaseModel):
    """The sealed content: who speaks, with which key, what kind, and the payload."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sender: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kid: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    payload: dict[str, Any]
    pad: str = ""


_OUTER = TypeAdapter(_Outer)
_INNER = TypeAdapter(_Inner)


def _problem(exc: ValidationError) -> str:
    """The first thing wrong, in words: the field and what is wrong with it."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "the document"
    return f"{where}: {first.get('msg', 'invalid')}"


def envelope_id(raw: bytes) -> str | None:
    """The id an envelope claims, if it can be read at all (for logging a rejection)."""
    env_id = outside(raw)["id"]
    return str(env_id) if env_id is not None else None


def outside(raw: bytes) -> dict[str, Any]:
    """What anyone holding an envelope can read without opening it (id, from, to, created,
    expires), each None where it cannot be read: to list what waits, never to trust."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    body = body if isinstance(body, dict) else {}
    texts = {k: body.get(k) if isinstance(body.get(k), str) else None for k in ("from", "to")}
    times = {k: body.get(k) if type(body.get(k)) is int else None for k in ("created", "expires")}
    return {"id": body.get("id") if _is_id(body.get("id")) else None, **texts, **times}


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64 and set(value) <= _ID_CHARS


def open_envelope(raw: bytes, me: str, box: PrivateKey, trust: TrustList, now: datetime) -> Opened:
    """Check and decrypt an envelope addressed to node `me`. Raises EnvelopeRejected (with
    the envelope id once it is known); replay is the caller's check (the inbox knows what
    it has seen)."""
    if len(raw) > MAX_ENVELOPE_BYTES:
        raise EnvelopeRejected("malformed", "envelope over the size limit")
    try:
        outer = _OUTER.validate_json(raw)
    except ValidationError as exc:
        env_id = envelope_id(raw)
        what = (
            "not a corridor envelope"
            if env_id is None
            else "not a corridor envelope of this version"
        )
        raise EnvelopeRejected("malformed", f"{what} ({_problem(exc)})", env_id) from None
    env_id = outer.id
    header = {
        "v": outer.v,
        "id": outer.id,
        "from": outer.from_,
        "to": outer.to,
        "created": outer.created,
        "expires": outer.expires,
    }
    ciphertext, signature = outer.ct, outer.sig
    from_node, to_node = outer.from_, outer.to
    created, expires = outer.created, outer.expires
    if to_node != me:
        raise EnvelopeRejected("misaddressed", f"envelope for {to_node!r} reached {me!r}", env_id)
    try:
        plain = SealedBox(box).decrypt(signing.b64decode(ciphertext))
    except (ValueError, CryptoError):
        raise EnvelopeRejected(
            "forged", "the envelope is not encrypted to this node", env_id
        ) from None
    if b"\\u0000" in plain:
        raise EnvelopeRejected("malformed", "the envelope's content holds a NUL character", env_id)
    try:
        inner = _INNER.validate_json(plain)
    except ValidationError as exc:
        raise EnvelopeRejected(
            "malformed",
            f"the envelope's content is not what it should be ({_problem(exc)})",
            env_id,
        ) from None
    sender, kid, kind, payload = inner.sender, inner.kid, inner.kind, inner.payload
    key = trust.resolve(kid)
    if key is None or key.organisation_id != sender:
        refused = EnvelopeRejected("forged", "the sender's key is not on the trust list", env_id)
        refused.unknown_kid = kid
        raise refused
    try:
        signing.check_signature(key.public_key, signature, _signed_bytes(header, ciphertext))
    except VerificationFailed:
        raise EnvelopeRejected(
            "forged", "the envelope's signature does not match", env_id
        ) from None
    if key.revoked_at is not None or (key.valid_to is not None and created >= key.valid_to):
        raise EnvelopeRejected("forged", "the sender's key was no longer valid", env_id)
    opened = Opened(env_id, from_node, sender, kid, kind, created, payload)
    # Time is checked once the sender is known, so that a refusal can be answered to it.
    at = now.timestamp()
    if at >= expires:
        raise EnvelopeRejected("expired", "the envelope has expired", env_id, opened)
    if created > at + CLOCK_SKEW_S:
        raise EnvelopeRejected(
            "clock_skew",
            f"the envelope was made {created - at:.0f} s ahead of this node's clock "
            f"(up to {CLOCK_SKEW_S} s allowed); the sender's clock is fast",
            env_id,
            opened,
        )
    if expires - created > MAX_TTL_S or created < at - MAX_TTL_S:
        raise EnvelopeRejected(
            "expired", f"envelopes live at most {MAX_TTL_S // 86400} days here", env_id, opened
        )
    return opened
