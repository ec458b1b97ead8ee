"""RFC 9457 problem details: the one place where errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from corridor import exceptions as exc
from corridor.http_status import HTTP_STATUS, http_status, status_of
from corridor.messages import MESSAGES

log = logging.getLogger("corridor.api")

MEDIA_TYPE = "application/problem+json"
# Problem types are this node's own pages (`GET /problems/<code>`), written as references
# relative to the node's address (RFC 9457 §3.1.1: resolved against the document's URI).
TYPE_BASE = "/problems/"
# Problems the HTTP layer raises itself, beside the domain's (`corridor.exceptions`).
HTTP_PROBLEMS: dict[str, tuple[int, str, str]] = {
    "malformed-json": (400, "Malformed JSON", "The body is not JSON; send a JSON object."),
    "validation-failed": (422, "Validation failed",
                          "Fields of the request are invalid; `errors` names each one."),
    "payload-too-large": (413, "Payload too large", "The body is over the endpoint's limit."),
    "http-404": (404, "Not found", "There is no endpoint at this path; see /docs."),
    "http-405": (405, "Method not allowed", "The path takes other methods; see `Allow`."),
    "http-415": (415, "Unsupported media type", "Send the body in a media type /docs lists."),
    "internal-error": (500, "Internal error",
                       "The node failed to handle the request; nothing was changed."),
}  # fmt: skip


def catalogue() -> dict[str, tuple[int, str, str]]:
    """Every problem type a node answers with: its code, HTTP status, title and what it
    means (the domain's errors from their classes, the HTTP layer's from above)."""
    found = dict(HTTP_PROBLEMS)
    todo: list[type[exc.CorridorError]] = [exc.CorridorError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if ":" not in cls.code:
            doc = " ".join((cls.__doc__ or cls.title).split())
            found.setdefault(cls.code, (status_of(cls), cls.title, doc))
    return found


# Domain error -> HTTP status, shared with the web door (`corridor.http_status`).
STATUS = HTTP_STATUS

# How a client of the API takes the next step an error points to (see exceptions.HINTS).
HINTS: dict[str, str] = {
    "list_nodes": "GET /network/nodes lists the known node ids.",
    "list_organisations": "GET /organisations lists the registered organisations.",
    "rotate_key": "Ask the node's administrator to give it a signing key.",
    "run_as_node": "The operator starts it as one with "
    "'corridor serve --node NODE --org ORGANISATION'.",
}


def detail_for(error: exc.CorridorError) -> str:
    """The error's message, with the next step in the API's terms when it has one."""
    return f"{error.detail} {HINTS[error.hint]}" if error.hint else error.detail


class BodyTooLarge(Exception):
    """Raised inside the receive channel when a streamed body passes its limit."""


class ProblemField(BaseModel):
    """One invalid field: its message in English, and where the message has one, its code
    and parameters (`corridor.messages`), from which a client writes it in its own
    language."""

    field: str
    message: str
    code: str | None = None
    params: dict[str, str] | None = None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemField] = []
    # The detail's message code and parameters (`corridor.messages`), when it has them.
    code: str | None = None
    params: dict[str, str] | None = None


status_for = http_status


# The EPCIS 2.0 REST binding's exception for each status it names one for (a refused input
# stays 422 with its fields named, where the binding would answer 400).
_EPCIS_TYPES: dict[int, tuple[str, str]] = {
    401: ("epcisException:SecurityException", "Unauthorised request"),
    403: ("epcisException:SecurityException", "Client unauthorised"),
    404: ("epcisException:NoSuchResourceException", "Resource not found"),
    409: ("epcisException:ResourceAlreadyExistsException", "Resource already exists"),
    413: ("epcisException:CaptureLimitExceededException", "Capture payload too large"),
    500: ("epcisException:ImplementationException", "A server-side error occurred"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    request: Request,
    errors: list[ProblemField] | None = None,
    headers: dict[str, str] | None = None,
    said: tuple[str, dict[str, str]] | None = None,
) -> JSONResponse:
    """A problem+json response (under /epcis, in the binding's own exception types where
    the status is the binding's)."""
    if request.url.path.startswith("/epcis") and ":" not in code and status in _EPCIS_TYPES:
        code, title = _EPCIS_TYPES[status]
        if status == 404 and request.url.path.startswith("/epcis/queries/"):
            code = "epcisException:NoSuchNameException"
        elif status == 413 and not request.url.path.startswith("/epcis/capture"):
            code = "epcisException:QueryTooLargeException"
    body = Problem(
        # The EPCIS binding names its exceptions itself ("epcisException:…").
        type=code if ":" in code else TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
        code=said[0] if said else None,
        params=said[1] if said else None,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    # pydantic prefixes errors raised from validators; the sentence stands on its own.
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if err.get("type") == "missing":
        return "this field is required"
    if err.get("type") == "extra_forbidden":
        return "unknown field; remove it (see the schema at /docs)"
    return msg


def _problem_field(err: dict[str, Any]) -> ProblemField:
    """One refused field, with its message's code and parameters where it has them: the
    corridor's own codes (`corridor.messages`), or pydantic's error type for the others."""
    code = err.get("type")
    ours = code in MESSAGES
    return ProblemField(
        field=_field(tuple(err.get("loc", ()))),
        message=_message(err),
        code=str(code) if code else None,
        params={k: str(v) for k, v in (err.get("ctx") or {}).items()} if ours else None,
    )


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on this path (routers are asked method by method)."""
    methods = {
        method
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    }
    return sorted(methods)


# When a client may try again after the store failed (seconds): the node tries its own
# store again at least as often.
STORE_RETRY_AFTER_S = 5


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem response."""

    @app.exception_handler(exc.CorridorError)
    async def _domain(request: Request, error: exc.CorridorError) -> JSONResponse:
        status = status_for(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, exc.TooManyAttempts):
            headers = {"Retry-After": str(error.retry_after)}
        elif isinstance(error, exc.StoreUnavailable):
            # Nothing was written: the same request may be sent again shortly.
            headers = {"Retry-After": str(STORE_RETRY_AFTER_S)}
        fields = [
            ProblemField(
                field=e.field,
                message=e.message,
                code=e.said[0] if e.said else None,
                params=e.said[1] if e.said else None,
            )
            for e in error.errors
        ]
        if status == 422 and not fields:
            # Every refusal of the input names what it refused: the request, when no one
            # field is to blame.
            fields = [ProblemField(field="request", message=error.detail)]
        return problem(
            status,
            error.code,
            error.title,
            detail_for(error),
            request,
            fields,
            headers,
            error.said,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errs = list(error.errors())
        if any(e.get("type") == "json_invalid" for e in errs):
            return problem(
                400,
                "malformed-json",
                "Malformed JSON",
                "The request body is not valid JSON; send a JSON object with "
                "Content-Type: application/json.",
                request,
            )
        fields = [_problem_field(e) for e in errs]
        summary = "; ".join(f"{f.field}: {f.message}" for f in fields[:3])
        more = f" (and {len(fields) - 3} more)" if len(fields) > 3 else ""
        return problem(
            422,
            "validation-failed",
            "Validation failed",
            f"The request has {len(fields)} invalid field(s): {summary}{more}",
            request,
            fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if isinstance(error.__cause__, BodyTooLarge):
            return problem(
                413,
                "payload-too-large",
                "Payload too large",
                "The request body is larger than the limit for this endpoint; send a smaller body.",
                request,
            )
        titles = {404: "Not found", 405: "Method not allowed", 415: "Unsupported media type"}
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = f"There is no endpoint at {request.url.path}; see /docs for the API."
        headers = dict(error.headers) if error.headers else None
        if error.status_code == 405:
            # Every route on this path, not only the first one the router tried.
            allowed = _allowed_methods(request)
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
            detail = (
                f"{request.method} is not allowed on {request.url.path}; "
                f"use {' or '.join(allowed)} (see /docs)."
            )
        return problem(
            error.status_code,
            f"http-{error.status_code}",
            titles.get(error.status_code, "HTTP error"),
            detail,
            request,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal-error",
            "Internal error",
            "The node failed to handle this request; nothing was changed. "
            "The operator's log has the details.",
            request,
        )
