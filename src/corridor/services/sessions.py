"""Browser sessions: an API key exchanged for a session the web UI keeps in a cookie.

The cookie carries 256 random bits; the store keeps only their SHA-256 digest, the API key
the session was opened with, a CSRF token for the session's forms and an absolute expiry
(`SESSION_TTL`). Every request re-checks the key: revoking it, suspending its organisation
or signing out ends the session at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from corridor.exceptions import AuthenticationFailed
from corridor.model import Officer, Organisation
from corridor.services import authentication
from corridor.services.context import Context
from corridor.store.tables import WebSessionRow

SESSION_TTL = timedelta(hours=8)
COOKIE_PREFIX = "ses_"


@dataclass(frozen=True)
class WebSession:
    """Who a browser acts as: the organisation, the officer (for an officer's key), the
    session's CSRF token and when it ends."""

    organisation: Organisation
    officer: Officer | None
    csrf: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(
    ctx: Context, api_key: str, now: datetime, client: str | None = None
) -> tuple[str, WebSession]:
    """Open a session for the holder of `api_key`: the cookie value and the session
    (failures throttled like every authentication)."""
    key = api_key.strip()
    org, officer = authentication.authenticate_any(ctx, key, client)
    token = COOKIE_PREFIX + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with ctx.db.transaction() as s:
        # Sessions that ran out are dropped when a new one opens.
        s.execute(delete(WebSessionRow).where(WebSessionRow.expires_at <= now))
        s.add(
            WebSessionRow(
                id_sha256=_digest(token),
                api_key_id=authentication.key_id_of(key),
                csrf=csrf,
                created_at=now,
                expires_at=now + SESSION_TTL,
            )
        )
    return token, WebSession(org, officer, csrf, now + SESSION_TTL)


def resume(ctx: Context, token: str, now: datetime) -> WebSession:
    """The session a cookie names, or AuthenticationFailed when it is unknown, expired, or
    its key or organisation stopped working."""
    if not token.startswith(COOKIE_PREFIX) or len(token) > 100:
        raise AuthenticationFailed("your session is not valid; sign in again")
    with ctx.db.transaction() as s:
        row = s.get(WebSessionRow, _digest(token))
        if row is None or row.expires_at <= now:
            raise AuthenticationFailed("your session has ended; sign in again")
        org, officer = authentication.holder(authentication.key_with_holder(s, row.api_key_id))
        return WebSession(org, officer, row.csrf, row.expires_at)


def csrf_matches(session: WebSession, sent: str | None) -> bool:
    """Whether a form or htmx request carried this session's CSRF token."""
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())


def sign_out(ctx: Context, token: str) -> None:
    """End the session (a no-op for an unknown one)."""
    with ctx.db.transaction() as s:
        s.execute(delete(WebSessionRow).where(WebSessionRow.id_sha256 == _digest(token)))
