"""Domain error -> HTTP status, for the node's two HTTP doors (the API's problem documents
and the web UI's error pages); the command line has its exit codes (`corridor.cli.app`).
The domain itself knows nothing of HTTP."""

from __future__ import annotations

from corridor import exceptions as exc

__all__ = ["HTTP_STATUS", "http_status", "status_of"]

# Domain error -> HTTP status. Every CorridorError subclass must resolve through this table
# (a test walks the exception tree to prove it).
HTTP_STATUS: dict[type[exc.CorridorError], int] = {
    exc.InvalidInput: 422,
    exc.QueryParameterInvalid: 400,
    exc.MalformedJson: 400,
    exc.NoRoute: 422,
    exc.NotFound: 404,
    exc.Conflict: 409,
    exc.InvalidTransition: 409,
    exc.AuthenticationFailed: 401,
    exc.TooManyAttempts: 429,
    exc.PermissionDenied: 403,
    exc.PayloadTooLarge: 413,
    exc.NotAcceptable: 406,
    exc.QueryTooLarge: 413,
    exc.VerificationFailed: 422,
    exc.LedgerBroken: 409,
    exc.EnvelopeRejected: 422,
    exc.StoreUnavailable: 503,
    exc.NotReady: 409,
}


def http_status(error: exc.CorridorError) -> int:
    """The HTTP status of a domain error (the nearest mapped ancestor wins)."""
    return status_of(type(error))


def status_of(kind: type[exc.CorridorError]) -> int:
    """The HTTP status of a kind of domain error (the nearest mapped ancestor wins)."""
    for cls in kind.__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500
