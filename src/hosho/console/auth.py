"""Sign-in and sign-out. The sign-in form has a CSRF token too (from an anonymous session), against login CSRF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from hosho.console.app import ConsoleDep, SignedIn, redirect
from hosho.service import users

HOME = "/console/"


def safe_next(target: str | None) -> str:
    """Only a path inside the console: never another site (an open redirect would help a phishing mail)."""
    if not target or not target.startswith("/console/") or target.startswith("/console/login"):
        return HOME
    if "\\" in target or "//" in target or any(ord(ch) < 0x20 for ch in target):
        return HOME
    return target


def routes(router: APIRouter) -> None:
    @router.get("/login", name="console.login")
    def login_page(request: Request, console: ConsoleDep, next: str | None = None) -> Response:
        session = console.sessions.read(request)
        if session is not None and session.user_id is not None and users.get_user(console.hosho, session.user_id):
            return redirect(safe_next(next))
        if session is None or session.user_id is not None:
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
        user = users.authenticate_user(console.hosho, username, password) if username and password else None
        if user is None:
            session = console.sessions.read(request)
            assert session is not None  # csrf_guard has checked it
            return console.render(
                request,
                "login.html",
                {
                    "csrf": session.csrf,
                    "next": safe_next(next),
                    "username": username,
                    "error": "ユーザー名またはパスワードが正しくありません。",
                },
                # 200, not 401: HTTP's 401 is for the WWW-Authenticate challenge, which a form sign-in is not.
            )
        response = redirect(safe_next(next))
        console.sessions.write(response, console.sessions.new(user.id), request)
        return response

    @router.post("/logout")
    def logout(op: SignedIn) -> Response:
        response = redirect("/console/login?notice=signed_out")
        op.console.sessions.clear(response)
        return response
