"""The console's frame: who is signed in, CSRF on every POST, Japanese error pages, security headers, templates."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hosho.console.security import CSRF_FIELD, CSRF_HEADER, SessionCodec, SessionData, csrf_matches, same_origin
from hosho.logs import ACTOR_NAME
from hosho.presentation import formats, words
from hosho.presentation.formats import DateStyle
from hosho.service import preferences, sessions, users
from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.settings import SessionSettings

SCOPE_KEY = "hosho.console"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = {
    # Everything the console loads is its own: no inline script, no CDN (htmx is vendored under static/).
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # pages hold subscribers' personal data
}


class SignInRequired(Exception):
    pass


class RefusedBeforeBody(HTTPException):
    """A console request refused before its body is read (hosho.api.limits' gate): `code` is `sign_in` or the
    error page's code. An HTTPException, so that FastAPI passes it on from the body's reading."""

    def __init__(self, code: str) -> None:
        super().__init__(403, code, headers={"Connection": "close"})
        self.code = code


class CsrfRejected(Exception):
    pass


def date_ja(d: date | str | None, style: DateStyle = DateStyle.SEIREKI) -> str:
    """A date as formats.day writes it; the audit trail's and events' JSON hold dates as ISO text."""
    return formats.day(date.fromisoformat(d) if isinstance(d, str) else d, style)


def datetime_ja(t: datetime | str | None, style: DateStyle = DateStyle.SEIREKI) -> str:
    return formats.moment(datetime.fromisoformat(t) if isinstance(t, str) else t, style)


def _style(context: Context) -> DateStyle:
    """The signed-in user's way of writing dates (their setting), 西暦 on pages nobody is signed in to."""
    style = context.get("date_style")
    return style if isinstance(style, DateStyle) else DateStyle.SEIREKI


@pass_context
def _date_filter(context: Context, d: date | str | None) -> str:
    return date_ja(d, _style(context))


@pass_context
def _datetime_filter(context: Context, t: datetime | str | None) -> str:
    return datetime_ja(t, _style(context))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hosho.console", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(date_ja=_date_filter, datetime_ja=_datetime_filter, yen=formats.yen)
    env.filters.update(phone=formats.phone, kana=formats.kana, postal=formats.postal)
    env.globals["words"] = words
    env.globals["case_name"] = formats.case_name
    return env


@dataclass
class Console:
    hosho: Hosho
    sessions: SessionCodec
    templates: Environment
    settings: SessionSettings

    @classmethod
    def build(cls, hosho: Hosho, secret: bytes, settings: SessionSettings) -> Console:
        # The cookie's own age runs on the application's clock too, with the sessions' absolute limit.
        codec = SessionCodec(
            secret, clock=lambda: hosho.clock().timestamp(), max_age=int(settings.absolute.total_seconds())
        )
        return cls(hosho, codec, _environment(), settings)

    def operator(self, request: Request) -> Operator | None:
        """The signed-in user of this request, if its cookie names a live session."""
        session = self.sessions.read(request)
        if session is None or session.token is None:
            return None
        user = sessions.session_user(self.hosho, self.settings, session.token)
        return Operator(self, user, session) if user is not None else None

    def render(self, request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        notice = words.NOTICES.get(request.query_params.get("notice", ""))
        base = {
            "request": request,
            "operator": None,
            "notice": notice,
            "today": self.hosho.today(),
            "error": None,
            "date_style": DateStyle.SEIREKI,
        }
        html = self.templates.get_template(template).render({**base, **context})
        return HTMLResponse(html, status_code=status)


@dataclass(frozen=True, slots=True)
class Operator:
    """The signed-in user of this request, with the console it is using."""

    console: Console
    user: users.User
    session: SessionData

    @property
    def hosho(self) -> Hosho:
        return self.console.hosho

    @property
    def actor(self) -> Actor:
        return self.user.actor

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def may(self, roles: Iterable[Role]) -> bool:
        return self.user.role in set(roles)

    def require(self, roles: Iterable[Role]) -> None:
        if not self.may(roles):
            raise ServiceError("forbidden", "this role may not use this page")

    @property
    def date_style(self) -> DateStyle:
        return preferences.date_style(self.hosho, self.user.id)

    def render(self, request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        page = {"operator": self, "date_style": self.date_style, **context}
        return self.console.render(request, template, page, status=status)


def console_of(request: Request) -> Console:
    console = request.scope[SCOPE_KEY]
    assert isinstance(console, Console)
    return console


def signed_in(request: Request) -> Operator:
    operator = console_of(request).operator(request)
    if operator is None:
        raise SignInRequired
    setattr(request.state, ACTOR_NAME, operator.actor.name)  # the access log's line names the user
    return operator


async def csrf_guard(request: Request) -> None:
    """Every unsafe request carries the session's token: a form field, or the header htmx sends."""
    if request.method in SAFE_METHODS:
        return
    session = console_of(request).sessions.read(request)
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not (csrf_matches(session, presented) and same_origin(request)):
        raise CsrfRejected


ConsoleDep = Annotated[Console, Depends(console_of)]
SignedIn = Annotated[Operator, Depends(signed_in)]


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def route_class(console: Console) -> type[APIRoute]:
    """Routes that know their console, answer refusals with Japanese pages and send the security headers."""

    class ConsoleRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            original = super().get_route_handler()

            async def handler(request: Request) -> Response:
                request.scope[SCOPE_KEY] = console
                try:
                    response = await original(request)
                except SignInRequired:
                    response = _to_sign_in(request)
                except CsrfRejected:
                    response = _error_page(console, request, "csrf")
                except ServiceError as error:
                    response = _error_page(console, request, error.code)
                except RefusedBeforeBody as refused:
                    response = (
                        _to_sign_in(request)
                        if refused.code == "sign_in"
                        else _error_page(console, request, refused.code)
                    )
                    response.headers.update(refused.headers or {})
                except HTTPException as refused:
                    if refused.status_code != 413:  # the body gate's (hosho.api.limits): a Japanese page
                        raise
                    response = _error_page(console, request, "too_large")
                    response.headers.update(refused.headers or {})
                for name, value in SECURITY_HEADERS.items():
                    response.headers.setdefault(name, value)
                return response

            return handler

    return ConsoleRoute


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/console/login?next={quote(target, safe='')}"
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load (a 303 would be swapped into the page).
        return Response(status_code=200, headers={"HX-Redirect": url})
    return redirect(url)


# The status of the page that says a refusal (the browser shows the message; the status is for tools and tests).
PAGE_STATUSES = {
    "not_found": 404,
    "no_page": 404,
    "forbidden": 403,
    "csrf": 403,
    "too_large": 413,
    "certificate_font": 503,
    "invalid_request": 422,
    "invalid_contract": 422,
}


def _error_page(console: Console, request: Request, code: str) -> HTMLResponse:
    status = PAGE_STATUSES.get(code, 409)
    operator = console.operator(request)
    message = words.error_message(code)
    heading = "見つかりません" if status == 404 else "お受けできません"
    context = {"operator": operator, "message": message, "heading": heading}
    return console.render(request, "error.html", context, status=status)
