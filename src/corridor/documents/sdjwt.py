"""SD-JWT (RFC 9901) with EdDSA: issue, present (choose disclosures), verify.

Token form: ``<JWS>~<disclosure>~...~`` (no key binding). Header and payload are RFC 8785
canonical JSON. Every top-level claim given as disclosable becomes a disclosure; a list
claim's elements are each disclosable too (the list itself is then an array of ``{"...":
digest}`` entries inside the claim's own disclosure), so a holder can show one goods item
and hide the rest.

Verification raises `VerificationFailed` with one reason code; it never returns a flag.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from typing import Any

import pydantic_core
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from corridor.documents import _hazmat as hz
from corridor.exceptions import VerificationFailed

TYP = "vnd.corridor.doc+sd-jwt"
ALG = "EdDSA"
MAX_TOKEN_CHARS = 256 * 1024
MAX_DISCLOSURES = 1000
CLOCK_SKEW_S = 300
_RESERVED = {"_sd", "...", "_sd_alg"}
# Strict JSON (no NaN or Infinity, no trailing commas, at most 200 levels deep), parsed in
# Rust: a document has a header, a payload and a dozen disclosures to read.
_DECODE = partial(pydantic_core.from_json, allow_inf_nan=False)


@dataclass(frozen=True)
class Signer:
    """A private key and its key id, with the encoded JWS header prepared once."""

    key: Ed25519PrivateKey
    kid: str

    @cached_property
    def header_b64(self) -> str:
        """The base64url canonical header for this key (encoded once per signer)."""
        return hz.b64e(hz.canonical({"alg": ALG, "kid": self.kid, "typ": TYP}))


@dataclass(frozen=True)
class IssuerKey:
    """What a verifier needs to know about the key a document names."""

    kid: str
    public_key: Ed25519PublicKey
    organisation_id: str
    valid_from: int
    valid_to: int | None
    revoked_at: int | None


@dataclass(frozen=True)
class Verified:
    """A document whose signature, issuer key and disclosures all checked out."""

    claims: dict[str, Any]
    disclosed: frozenset[str]
    key: IssuerKey


def _disclosure(parts: list[Any], plain: bool) -> tuple[str, str]:
    text = hz.b64e(hz.canonical(parts, plain))
    return text, hz.b64e(hz.digest(text.encode("ascii")))


# Fields of a list element (a goods line) that are disclosable on their own, so that a holder
# can show a line without its value.
ITEM_DISCLOSABLE = ("value",)


def _element(item: Any, plain: bool, disclosures: list[str], salts: Iterator[str]) -> Any:
    """A list element with its ITEM_DISCLOSABLE fields turned into nested disclosures."""
    if not isinstance(item, dict) or not any(k in item for k in ITEM_DISCLOSABLE):
        return item
    kept = {k: v for k, v in item.items() if k not in ITEM_DISCLOSABLE}
    digests = []
    for name in ITEM_DISCLOSABLE:
        if name in item:
            text, d = _disclosure([next(salts), name, item[name]], plain)
            disclosures.append(text)
            digests.append(d)
    return {**kept, "_sd": sorted(digests)}


def issue(signer: Signer, visible: Mapping[str, Any], disclosable: Mapping[str, Any]) -> str:
    """Sign `visible` claims in clear and `disclosable` ones as selective disclosures (each
    element of a list claim too, and a goods line's value and currency within it)."""
    clash = (set(visible) & set(disclosable)) | ((set(visible) | set(disclosable)) & _RESERVED)
    if clash:
        raise ValueError(f"claim names used twice or reserved: {sorted(clash)}")
    # One walk decides whether the fast canonical encoder is exact for everything below.
    plain = hz.is_plain(dict(disclosable))
    disclosures: list[str] = []
    digests: list[str] = []
    count = sum(
        1 + sum(1 + sum(k in i for k in ITEM_DISCLOSABLE) if isinstance(i, dict) else 1 for i in v)
        if isinstance(v, list)
        else 1
        for v in disclosable.values()
    )
    salts = iter(hz.salts(count))
    for name, value in disclosable.items():
        if isinstance(value, list):
            elements = []
            for item in value:
                text, d = _disclosure(
                    [next(salts), _element(item, plain, disclosures, salts)], plain
                )
                disclosures.append(text)
                elements.append({"...": d})
            value = elements
        text, d = _disclosure([next(salts), name, value], plain)
        disclosures.append(text)
        digests.append(d)
    payload = {**visible, "_sd": sorted(digests), "_sd_alg": "sha-256"}
    # Digests and the algorithm name are ASCII strings: the payload is plain if `visible` is.
    signing_input = (
        f"{signer.header_b64}.{hz.b64e(hz.canonical(payload, hz.is_plain(dict(visible))))}"
    )
    signature = hz.b64e(hz.sign(signer.key, signing_input.encode("ascii")))
    return "~".join([f"{signing_input}.{signature}", *disclosures, ""])


def _fail(reason: str, detail: str) -> VerificationFailed:
    return VerificationFailed(reason, detail)


def _json(part: str, what: str) -> Any:
    try:
        return _DECODE(hz.b64d(part))
    except ValueError as exc:
        if "recursion limit" in str(exc):
            raise _fail("malformed", f"the {what} is nested too deeply") from None
        raise _fail("malformed", f"the {what} is not base64url JSON ({exc})") from None


@lru_cache(maxsize=1024)
def _key_id(header_b64: str) -> str:
    """The key id a JWS header names, once the header is one this verifier accepts. Each
    signing key has one header, so most documents repeat one already read."""
    header = _json(header_b64, "JWS header")
    if not isinstance(header, dict):
        raise _fail("malformed", "the JWS header must be a JSON object")
    if header.get("alg") != ALG:
        raise _fail("malformed", f"algorithm {header.get('alg')!r} is not accepted; only EdDSA")
    if header.get("typ") != TYP:
        raise _fail("malformed", f"type {header.get('typ')!r} is not a corridor document ({TYP})")
    if "crit" in header:
        raise _fail("malformed", "critical header extensions are not supported")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise _fail("unknown_issuer", "the document names no key id (kid)")
    return kid


def split(token: str) -> tuple[str, list[str]]:
    """The JWS and the disclosures of a compact SD-JWT, checked for shape only."""
    if not isinstance(token, str) or not token:
        raise _fail("malformed", "empty document")
    if len(token) > MAX_TOKEN_CHARS:
        raise _fail("malformed", f"document is over {MAX_TOKEN_CHARS} characters")
    if not token.isascii():
        raise _fail("malformed", "a compact SD-JWT is ASCII only")
    token = token.strip()
    parts = token.split("~")
    if len(parts) < 2:
        raise _fail("malformed", "not an SD-JWT: expected '<JWS>~...~'")
    if parts[-1]:
        raise _fail(
            "malformed",
            "key-binding JWTs are not accepted here; send the "
            "SD-JWT with its disclosures only, ending in '~'",
        )
    disclosures = parts[1:-1]
    if len(disclosures) > MAX_DISCLOSURES:
        raise _fail("malformed", f"more than {MAX_DISCLOSURES} disclosures")
    if any(not d for d in disclosures):
        raise _fail("malformed", "empty disclosure between '~' separators")
    return parts[0], disclosures


def present(
    token: str,
    fields: Iterable[str],
    items: Mapping[str, Iterable[int]] | None = None,
    withhold_in_items: Iterable[str] = (),
) -> str:
    """A presentation with only the chosen top-level claims (and, for list claims, only the
    chosen element indexes; all elements when a list claim is not in `items`), leaving out
    the element fields named in `withhold_in_items` (a goods line's value and currency)."""
    jws, disclosures = split(token)
    keep_fields = set(fields)
    withheld = set(withhold_in_items)
    by_digest = {hz.b64e(hz.digest(d.encode("ascii"))): d for d in disclosures}
    keep: list[str] = []
    for d in disclosures:
        parts = _json(d, "disclosure")
        if isinstance(parts, list) and len(parts) == 3 and parts[1] in keep_fields:
            keep.append(d)
            value = parts[2]
            if isinstance(value, list):
                chosen = set(items[parts[1]]) if items and parts[1] in items else None
                for i, element in enumerate(value):
                    ref = element.get("...") if isinstance(element, dict) else None
                    if ref in by_digest and (chosen is None or i in chosen):
                        keep.append(by_digest[ref])
                        keep += _nested(by_digest[ref], by_digest, withheld)
    return "~".join([jws, *keep, ""])


def _nested(element: str, by_digest: Mapping[str, str], withheld: set[str]) -> list[str]:
    """The disclosures nested in an array element's object, but for the withheld names."""
    parts = _json(element, "disclosure")
    inner = parts[1] if isinstance(parts, list) and len(parts) == 2 else None
    if not isinstance(inner, dict):
        return []
    out = []
    for ref in inner.get("_sd", []):
        nested = by_digest.get(ref) if isinstance(ref, str) else None
        if nested is None:
            continue
        named = _json(nested, "disclosure")
        if isinstance(named, list) and len(named) == 3 and named[1] not in withheld:
            out.append(nested)
    return out


def verify(
    token: str, resolve: Callable[[str], IssuerKey | None], now: float | None = None
) -> Verified:
    """Check shape, algorithm, issuer key (known, valid at issuance, not revoked), signature,
    every disclosure and expiry. Raises VerificationFailed with one reason."""
    now = time.time() if now is None else now
    jws, disclosures = split(token)
    pieces = jws.split(".")
    if len(pieces) != 3:
        raise _fail("malformed", "the signed part is not a compact JWS (three dot-separated parts)")
    kid = _key_id(pieces[0])
    payload = _json(pieces[1], "JWS payload")
    if not isinstance(payload, dict):
        raise _fail("malformed", "the JWS payload must be a JSON object")
    key = resolve(kid)
    if key is None:
        raise _fail("unknown_issuer", f"key {kid!r} is not on the corridor trust list")
    try:
        signature = hz.b64d(pieces[2])
        hz.verify(key.public_key, signature, jws[: -len(pieces[2]) - 1].encode("ascii"))
    except (ValueError, hz.InvalidSignature):
        raise _fail("bad_signature", "the signature does not match the document") from None
    if payload.get("iss") != key.organisation_id:
        raise _fail(
            "unknown_issuer",
            f"key {kid!r} belongs to {key.organisation_id!r}, not "
            f"to the claimed issuer {payload.get('iss')!r}",
        )
    iat = _numeric_date(payload.get("iat"))
    if iat is None:
        raise _fail("malformed", "the document has no issuance time (iat)")
    if iat > now + CLOCK_SKEW_S:
        raise _fail("malformed", "the document claims to be issued in the future")
    if iat < key.valid_from:
        raise _fail("revoked_key", f"key {kid!r} was not yet valid when the document was issued")
    if key.revoked_at is not None and iat >= key.revoked_at:
        raise _fail("revoked_key", f"key {kid!r} was revoked before the document was issued")
    if key.valid_to is not None and iat >= key.valid_to:
        raise _fail("revoked_key", f"key {kid!r} had been rotated out when the document was issued")
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise _fail("malformed", f"digest algorithm {payload.get('_sd_alg')!r} not supported")
    # Expiry is in the signed payload itself, never in a disclosure a holder could withhold.
    exp = _numeric_date(payload.get("exp"))
    if exp is None or exp <= iat:
        raise _fail("malformed", "the document has no expiry (exp) after its issuance")
    if now >= exp:
        raise _fail("expired", "the document has expired")
    try:
        claims, disclosed = _unpack(payload, disclosures)
    except RecursionError:
        raise _fail("malformed", "the document is nested too deeply") from None
    if any(claims.get(k) != payload.get(k) for k in ("iss", "iat", "exp")):
        raise _fail("tampered_disclosure", "a disclosure overrides a signed registered claim")
    return Verified(claims=claims, disclosed=frozenset(disclosed), key=key)


def _numeric_date(value: Any) -> float | None:
    """An RFC 7519 NumericDate (any finite JSON number, a fraction allowed), or None."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


_NESTED = frozenset((dict, list))


def _unpack(payload: dict[str, Any], disclosures: list[str]) -> tuple[dict[str, Any], set[str]]:
    table: dict[str, list[Any]] = {}
    for digest, d in zip(hz.digests_b64(disclosures), disclosures, strict=True):
        if digest in table:
            raise _fail("tampered_disclosure", "the same disclosure is sent twice")
        parts = _json(d, "disclosure")
        if (
            not isinstance(parts, list)
            or len(parts) not in (2, 3)
            or not isinstance(parts[0], str)
            or (len(parts) == 3 and (not isinstance(parts[1], str) or parts[1] in _RESERVED))
        ):
            raise _fail(
                "tampered_disclosure", "a disclosure is not [salt, name, value] or [salt, value]"
            )
        table[digest] = parts
    used: set[str] = set()
    seen: set[str] = set()
    disclosed: set[str] = set()

    # JSON parsing gives exact types, so `type(v) in _NESTED` says "may hold disclosures".
    def walk(value: Any, top: bool) -> Any:
        if type(value) is dict:
            sd = value.get("_sd")
            if sd is None and "_sd_alg" not in value:
                for v in value.values():
                    if type(v) in _NESTED:
                        break
                else:
                    return value  # nothing selectively disclosed inside: keep it as it is
            out: dict[str, Any] = {}
            for name, v in value.items():
                if type(v) in _NESTED:
                    if name == "_sd" or name == "_sd_alg":
                        continue
                    out[name] = walk(v, False)
                elif name != "_sd_alg":
                    out[name] = v
            if sd is None:
                return out
            if type(sd) is not list:
                raise _fail("malformed", "_sd must be a list of digests")
            for digest in sd:
                if type(digest) is not str:
                    raise _fail("malformed", "_sd must be a list of digests")
                # RFC 9901: a digest may appear once in the whole payload, disclosed or not.
                if digest in seen:
                    raise _fail("tampered_disclosure", "a digest appears twice in the document")
                seen.add(digest)
                parts = table.get(digest)
                if parts is None:
                    continue
                if len(parts) != 3:
                    raise _fail("tampered_disclosure", "an array disclosure sits in an object")
                name = parts[1]
                if digest in used or name in out:
                    raise _fail("tampered_disclosure", f"claim {name!r} disclosed twice")
                used.add(digest)
                if top:
                    disclosed.add(name)
                v = parts[2]
                out[name] = walk(v, False) if type(v) in _NESTED else v
            return out
        if type(value) is list:
            for e in value:
                if type(e) in _NESTED:
                    break
            else:
                return value
            items = []
            for element in value:
                if type(element) is dict and len(element) == 1 and "..." in element:
                    ref = element["..."]
                    if type(ref) is not str:
                        raise _fail("malformed", "an array element digest must be a string")
                    if ref in seen:
                        raise _fail("tampered_disclosure", "a digest appears twice in the document")
                    seen.add(ref)
                    parts = table.get(ref)
                    if parts is None:
                        continue
                    if len(parts) != 2 or ref in used:
                        raise _fail(
                            "tampered_disclosure",
                            "an array element disclosure is misplaced or repeated",
                        )
                    used.add(ref)
                    items.append(walk(parts[1], False))
                else:
                    items.append(walk(element, False) if type(element) in _NESTED else element)
            return items
        return value

    claims = walk(payload, True)
    if len(used) != len(table):
        raise _fail("tampered_disclosure", "a disclosure is not covered by the signed document")
    return claims, disclosed
