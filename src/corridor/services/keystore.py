"""Signing keys and the corridor trust list.

Each organisation has one current Ed25519 key. Its private half lives in an owner-only file
under ``<data dir>/keys/<organisation>/<kid>.pem``; its public half is on the trust list (in
the store) with the organisation, country and role it speaks for. Rotation retires the
current key (documents it signed before still verify) and makes a new one; revocation stops
documents signed at or after the revocation time from verifying.

A key made as part of a request is made inside that request's transaction: if the request is
refused, neither the trust-list row nor the key file remains.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from corridor.documents import Signer, TrustEntry, TrustList, signing
from corridor.exceptions import InvalidInput, NotFound
from corridor.exchange.directory import REVOCATION_REASONS
from corridor.store.db import Database, undo_on_rollback
from corridor.store.tables import OrganisationRow, TrustedKeyRow


def _aware(t: datetime) -> datetime:
    """Stored times come back naive from SQLite; they are UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


class KeyStore:
    """Private key files under the data folder plus the trust list in the store."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.root = data_dir / "keys"
        # Private keys never change under a key id, so each file is read once.
        self._signers: dict[str, Signer] = {}
        # On a national node: refuses keys this node may not hold (another authority's).
        self.guard: Callable[[str, str], None] | None = None
        # The trust list as last read, with the fingerprint of the key table it came from.
        self._cached: tuple[tuple[int, int], TrustList] | None = None

    def _path(self, org_id: str, kid: str) -> Path:
        return self.root / org_id / f"{kid}.pem"

    def _write_private(self, s: Session, org_id: str, kid: str, pem: bytes) -> None:
        folder = self.root / org_id
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        path = self._path(org_id, kid)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)

        def remove() -> None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

        undo_on_rollback(s, remove)

    def create(self, s: Session, org_id: str, now: datetime) -> str:
        """A new current key for an organisation, in the caller's transaction; any previous
        current key is retired."""
        org = s.get(OrganisationRow, org_id)
        if org is None:
            raise NotFound(f"no organisation {org_id!r}", hint="list_organisations")
        if self.guard is not None:
            self.guard(org_id, org.role)
        kid, public, pem = signing.new_signing_key()
        for row in s.scalars(
            select(TrustedKeyRow).where(
                TrustedKeyRow.organisation_id == org_id, TrustedKeyRow.valid_to.is_(None)
            )
        ):
            row.valid_to = now
            row.version += 1
        s.add(
            TrustedKeyRow(
                kid=kid,
                organisation_id=org_id,
                public_key=public,
                valid_from=now,
                valid_to=None,
                revoked_at=None,
                revocation_reason=None,
                version=1,
            )
        )
        # Written now, so that every statement of the transaction (Core ones included) sees
        # the organisation's one current key.
        s.flush()
        # Written inside the transaction: if the file cannot be written, the trust list
        # does not gain a key nobody holds; if the transaction fails, the file goes.
        self._write_private(s, org_id, kid, pem)
        return kid

    def current_kid(self, s: Session, org_id: str) -> str | None:
        """The key id an organisation signs with now, if any."""
        current = s.connection().execute(CURRENT_KEY, {"org": org_id}).first()
        return current.kid if current else None

    def ensure(self, s: Session, org_id: str, now: datetime) -> Signer:
        """The organisation's current signing key, made in the caller's transaction if it
        has none."""
        current = s.connection().execute(CURRENT_KEY, {"org": org_id}).first()
        return self.ensure_from(s, org_id, current, now)

    def ensure_from(self, s: Session, org_id: str, current: Any, now: datetime) -> Signer:
        """`ensure`, given the row `CURRENT_KEY` read (kid, valid_from), or None: for a
        caller that read it together with other statements."""
        if current is None:
            # Made once per transaction: a second caller in the same transaction gets the
            # key the first one made (which a statement read before it could not see).
            made: dict[str, str] = s.info.setdefault("corridor_keys_made", {})
            if org_id not in made:
                made[org_id] = self.create(s, org_id, now)
            return self._signer(org_id, made[org_id])
        kid, valid_from = current
        if _aware(valid_from) > now:
            # Signing now would make a document or ledger entry that fails verification.
            raise InvalidInput(
                f"this node's clock ({now:%Y-%m-%d %H:%M} UTC) is before the signing key "
                f"of {org_id!r} became valid ({_aware(valid_from):%Y-%m-%d %H:%M} UTC); "
                "correct the clock"
            )
        return self._signer(org_id, kid)

    def signer(self, s: Session, org_id: str) -> Signer:
        """The organisation's current signing key, or NotFound."""
        kid = self.current_kid(s, org_id)
        if kid is None:
            raise NotFound(
                f"organisation {org_id!r} has no signing key on this node", hint="rotate_key"
            )
        return self._signer(org_id, kid)

    def _signer(self, org_id: str, kid: str) -> Signer:
        found = self._signers.get(kid)
        if found is None:
            found = self._signers[kid] = signing.load_signer(
                self._path(org_id, kid).read_bytes(), kid
            )
        return found

    def revoke(self, s: Session, kid: str, at: datetime, reason: str) -> None:
        """Revoke a key. `superseded`: documents it signed at or after `at` stop verifying;
        `key_compromise`: nothing it ever signed counts any more."""
        if reason not in REVOCATION_REASONS:
            raise InvalidInput(
                f"revocation reason {reason!r} is not one of {', '.join(REVOCATION_REASONS)}"
            )
        if at.tzinfo is None:
            raise InvalidInput("a revocation time needs a time zone, e.g. 2026-03-02T08:00Z")
        row = s.get(TrustedKeyRow, kid)
        if row is None:
            raise NotFound(f"no key {kid!r} on the trust list")
        if reason == "key_compromise":
            at = _aware(row.valid_from)
        row.revoked_at = at
        row.revocation_reason = reason
        row.version += 1
        if row.valid_to is None or _aware(row.valid_to) > at:
            row.valid_to = at

    def load_trust(self, s: Session) -> TrustList:
        """Every key on this node's trust list, with its holder, in one query."""
        rows = s.execute(
            select(TrustedKeyRow, OrganisationRow)
            .join(OrganisationRow, OrganisationRow.id == TrustedKeyRow.organisation_id)
            .order_by(TrustedKeyRow.valid_from, TrustedKeyRow.kid)
        )
        return TrustList(
            [
                TrustEntry(
                    kid=key.kid,
                    organisation_id=org.id,
                    name=org.name,
                    country=org.country,
                    role=org.role,
                    public_key=key.public_key,
                    valid_from=key.valid_from,
                    valid_to=key.valid_to,
                    revoked_at=key.revoked_at,
                    revocation_reason=key.revocation_reason,
                )
                for key, org in rows
            ]
        )

    def versions(self, s: Session) -> dict[str, int]:
        """Each key's version: a change to any key changes this."""
        rows = s.execute(select(TrustedKeyRow.kid, TrustedKeyRow.version))
        return {row.kid: row.version for row in rows}

    def trust_list(self, seen: tuple[int, int] | None = None) -> TrustList:
        """Every key on this node's trust list. Read again only when a key was made, rotated
        or revoked since (by this process or another: the fingerprint is in the store).
        `seen` is the fingerprint the caller just read in its own statement (`FINGERPRINT`
        as two columns): while it matches, no transaction is opened here."""
        cached = self._cached
        if seen is not None and cached is not None and cached[0] == (int(seen[0]), int(seen[1])):
            return cached[1]
        with self.db.transaction() as s:
            fingerprint = self._fingerprint(s)
            if self._cached is not None and self._cached[0] == fingerprint:
                return self._cached[1]
            trust = self.load_trust(s)
        self._cached = (fingerprint, trust)
        return trust

    @staticmethod
    def _fingerprint(conn: Session) -> tuple[int, int]:
        count, total = conn.execute(select(*FINGERPRINT)).one()
        return int(count), int(total)


# An organisation's current signing key: (kid, valid_from), or no row.
CURRENT_KEY = select(TrustedKeyRow.kid, TrustedKeyRow.valid_from).where(
    TrustedKeyRow.organisation_id == bindparam("org"),
    TrustedKeyRow.valid_to.is_(None),
    TrustedKeyRow.revoked_at.is_(None),
)
# The key store's fingerprint (key count, sum of versions) as two scalar columns: on its
# own, or added to a caller's query.
FINGERPRINT = (
    select(func.count()).select_from(TrustedKeyRow).scalar_subquery().label("keys_count"),
    select(func.coalesce(func.sum(TrustedKeyRow.version), 0))
    .scalar_subquery()
    .label("keys_versions"),
)
