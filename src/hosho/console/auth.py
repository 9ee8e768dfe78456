"""Sign-in and sign-out. The sign-in form has a CSRF token too (from an anonymous session), against login CSRF.

Signing in opens a session in the database (service.sessions) and signing out deletes it; repeated failures are
answered 429 with Retry-After and a page that says, in Japanese, when the user may try again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from hosho.console.app import Console, ConsoleDep, SignedIn, redirect
from hosho.domain.calendar import JST
from hosho.presentation import words
from hosho.service import sessions

HOME = "/console/"


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (an open redirect would help a phishing mail)."""
    if not target or not target.startswith("/console/") or target.startswith("/console/login"):
        return HOME
    if "\\" in target or "//" in target or any(ord(ch) < 0x20 for ch in target):
        return HOME
    return target


def throttled_message(refused: sessions.SignInThrottled, now: datetime) -> str:
    """When the user may try again, in Japanese: a clock time for a lock, seconds for a short wait."""
    if not refused.locked:
        return words.SIGN_IN_WAIT.format(seconds=refused.retry_after)
    until = refused.until.astimezone(JST)
    if until.second or until.microsecond:  # rounded up: never a time at which it is still locked
        until = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    at = f"{until.hour}時{until.minute:02d}分"
    if until.date() != now.astimezone(JST).date():
        at = f"{until.month}月{until.day}日 {at}"
    template = words.SIGN_IN_LOCKED_USER if refused.scope == sessions.USER else words.SIGN_IN_LOCKED_ADDRESS
    return template.format(at=at)


def routes(router: APIRouter) -> None:
    @router.get("/login", name="console.login")
    def login_page(request: Request, console: ConsoleDep, next: str | None = None) -> Response:
        if console.operator(request) is not None:
            return redirect(safe_next(next))
        session = console.sessions.read(request)
        if session is None or session.token is not None:  # none yet, or one that has ended
            session = console.sessions.new()
        response = console.render(
            request, "login.html", {"csrf": session.csrf, "next": safe_next(next), "username": ""}
        )
        console.sessions.write(response, session, request)
        return response

    @router.post("/login")
    def login(
        request: Request,
        console: ConsoleDep,
        username: Annotated[str, Form(max_length=200)] = "",
        password: Annotated[str, Form(max_length=1000)] = "",
        next: Annotated[str, Form(max_length=2000)] = HOME,
    ) -> Response:
        address = request.client.host if request.client is not None else "unknown"
        try:
            signed = (
                sessions.sign_in(console.hosho, console.settings, username=username, password=password, address=address)
                if username and password
                else None
            )
        except sessions.SignInThrottled as refused:
            answer = _again(console, request, username, next, throttled_message(refused, console.hosho.clock()), 429)
            answer.headers["Retry-After"] = str(refused.retry_after)
            return answer
        if signed is None:
            # 200, not 401: HTTP's 401 is for the WWW-Authenticate challenge, which a form sign-in is not.
            return _again(console, request, username, next, words.SIGN_IN_WRONG, 200)
        previous = console.sessions.read(request)
        if previous is not None and previous.token is not None:  # signing in again over a session ends that one
            sessions.end_session(console.hosho, previous.token)
        response = redirect(safe_next(next))
        console.sessions.write(response, console.sessions.new(signed.user.id, signed.token), request)
        return response

    @router.post("/logout")
    def logout(op: SignedIn) -> Response:
        if op.session.token is not None:
            sessions.end_session(op.hosho, op.session.token)
        response = redirect("/console/login?notice=signed_out")
        op.console.sessions.clear(response)
        return response


def _again(console: Console, request: Request, username: str, next: str, error: str, status: int) -> Response:
    """The sign-in form again, with its message and the anonymous session's token (csrf_guard has checked it)."""
    session = console.sessions.read(request)
    assert session is not None
    context = {"csrf": session.csrf, "next": safe_next(next), "username": username, "error": error}
    return console.render(request, "login.html", context, status=status)
