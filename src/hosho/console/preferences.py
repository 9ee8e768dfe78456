"""The signed-in user's own settings (表示の設定): how dates are written to them, 西暦 or 和暦."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from hosho.console.app import SignedIn, redirect
from hosho.presentation import formats
from hosho.presentation.formats import DateStyle
from hosho.service import preferences

STYLES = {DateStyle.SEIREKI: "西暦", DateStyle.WAREKI: "和暦"}
# The day each choice is shown with, so that the user sees what they choose.
EXAMPLE = date(2026, 12, 4)


def routes(router: APIRouter) -> None:
    @router.get("/settings", name="console.settings")
    def settings_page(request: Request, op: SignedIn) -> Response:
        # Every role has settings of its own: no role check beyond being signed in.
        examples = {style: formats.day(EXAMPLE, style) for style in STYLES}
        return op.render(request, "settings.html", {"styles": STYLES, "examples": examples, "chosen": op.date_style})

    @router.post("/settings", name="console.settings_save")
    def save(op: SignedIn, date_style: Annotated[str, Form()] = "") -> Response:
        preferences.set_date_style(op.hosho, op.user.id, date_style)
        return redirect("/console/settings?notice=settings_saved")
