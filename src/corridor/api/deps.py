"""Request dependencies: the node's services context and the authenticated caller."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, NamedTuple, get_args, get_origin, get_type_hints

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
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


class _Key(NamedTuple):
    """An API key as a request sent it, not yet checked: the node, the key, the address."""

    node: Context
    key: str
    client: str | None


_NEEDS_KEY = "this endpoint needs an API key: send 'Authorization: Bearer cor_<id>.<secret>'"
_NEEDS_OFFICER_KEY = (
    "this endpoint needs an officer's API key: send 'Authorization: Bearer cor_<id>.<secret>'"
)


def _sent(request: Request, creds: HTTPAuthorizationCredentials | None, missing: str) -> _Key:
    """The API key a request sent (not yet checked), or AuthenticationFailed saying what
    to send."""
    if creds is None:
        raise AuthenticationFailed(missing)
    return _Key(node_of(request), creds.credentials, _client(request))


def caller(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Organisation:
    """The organisation whose API key signed this request."""
    return authentication.authenticate(*_sent(request, creds, _NEEDS_KEY))


def officer(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Officer:
    """The officer whose own API key signed this request."""
    return authentication.authenticate_officer(*_sent(request, creds, _NEEDS_OFFICER_KEY))


Ctx = Annotated[Context, Depends(context)]
Caller = Annotated[Organisation, Depends(caller)]
OfficerCaller = Annotated[Officer, Depends(officer)]


async def _caller_key(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> _Key:
    """The key `caller` checks, read on the event loop (no I/O): a request without one is
    refused before anything else."""
    return _sent(request, creds, _NEEDS_KEY)


async def _officer_key(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> _Key:
    """The key `officer` checks, read on the event loop (no I/O)."""
    return _sent(request, creds, _NEEDS_OFFICER_KEY)


# For each authenticating dependency: the key it reads and the check that runs in the
# endpoint's thread instead.
_IN_ENDPOINT: dict[Callable[..., Any], tuple[Callable[..., Any], Callable[..., Any]]] = {
    caller: (_caller_key, authentication.authenticate),
    officer: (_officer_key, authentication.authenticate_officer),
}


def _authenticating(annotation: Any) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """The key dependency and check for a parameter typed Caller or OfficerCaller."""
    if get_origin(annotation) is not Annotated:
        return None
    for meta in get_args(annotation)[1:]:
        found = _IN_ENDPOINT.get(getattr(meta, "dependency", None))  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


def in_one_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous endpoint taking a Caller or an OfficerCaller, with the caller
    authenticated in the endpoint's own worker thread: a request then takes one thread, not
    one to authenticate and another for the endpoint. The key is still read, and a request
    without one refused, before anything else; the check itself (and its throttling) is
    the same. Other endpoints are returned as they are."""
    if inspect.iscoroutinefunction(endpoint) or hasattr(endpoint, "__signature__"):
        return endpoint
    hints = get_type_hints(endpoint, include_extras=True)
    signature = inspect.signature(endpoint)
    checks: dict[str, Callable[..., Any]] = {}
    params = []
    for p in signature.parameters.values():
        annotation = hints.get(p.name, p.annotation)
        found = _authenticating(annotation)
        if found is not None:
            key, check = found
            checks[p.name] = check
            annotation = Annotated[_Key, Depends(key)]
        params.append(p.replace(annotation=annotation))
    if not checks:
        return endpoint

    def run(**kwargs: Any) -> Any:
        for name, check in checks.items():
            kwargs[name] = check(*kwargs[name])
        return endpoint(**kwargs)

    run.__name__, run.__qualname__ = endpoint.__name__, endpoint.__qualname__
    run.__doc__, run.__module__ = endpoint.__doc__, endpoint.__module__
    returns = hints.get("return", signature.return_annotation)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=None if returns is type(None) else returns
    )
    return run


class OneThreadRoute(APIRoute):
    """A route whose synchronous endpoint authenticates its caller in its own thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, in_one_thread(endpoint), **kwargs)


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
