"""The console's frame: who is signed in, CSRF on every POST, Japanese error pages, security headers, templates."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hosho.api.auth import ACTOR_NAME
from hosho.console import words
from hosho.console.security import CSRF_FIELD, CSRF_HEADER, SessionCodec, SessionData, csrf_matches, same_origin
from hosho.domain.calendar import JST
from hosho.explain import WEEKDAYS_JA
from hosho.service import users
from hosho.service.context import Actor, Hosho, Role, ServiceError

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


class CsrfRejected(Exception):
    pass


def date_ja(d: date | str | None) -> str:
    if d is None:
        return "—"
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return f"{d.year}年{d.month}月{d.day}日({WEEKDAYS_JA[d.weekday()]})"


def datetime_ja(t: datetime | str | None) -> str:
    if t is None:
        return "—"
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    if t.tzinfo is not None:
        t = t.astimezone(JST)
    return f"{date_ja(t.date())} {t:%H:%M}"


def yen(amount: int | None) -> str:
    return "—" if amount is None else f"{amount:,}円"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hosho.console", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(date_ja=date_ja, datetime_ja=datetime_ja, yen=yen)
    env.globals["words"] = words
    return env


@dataclass
class Console:
    hosho: Hosho
    sessions: SessionCodec
    templates: Environment

    @classmethod
    def build(cls, hosho: Hosho, secret: bytes) -> Console:
        return cls(hosho, SessionCodec(secret), _environment())

    def render(self, request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        notice = words.NOTICES.get(request.query_params.get("notice", ""))
        base = {"request": request, "operator": None, "notice": notice, "today": self.hosho.today(), "error": None}
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
            raise ServiceError(403, "forbidden", "this role may not use this page")

    def render(self, request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
        return self.console.render(request, template, {"operator": self, **context}, status=status)


def console_of(request: Request) -> Console:
    console = request.scope[SCOPE_KEY]
    assert isinstance(console, Console)
    return console


def signed_in(request: Request) -> Operator:
    console = console_of(request)
    session = console.sessions.read(request)
    if session is None or session.user_id is None:
        raise SignInRequired
    user = users.get_user(console.hosho, session.user_id)
    if user is None:
        raise SignInRequired
    setattr(request.state, ACTOR_NAME, user.actor.name)  # the access log's line names the user
    return Operator(console, user, session)


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
                    response = _error_page(console, request, 403, "csrf")
                except ServiceError as error:
                    response = _error_page(console, request, error.status, error.code)
                except HTTPException as refused:
                    if refused.status_code != 413:  # the body gate's (hosho.api.limits): a Japanese page
                        raise
                    response = _error_page(console, request, 413, "too_large")
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


def _error_page(console: Console, request: Request, status: int, code: str) -> HTMLResponse:
    operator = None
    session = console.sessions.read(request)
    if session is not None and session.user_id is not None:
        user = users.get_user(console.hosho, session.user_id)
        operator = Operator(console, user, session) if user is not None else None
    message = words.ERRORS.get(code, "処理できませんでした。時間をおいて、もう一度お試しください。")
    heading = "見つかりません" if status == 404 else "お受けできません"
    context = {"operator": operator, "message": message, "heading": heading}
    return console.render(request, "error.html", context, status=status)
