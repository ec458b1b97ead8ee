"""Keys and the corridor trust list.

Each organisation has one current Ed25519 key. Its private half lives in an owner-only file
under ``<data dir>/keys/<organisation>/<kid>.pem``; its public half is on the trust list with
the organisation, country and role it speaks for. Rotation retires the current key (documents
it signed before still verify) and makes a new one; revocation stops documents signed at or
after the revocation time from verifying.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from corridor.documents import _hazmat as hz
from corridor.documents.sdjwt import IssuerKey, Signer
from corridor.exceptions import InvalidInput, NotFound
from corridor.registry import load_organisation
from corridor.store.db import Database
from corridor.store.tables import TrustedKeyRow


def kid_for(public_raw: bytes) -> str:
    """The key id of a public key: a short hex thumbprint (hex, so that it never starts with
    a dash and reads as a command-line option)."""
    return hz.digest(public_raw).hex()[:16]


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

    def issuer_key(self) -> IssuerKey:
        """The verifier's view of this key."""
        return IssuerKey(
            kid=self.kid,
            public_key=hz.load_public(hz.b64d(self.public_key)),
            organisation_id=self.organisation_id,
            valid_from=int(self.valid_from.timestamp()),
            valid_to=_ts(self.valid_to),
            revoked_at=_ts(self.revoked_at),
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


class Keys:
    """Key management on one node: private key files plus the trust list in the store."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.root = data_dir / "keys"

    def _path(self, org_id: str, kid: str) -> Path:
        return self.root / org_id / f"{kid}.pem"

    def _write_private(self, org_id: str, kid: str, pem: bytes) -> None:
        folder = self.root / org_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        fd = os.open(self._path(org_id, kid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)

    def create(self, org_id: str, now: datetime) -> str:
        """A new current key for an organisation; any previous current key is retired."""
        key = hz.generate_key()
        raw = hz.public_raw(key)
        kid = kid_for(raw)
        with self.db.transaction() as s:
            if load_organisation(s, org_id) is None:
                raise NotFound(f"no organisation {org_id!r}")
            for row in s.scalars(
                select(TrustedKeyRow).where(
                    TrustedKeyRow.organisation_id == org_id, TrustedKeyRow.valid_to.is_(None)
                )
            ):
                row.valid_to = now
            s.add(
                TrustedKeyRow(
                    kid=kid,
                    organisation_id=org_id,
                    public_key=hz.b64e(raw),
                    valid_from=now,
                    valid_to=None,
                    revoked_at=None,
                )
            )
            # Written inside the transaction: if the file cannot be written, the trust list
            # does not gain a key nobody holds.
            self._write_private(org_id, kid, hz.private_pem(key))
        return kid

    rotate = create

    def ensure(self, org_id: str, now: datetime) -> str:
        """The organisation's current key id, creating a key if it has none."""
        current = self.current_kid(org_id)
        return current if current else self.create(org_id, now)

    def current_kid(self, org_id: str) -> str | None:
        """The key id an organisation signs with now, if any."""
        with self.db.transaction() as s:
            row = s.scalars(
                select(TrustedKeyRow).where(
                    TrustedKeyRow.organisation_id == org_id,
                    TrustedKeyRow.valid_to.is_(None),
                    TrustedKeyRow.revoked_at.is_(None),
                )
            ).first()
            return row.kid if row else None

    def signer(self, org_id: str) -> Signer:
        """The organisation's current signing key."""
        kid = self.current_kid(org_id)
        if kid is None:
            raise NotFound(
                f"organisation {org_id!r} has no signing key on this node; "
                f"run 'corridor keys rotate {org_id}'"
            )
        return Signer(hz.load_private(self._path(org_id, kid).read_bytes()), kid)

    def revoke(self, kid: str, at: datetime) -> None:
        """Revoke a key: documents it signed at or after `at` stop verifying."""
        with self.db.transaction() as s:
            row = s.get(TrustedKeyRow, kid)
            if row is None:
                raise NotFound(f"no key {kid!r} on the trust list")
            row.revoked_at = at
            if row.valid_to is None or row.valid_to > at:
                row.valid_to = at

    def trust_list(self) -> TrustList:
        """Every key on this node's trust list."""
        with self.db.transaction() as s:
            entries = []
            for row in s.scalars(select(TrustedKeyRow).order_by(TrustedKeyRow.valid_from)):
                org = load_organisation(s, row.organisation_id)
                assert org is not None
                entries.append(
                    TrustEntry(
                        kid=row.kid,
                        organisation_id=org.id,
                        name=org.name,
                        country=org.country,
                        role=org.role.value,
                        public_key=row.public_key,
                        valid_from=row.valid_from,
                        valid_to=row.valid_to,
                        revoked_at=row.revoked_at,
                    )
                )
        return TrustList(entries)


def utc(ts: int) -> datetime:
    """A UNIX timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)
