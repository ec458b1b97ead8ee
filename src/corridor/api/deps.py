"""Request dependencies: the node's services context and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor.exceptions import AuthenticationFailed
from corridor.model import Officer, Organisation
from corridor.services import Context, authentication


def node_of(request: Request) -> Context:
    """The node the app was built for."""
    found: Context = request.app.state.context
    return found


async def context(request: Request) -> Context:
    """The node the app was built for (no I/O: resolved on the event loop rather than in a
    worker thread)."""
    return node_of(request)


def _client(request: Request) -> str | None:
    """The address a request came from (what throttling counts failures against)."""
    return request.client.host if request.client else None


_bearer = HTTPBearer(auto_error=False, description="An API key issued by the node operator")


def caller(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organisation:
    """The organisation whose API key signed this request."""
    if creds is None:
        raise AuthenticationFailed(
            "this endpoint needs an API key: send 'Authorization: Bearer cor_<id>.<secret>'"
        )
    return authentication.authenticate(node_of(request), creds.credentials, _client(request))


def officer(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Officer:
    """The officer whose own API key signed this request."""
    if creds is None:
        raise AuthenticationFailed(
            "this endpoint needs an officer's API key: send 'Authorization: Bearer "
            "cor_<id>.<secret>'"
        )
    return authentication.authenticate_officer(
        node_of(request), creds.credentials, _client(request)
    )


Ctx = Annotated[Context, Depends(context)]
Caller = Annotated[Organisation, Depends(caller)]
OfficerCaller = Annotated[Officer, Depends(officer)]

# A request that sends or signs may be retried safely with the same key: the first result
# comes back and nothing is sent or signed twice.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,128}$",
        description="Any unique value (a UUID): a retry with the same key gets the first result",
    ),
]
