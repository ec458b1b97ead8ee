"""The web UI: server-rendered pages (Jinja2 + htmx) over `corridor.services`, mounted by the
node's app under `/ui`. Every asset is served from the package (no CDN); pages carry a
Content-Security-Policy that lets them load nothing from any other host.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor import exceptions as exc
from corridor.http_status import http_status
from corridor.services import Context
from corridor.web.pages import customs, issuing, node, public, shipments, tracking
from corridor.web.view import CsrfFailed, SignInNeeded, View, view

PREFIX = "/ui"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


class PagePolicy:
    """Every UI response may load only from the node itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", CSP.encode()),
                    (b"cache-control", b"no-store"),
                ]
            await send(message)

        await self.app(scope, receive, with_policy if scope["type"] == "http" else send)


def create_web_app(ctx: Context) -> FastAPI:
    """The UI of one node, to mount under `PREFIX`."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.context = ctx
    folder = resources.files("corridor.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(folder)), name="static")
    for module in (public, shipments, issuing, tracking, customs, node):
        app.include_router(module.router)

    async def error_page(
        request: Request, status: int, message: str, v: View | None = None
    ) -> Response:
        shown: View = await run_in_threadpool(view, request) if v is None else v
        return shown.page("error.html", status=status, message=message, status_code=status)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        back = quote(request.url.path, safe="/")
        return RedirectResponse(f"{root}/signin?next={back}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _: CsrfFailed) -> Response:
        v = await run_in_threadpool(view, request)
        return await error_page(
            request,
            403,
            v._(
                "The form was out of date or did not come from this site; nothing was "
                "changed. Reload the page and try again."
            ),
            v,
        )

    @app.exception_handler(exc.AuthenticationFailed)
    async def _auth(request: Request, error: exc.AuthenticationFailed) -> Response:
        return await error_page(request, 401, error.detail)

    @app.exception_handler(exc.CorridorError)
    async def _domain(request: Request, error: exc.CorridorError) -> Response:
        v = await run_in_threadpool(view, request)
        # Field problems without a code keep their field beside the refusal.
        message = v.refusal(error)
        details = "; ".join(f"{e.field}: {e.message}" for e in error.errors[:5] if not e.said)
        return await error_page(
            request, http_status(error), message + (f" ({details})" if details else ""), v
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
            for e in list(error.errors())[:5]
        )
        return await error_page(request, 422, fields)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        v = await run_in_threadpool(view, request)
        message = v._("There is no such page.") if error.status_code == 404 else str(error.detail)
        return await error_page(request, error.status_code, message, v)

    app.add_middleware(PagePolicy)
    return app


def install(app: FastAPI, ctx: Context) -> None:
    """Mount the UI on the node's app, with `/` leading to it."""

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> RedirectResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return RedirectResponse(f"{root}{PREFIX}/", status_code=307)

    app.mount(PREFIX, create_web_app(ctx), name="ui")
