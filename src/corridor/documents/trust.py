"""The corridor trust list: which public key speaks for which organisation, country and
role, and when.

A key that was rotated keeps verifying what it signed while it was current; a revoked key
stops verifying documents signed at or after its revocation. The key store that keeps the
private halves and writes this list is `corridor.services.keys`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from corridor.documents import _hazmat as hz
from corridor.documents.sdjwt import IssuerKey
from corridor.exceptions import InvalidInput


def _ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


@dataclass(frozen=True)
class TrustEntry:
    """One key on the trust list, with whom it speaks for."""

    kid: str
    organisation_id: str
    name: str
    country: str
    role: str
    public_key: str
    valid_from: datetime
    valid_to: datetime | None
    revoked_at: datetime | None
    # key_compromise: nothing the key ever signed counts; superseded: from `revoked_at` on.
    revocation_reason: str | None = None

    def issuer_key(self) -> IssuerKey:
        """The verifier's view of this key."""
        revoked = self.valid_from if self.revocation_reason == "key_compromise" else self.revoked_at
        return IssuerKey(
            kid=self.kid,
            public_key=hz.load_public(hz.b64d(self.public_key)),
            organisation_id=self.organisation_id,
            valid_from=int(self.valid_from.timestamp()),
            valid_to=_ts(self.valid_to),
            revoked_at=_ts(revoked),
        )


class TrustList:
    """The keys a verifier accepts, by key id. Loads from the store or from a JSON export."""

    def __init__(self, entries: list[TrustEntry]) -> None:
        self.entries = {e.kid: e for e in entries}
        self._keys = {e.kid: e.issuer_key() for e in entries}

    def resolve(self, kid: str) -> IssuerKey | None:
        """The issuer key for a key id, or None."""
        return self._keys.get(kid)

    def to_json(self) -> str:
        """The trust list as JSON, for verifiers without access to a node."""
        rows = []
        for e in self.entries.values():
            row: dict[str, Any] = dict(e.__dict__)
            for k in ("valid_from", "valid_to", "revoked_at"):
                row[k] = row[k].isoformat() if row[k] else None
            rows.append(row)
        return json.dumps({"version": 1, "keys": rows}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> TrustList:
        """A trust list from its JSON export."""
        try:
            raw = json.loads(text)
            entries = [
                TrustEntry(
                    **{
                        **k,
                        **{
                            f: datetime.fromisoformat(k[f]) if k[f] else None
                            for f in ("valid_from", "valid_to", "revoked_at")
                        },
                    }
                )
                for k in raw["keys"]
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"the trust list file is not a corridor trust list: {exc}") from None
        return cls(entries)


def utc(ts: int) -> datetime:
    """A UNIX timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


def _earliest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def merge(*lists: TrustList) -> TrustList:
    """One list from several sources of the same keys (a node's own store and its pinned
    directory, say). Revocation is monotonic: where two sources know a key, the most
    restrictive statement wins (the earliest revocation, a compromise over a supersession,
    the earliest end of validity), so an older copy never un-revokes a key. A key whose
    sources disagree on what it is (its public key, organisation, country or role) counts
    for nobody."""
    held: dict[str, TrustEntry] = {}
    disputed: set[str] = set()
    for trust in lists:
        for e in trust.entries.values():
            seen = held.get(e.kid)
            if seen is None:
                held[e.kid] = e
                continue
            same = (seen.public_key, seen.organisation_id, seen.country, seen.role)
            if same != (e.public_key, e.organisation_id, e.country, e.role):
                disputed.add(e.kid)
                continue
            compromised = "key_compromise" in (seen.revocation_reason, e.revocation_reason)
            revoked_at = _earliest(seen.revoked_at, e.revoked_at)
            held[e.kid] = replace(
                seen,
                valid_from=max(seen.valid_from, e.valid_from),
                valid_to=_earliest(seen.valid_to, e.valid_to),
                revoked_at=revoked_at,
                revocation_reason="key_compromise"
                if compromised
                else (seen.revocation_reason or e.revocation_reason if revoked_at else None),
            )
    return TrustList([e for kid, e in held.items() if kid not in disputed])
