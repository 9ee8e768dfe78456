"""The contract page: status, coverage timeline, products, subscriber, cases, history; the certificate PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from hosho.certificates.data import certificate_data
from hosho.certificates.pdf import ENDED_MARKS, CertificateFontError, render_certificate
from hosho.console.app import SignedIn
from hosho.domain.program import ProgramVersion
from hosho.presentation import formats, words
from hosho.presentation.formats import DateStyle
from hosho.programs.catalog import Catalog
from hosho.service import adjudication, contracts, people
from hosho.service.cases import INTAKE, REPAIR_DESK
from hosho.service.context import ServiceError
from hosho.service.refunds import CANCELLERS
from hosho.service.results import AuditEntry, ContractView
from hosho.service.views import certificate_display

# The timeline is drawn in a 1000-wide SVG box; these are its left and right edges for dates.
LEFT, RIGHT = 30, 970


def terms_of(catalog: Catalog, view: ContractView) -> ProgramVersion:
    program = catalog.program(view.program)
    return next(v for v in program.versions if v.version == view.terms_version)


def timeline(view: ContractView, today: date) -> dict[str, Any]:
    """Where the maker warranty, the coverage, today and the consumable replacement fall, on one scale."""
    start: date = view.purchase_date
    end: date = view.coverage_end
    span = max((end - start).days, 1)

    def x(d: date) -> float:
        clamped = min(max(d, start), end)
        return round(LEFT + (RIGHT - LEFT) * (clamped - start).days / span, 1)

    def bar(label: str, css: str, first: date, last: date) -> dict[str, Any]:
        left = x(first)
        return {"label": label, "css": css, "from": first, "to": last, "x": left, "width": max(x(last) - left, 2)}

    maker_end: date | None = view.manufacturer_warranty_end
    bars = [bar("メーカー保証", "maker", start, maker_end)] if maker_end is not None else []
    bars.append(bar("保証期間", "coverage", view.coverage_start, end))
    markers = [{"label": "本日", "css": "today", "on": today, "x": x(today), "outside": not start <= today <= end}]
    around = view.consumable_replacement.around
    if around is not None:
        markers.append({"label": "消耗部品の交換", "css": "consumable", "on": around, "x": x(around), "outside": False})
    years = []
    for n in range(1, span // 365 + 1):
        try:
            tick = start.replace(year=start.year + n)
        except ValueError:  # bought on 29 February
            tick = start.replace(year=start.year + n, day=28)
        if tick < end:
            years.append({"label": f"{n}年", "x": x(tick)})
    return {"bars": bars, "markers": markers, "years": years, "start": start, "end": end}


def history(
    entries: list[AuditEntry], names: dict[str, str] | None = None, style: DateStyle = DateStyle.SEIREKI
) -> list[dict[str, Any]]:
    """The audit trail as the agent reads it: when, who (by name), what, and what changed."""
    names = names or {}
    rows = []
    for entry in reversed(entries):
        before, after = entry.before or {}, entry.after or {}
        changes = []
        for key, label in words.AUDITED_FIELDS.items():
            old, new = before.get(key), after.get(key)
            if old != new and new is not None:
                old, new = _shown(key, old, style), _shown(key, new, style)
                changes.append(f"{label}: {old} → {new}" if old else f"{label}: {new}")
        if after.get("refund") is not None and before.get("refund") != after.get("refund"):
            changes.append(f"返金額: {formats.yen(after['refund'])}")
        changes += _case_note(entry)
        rows.append(
            {
                "at": entry.at,
                "who": words.actor_name(entry.actor, names),
                "action": words.ACTIONS.get(entry.action, entry.action),
                "changes": changes,
            }
        )
    return rows


def _case_note(entry: AuditEntry) -> list[str]:
    """A decision after intake: the case, its outcome and the words given for it (note, third party's opinion)."""
    note = entry.case
    if note is None:
        return []
    shown = [f"{note.number}件目: {words.DECISIONS.get(note.decision, note.decision)}" if note.decision else ""]
    if entry.action == "case.diagnosis" and note.reproduced is False:
        shown.append("症状は再現せず")
    text = note.opinion if entry.action == "case.third_party_opinion" else note.note
    if text:
        shown.append(f"{words.CASE_NOTES.get(entry.action, 'メモ')}: {text}")
    return [line for line in shown if line]


def _shown(key: str, value: Any, style: DateStyle) -> str | None:
    if value is None:
        return None
    if key == "status":
        return words.STATUSES.get(str(value), str(value))
    if key == "certificate_number":
        return certificate_display(value)
    if key.endswith("_on"):
        return formats.day(date.fromisoformat(value), style)
    return str(value)


def routes(router: APIRouter) -> None:
    @router.get("/contracts/{contract_id}", name="console.contract")
    def contract_page(request: Request, op: SignedIn, contract_id: int) -> Response:
        view = contracts.get(op.hosho, op.actor, contract_id)
        catalog = op.hosho.rules.catalog
        terms = terms_of(catalog, view)
        trail = contracts.audit_trail(op.hosho, op.actor, contract_id)
        today = op.hosho.today()
        names = people.display_names(op.hosho, {entry.actor for entry in trail})
        status = "expired" if view.status == "active" and view.coverage_end < today else view.status
        return op.render(
            request,
            "contract.html",
            {
                "c": view,
                "terms": terms,
                "causes": catalog.vocabulary.causes,
                "timeline": timeline(view, today),
                # The certificate of a contract no longer in force carries this mark (certificates/pdf.py).
                "ended_mark": ENDED_MARKS[status][0] if status in ENDED_MARKS else None,
                "history": history(trail, names, op.date_style),
                "retailer_name": people.retailer_name(op.hosho, view.retailer),
                "item_history": adjudication.item_histories(view),
                "consumable_notice": terms.consumables.notice if terms.consumables else None,
                "can_intake": op.may(INTAKE),
                "can_record": op.may(REPAIR_DESK),
                "can_cancel": op.may(CANCELLERS),
                "can_report": op.may(contracts.WRITERS),
            },
        )

    @router.get("/contracts/{contract_id}/certificate.pdf", name="console.certificate")
    def certificate(op: SignedIn, contract_id: int) -> Response:
        row, contract = contracts.certificate_row(op.hosho, op.actor, contract_id)
        data = certificate_data(row, contract, today=op.hosho.today())
        try:
            pdf = render_certificate(data)
        except CertificateFontError as error:
            raise ServiceError("certificate_font", str(error)) from None
        filename = f"certificate-{data.certificate_number}.pdf"
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
