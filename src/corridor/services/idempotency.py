"""Safe retries: a request that sends or signs may carry an Idempotency-Key. The key is
claimed inside the request's own transaction together with its result, so a client that
retries after a lost response gets the first result, and nothing is sent or signed twice.
A key reused for a different request is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from corridor.exceptions import Conflict
from corridor.store.tables import IdempotentRow

__all__ = ["claim", "digest_of", "record"]


def digest_of(request: dict[str, Any]) -> str:
    """What identifies a request for its key: its parameters, canonically."""
    return hashlib.sha256(
        json.dumps(request, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()


def claim(
    s: Session,
    organisation_id: str,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    now: datetime,
) -> dict[str, Any] | None:
    """Inside the request's transaction: the first result of an earlier request with the
    same key (None while it has none, e.g. the first time, when the key is claimed)."""
    if key is None:
        return None
    digest = digest_of(request)
    row = s.get(IdempotentRow, (organisation_id, key))
    if row is not None:
        if row.operation != operation or row.request_digest != digest:
            raise Conflict(
                f"Idempotency-Key {key!r} was used for another request; use a new key for "
                "a new request"
            )
        if row.result is None:
            raise Conflict(f"the request with Idempotency-Key {key!r} is still running")
        return dict(row.result)
    s.add(
        IdempotentRow(
            organisation_id=organisation_id,
            key=key,
            operation=operation,
            request_digest=digest,
            result=None,
            created_at=now,
        )
    )
    s.flush()
    return None


def record(s: Session, organisation_id: str, key: str | None, result: dict[str, Any]) -> None:
    """Keep the result with the claimed key, in the same transaction."""
    if key is None:
        return
    row = s.get(IdempotentRow, (organisation_id, key))
    if row is not None:
        row.result = result
