"""One request as the web UI sees it: the node, the language, the signed-in session, the
CSRF token its forms carry, and the page it renders.

A session cookie (HttpOnly, SameSite=Strict, Secure under TLS, scoped to the UI's path)
names a server-side session (`services.sessions`). Every form carries a CSRF token: the
session's own once signed in, before that a random token also kept in a cookie (double
submit). A POST without the matching token is refused before anything is read from it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from corridor import __version__
from corridor.exceptions import AuthenticationFailed, CorridorError, PermissionDenied
from corridor.messages import MESSAGES, fill
from corridor.model import Officer, Organisation, Role
from corridor.services import Context, sessions
from corridor.services.sessions import WebSession
from corridor.web import i18n
from corridor.web.labels import FIELDS, LABELS

R = TypeVar("R", bound=Response)
SESSION_COOKIE = "corridor_session"
CSRF_COOKIE = "corridor_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class SignInNeeded(Exception):
    """The page needs a signed-in user; the UI sends the browser to the sign-in page."""


class CsrfFailed(Exception):
    """A form arrived without this session's CSRF token."""


@cache
def environment(locale: str, zone: str = "UTC") -> jinja2.Environment:
    """The templates, with gettext in `locale` and times shown in `zone` (an IANA name): one
    environment per language and zone."""
    folder = str(resources.files("corridor.web").joinpath("templates"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    shown_in = ZoneInfo(zone)
    env.filters["when"] = lambda v: moment(v, locale, shown_in)
    env.filters["stamp"] = lambda v: moment(datetime.fromtimestamp(v, UTC), locale, shown_in)
    env.filters["show"] = shown
    words = i18n.translations(locale).gettext
    env.filters["label"] = lambda code: words(LABELS[str(code)]) if str(code) in LABELS else code
    env.filters["number"] = lambda v, digits=1: i18n.number(v, locale, digits)
    env.filters["field"] = lambda name: (
        words(FIELDS[name]) if name in FIELDS else str(name).replace("_", " ")
    )
    env.tests["rows"] = is_rows
    env.globals.update(version=__version__, locales=i18n.NAMES, lang=locale, columns=columns)
    return env


def moment(value: datetime | None, locale: str, zone: ZoneInfo) -> Markup | str:
    """A time in the node's zone, as a `<time>` element whose title gives it in UTC."""
    if value is None:
        return "—"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        i18n.aware(value).astimezone(UTC).isoformat(),
        i18n.when(value, locale),
        i18n.when(value, locale, zone),
    )


def is_rows(value: Any) -> bool:
    """Whether a received value reads best as a table: a list of objects (goods lines)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """The keys of a table's rows, in the order they first appear."""
    return list(dict.fromkeys(k for row in rows for k in row))


def shown(value: Any) -> str:
    """A received field's value as a person reads it: objects as 'key: value' pairs, lists
    one entry after another."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    return "—" if value is None else str(value)


@dataclass
class View:
    """The request, the node, the language and who is signed in."""

    request: Request
    ctx: Context
    locale: str
    session: WebSession | None
    token: str | None
    anonymous_csrf: str
    new_csrf_cookie: bool = False
    cookies: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def base(self) -> str:
        """The path the UI is mounted at (e.g. '/ui', or '/nodes/ro/ui')."""
        return str(self.request.scope.get("root_path", "")).rstrip("/")

    def url(self, path: str) -> str:
        """A path inside the UI."""
        return self.base + path

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else self.anonymous_csrf

    def _(self, message: str, **values: Any) -> str:
        """A message of the web modules in the request's language."""
        text = i18n.translations(self.locale).gettext(message)
        return text % values if values else text

    def words(self, said: tuple[str, dict[str, str]] | None, english: str) -> str:
        """A domain message in the request's language where it has a code, else as sent."""
        if said and said[0] in MESSAGES:
            params = {k: self._param(k, v) for k, v in said[1].items()}
            return fill(self._(MESSAGES[said[0]]), params)
        return english

    def _param(self, key: str, value: str) -> str:
        """A message's parameter in the reader's language where it is a word of ours (a
        document kind, an organisation's role or roles), else as it is (data)."""
        if key == "kind":
            return self._(value)
        if key in ("role", "providers"):
            roles = [self._(LABELS.get(f"party:{r}", r)) for r in value.split(" or ")]
            return f" {self._('or')} ".join(roles)
        return value

    def said(self, error: Any) -> str:
        """A validation error's message in the request's language: by its code where it has
        one (`corridor.messages`), else as the model wrote it."""
        english = str(error["msg"]).removeprefix("Value error, ")
        return self.words((str(error.get("type")), error.get("ctx") or {}), english)

    def refusal(self, error: CorridorError) -> str:
        """A domain refusal in the request's language: its coded field problems where it has
        them (they say it all), else its detail."""
        coded = [self.words(e.said, e.message) for e in error.errors if e.said]
        return " ".join(coded) if coded else self.words(error.said, error.detail)

    # Who may see what ------------------------------------------------------------------
    def need(self, *roles: Role) -> Organisation:
        """The signed-in organisation, if it has one of `roles` (any, when none given)."""
        if self.session is None:
            raise SignInNeeded
        org = self.session.organisation
        if roles and org.role not in roles:
            raise PermissionDenied(self._("This page is not for your organisation's role."))
        return org

    def need_officer(self) -> Officer:
        """The signed-in customs officer."""
        if self.session is None:
            raise SignInNeeded
        if self.session.officer is None:
            raise PermissionDenied(
                self._("Customs pages need an officer's own key; sign in with yours.")
            )
        return self.session.officer

    # Forms -----------------------------------------------------------------------------
    async def form(self) -> FormData:
        """The posted form, once its CSRF token is checked."""
        data = await self.request.form()
        sent = self.request.headers.get(CSRF_HEADER) or data.get(CSRF_FIELD)
        sent_text = sent if isinstance(sent, str) else None
        if self.session is not None:
            ok = sessions.csrf_matches(self.session, sent_text)
        else:
            cookie = self.request.cookies.get(CSRF_COOKIE)
            ok = bool(cookie) and cookie == sent_text
        if not ok:
            raise CsrfFailed
        return data

    # Responses -------------------------------------------------------------------------
    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        """A rendered page (or an htmx fragment, for a template whose name starts with _)."""
        env = environment(self.locale, self.ctx.zone.key)
        html = env.get_template(template).render(
            view=self,
            who=self.session.organisation if self.session else None,
            officer=self.session.officer if self.session else None,
            csrf=self.csrf,
            base=self.base,
            api_root=self.base.removesuffix("/ui"),
            path=self.request.url.path,
            place=self.place,
            **values,
        )
        return self.finish(HTMLResponse(html, status_code=status))

    def place(self, node_id: str | None) -> str:
        """A node of the network by its name (its id when the network does not know it)."""
        if not node_id:
            return "—"
        node = self.ctx.network.nodes.get(node_id)
        return node.name if node else node_id

    def redirect(self, path: str) -> RedirectResponse:
        """See-other to a page of the UI (after a form)."""
        return self.finish(RedirectResponse(self.url(path), status_code=303))

    def finish(self, response: R) -> R:
        """Set the cookies this request decided on."""
        secure = self.request.url.scheme == "https"
        path = self.base or "/"
        if self.new_csrf_cookie:
            response.set_cookie(
                CSRF_COOKIE,
                self.anonymous_csrf,
                path=path,
                httponly=True,
                samesite="strict",
                secure=secure,
            )
        for name, value in self.cookies:
            # A session is one node's (its path); the language is the person's, on every
            # node this host serves (/ui and /nodes/<node>/ui alike).
            where = "/" if name == i18n.COOKIE else path
            if value is None:
                response.delete_cookie(name, path=where, secure=secure, samesite="strict")
            else:
                response.set_cookie(
                    name,
                    value,
                    path=where,
                    httponly=True,
                    samesite="strict",
                    secure=secure,
                    max_age=int(sessions.SESSION_TTL.total_seconds())
                    if name == SESSION_COOKIE
                    else 365 * 86400,
                )
        return response


def view(request: Request) -> View:
    """The request's view (a FastAPI dependency)."""
    ctx: Context = request.app.state.context
    token = request.cookies.get(SESSION_COOKIE)
    session = None
    stale = False
    if token:
        try:
            session = sessions.resume(ctx, token, ctx.clock())
        except AuthenticationFailed:
            token, stale = None, True
    locale = i18n.negotiate(
        request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    existing = request.cookies.get(CSRF_COOKIE)
    anonymous = existing if existing and len(existing) <= 64 else secrets.token_urlsafe(32)
    return View(
        request=request,
        ctx=ctx,
        locale=locale,
        session=session,
        token=token,
        anonymous_csrf=anonymous,
        new_csrf_cookie=anonymous != existing,
        cookies=[(SESSION_COOKIE, None)] if stale else [],
    )
