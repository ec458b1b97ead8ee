"""The fields of an envelope's payload, read from untrusted JSON: each checked for type and
size before use, so a malformed payload is refused with its reason (or a field that does not
fit is left out) and never reaches the store as it came."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from corridor.exceptions import EnvelopeRejected
from corridor.model import DocumentKind

__all__ = ["documents", "notice", "text", "when"]

_PROCEDURES = frozenset({"export", "transit", "import"})


def documents(payload: dict[str, Any], env_id: str) -> dict[str, str]:
    """The payload's documents, checked for shape: kind -> token."""
    shipment, documents = payload.get("shipment"), payload.get("documents", {})
    if not isinstance(shipment, str) or not 0 < len(shipment) <= 64:
        raise EnvelopeRejected("malformed", "the payload names no shipment", env_id)
    if payload.get("procedure") not in _PROCEDURES:
        raise EnvelopeRejected("malformed", "the payload names no known procedure", env_id)
    if not isinstance(documents, dict) or not all(
        isinstance(k, str) and k in _KINDS and isinstance(v, str) for k, v in documents.items()
    ):
        raise EnvelopeRejected("malformed", "the payload's documents are not kind -> token", env_id)
    return documents


_KINDS = frozenset(k.value for k in DocumentKind)


_NOTICE_FIELDS = {"action": 32, "status": 32, "office": 16, "instructions": 1000, "at": 40}


def notice(value: Any, env_id: str) -> dict[str, str]:
    """A decision's notice to the trader: a few short texts, nothing else."""
    if not isinstance(value, dict) or set(value) - set(_NOTICE_FIELDS):
        raise EnvelopeRejected("malformed", "a decision's notice has unknown fields", env_id)
    out = {}
    for key, limit in _NOTICE_FIELDS.items():
        fitting = text(value.get(key), limit)
        if fitting is not None:
            out[key] = fitting
    if "action" not in out or "status" not in out:
        raise EnvelopeRejected("malformed", "a decision's notice names no action", env_id)
    return out


def text(value: Any, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def when(value: Any) -> datetime | None:
    """A planned time from a payload: an aware ISO 8601 timestamp, else nothing."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
