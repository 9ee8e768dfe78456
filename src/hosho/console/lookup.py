"""Search as the agent types: one box for a certificate number, a phone number, a serial or a name."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from hosho.console.app import Operator, SignedIn, is_htmx, redirect
from hosho.service import lookup
from hosho.service.results import ContractView
from hosho.service.search import code_key, name_key

KINDS = {
    "auto": "自動で判別",
    "certificate_number": "加入者証番号",
    "phone": "電話番号",
    "serial": "製造番号",
    "name": "お名前(漢字・カナ)",
}
PER_PAGE = 20
MAX_QUERY = 100
# One character of a name matches a tenth of all subscribers (山…): it finds no caller and costs the server seconds.
MIN_NAME = 2
_CERTIFICATE = re.compile(r"[A-Z]+\d{13}")


def criteria(query: str, kind: str = "auto") -> list[dict[str, str]]:
    """The searches to run: the chosen field, or every field the text can be (full or half width, hyphens)."""
    text = unicodedata.normalize("NFKC", query).strip()[:MAX_QUERY]
    if not text:
        return []
    if kind == "name" and len(name_key(text)) < MIN_NAME:
        return []
    if kind in KINDS and kind != "auto":
        return [{kind: text}]
    compact = code_key(text)
    found: list[dict[str, str]] = []
    if _CERTIFICATE.fullmatch(compact):
        found.append({"certificate_number": text})
    if compact.isdigit():
        found.append({"phone": text})
    if compact.isascii() and compact.isalnum():
        found.append({"serial": text})
    if not compact.isdigit() and not _CERTIFICATE.fullmatch(compact) and len(name_key(text)) >= MIN_NAME:
        found.append({"name": text})
    return found


def find(op: Operator, query: str, kind: str) -> dict[str, Any]:
    items: dict[int, ContractView] = {}
    total, capped = 0, False
    searches = criteria(query, kind)
    for search in searches:
        found = lookup.search(
            op.hosho,
            op.actor,
            certificate_number=search.get("certificate_number"),
            phone=search.get("phone"),
            serial=search.get("serial"),
            name=search.get("name"),
            per_page=PER_PAGE,
        )
        total += found.total
        capped = capped or found.total_capped
        for item in found.items:
            items.setdefault(item.id, item)
    listed = list(items.values())[:PER_PAGE]
    return {
        "items": listed,
        "total": total if len(items) >= PER_PAGE else len(items),
        "total_capped": capped or total > lookup.TOTAL_LIMIT,
        "searched": bool(searches),
    }


def routes(router: APIRouter) -> None:
    @router.get("", include_in_schema=False)
    def bare() -> Response:
        return redirect("/console/")

    @router.get("/", name="console.home")
    def home(request: Request, op: SignedIn, q: str = "", kind: str = "auto") -> Response:
        kind = kind if kind in KINDS else "auto"
        results = find(op, q, kind) if q.strip() else None
        return op.render(request, "search.html", {"q": q, "kind": kind, "kinds": KINDS, "results": results})

    @router.get("/search", name="console.search")
    def results(request: Request, op: SignedIn, q: str = "", kind: str = "auto") -> Response:
        kind = kind if kind in KINDS else "auto"
        page_url = "/console/" + (f"?{urlencode({'q': q, 'kind': kind})}" if q.strip() else "")
        if not is_htmx(request):
            return redirect(page_url)
        found = find(op, q, kind) if q.strip() else None
        response = op.render(request, "_results.html", {"q": q, "results": found})
        response.headers["HX-Replace-Url"] = page_url
        return response
