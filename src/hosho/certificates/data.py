"""The 加入者証 of a paid contract: its stored row and aggregate, put into the PDF renderer's words.

One builder for whoever asks: the API and the console print the same certificate.
A contract no longer in force (cancelled, transferred, ended by a replacement, expired) still has its certificate,
marked with its status and date on every page. A program whose call center has no phone number set has none: the
certificate would tell the subscriber nowhere to call.
"""

from __future__ import annotations

from datetime import date, timedelta

from hosho.certificates.pdf import CertificateData, PrintedClause, Product
from hosho.domain.contract import Contract, Status
from hosho.domain.enrollment import consumable_schedule
from hosho.domain.program import ProgramVersion
from hosho.presentation.formats import day
from hosho.presentation.words import SERVICE_MODES
from hosho.service.context import ServiceError
from hosho.service.views import certificate_display
from hosho.store import models as m


def key_clauses(terms: ProgramVersion, mode: str) -> tuple[PrintedClause, ...]:
    """Each key clause whole: its text, then its items (第6条(1)…(18), 第6条(14)①…) and tables, in the terms' order."""
    children: dict[str, list[str]] = {}
    for clause in terms.clauses.values():
        if clause.parent is not None:
            children.setdefault(clause.parent, []).append(clause.label)
    printed: list[PrintedClause] = []

    def add(label: str, level: int) -> None:
        clause = terms.clauses[label]
        printed.append(PrintedClause(label, clause.title, clause.text_for(mode), level, clause.parent))
        for child in children.get(label, ()):
            add(child, level + 1)

    for label in terms.certificate_clauses:
        if label in terms.clauses:
            add(label, 0)
    return tuple(printed)


def postal_display(code: str | None) -> str | None:
    """A postal code as printed after 〒: 1000005 and 100-0005 both as 100-0005."""
    if code is None:
        return None
    digits = code.replace("-", "")
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 and digits.isdigit() else code


def certificate_data(row: m.Contract, contract: Contract, *, today: date) -> CertificateData:
    """Raises ValueError for a contract without a certificate (the service refuses those first), ServiceError
    `certificate_unavailable` when the program's call center has no phone number set."""
    number = certificate_display(row.certificate_number)
    issued_on = contract.certificate_issued_on or contract.paid_on
    if number is None or issued_on is None:
        raise ValueError(f"contract {row.id} has no certificate")
    terms, plan = contract.terms, contract.plan
    if terms.call_center.phone is None:
        raise ServiceError(
            "certificate_unavailable",
            f"no call-center phone number is set for program {terms.program_id} (program.yaml call_center.phone): "
            "the certificate is not printed without one",
        )
    contract.refresh(today)  # an active contract past its last day is printed as expired
    ended_on = contract.coverage_end if contract.status is Status.EXPIRED else contract.ended_on
    schedule = consumable_schedule(terms, plan.consumable_replacements, contract.purchase_date)
    person = row.subscriber
    return CertificateData(
        title=terms.certificate_title,
        certificate_number=number,
        issued_on=issued_on,
        program_name=terms.name,
        provider=terms.provider,
        terms_version=terms.version,
        plan_name=plan.name,
        service_mode_ja=SERVICE_MODES[plan.service_mode.value],
        subscriber_name=person.name,
        subscriber_kana=person.name_kana,
        postal_code=postal_display(person.postal_code),
        address=person.address,
        phone=person.phone,
        products=tuple(Product(terms.kind_name(item.kind), item.model, item.serial) for item in contract.equipment),
        purchase_date=contract.purchase_date,
        coverage_start=contract.coverage_start,
        coverage_end=contract.coverage_end,
        manufacturer_warranty_end=(
            contract.coverage_start - timedelta(days=1) if contract.coverage_start != contract.purchase_date else None
        ),
        purchase_price=contract.purchase_price,
        repair_cap=contract.repair_cap,
        call_center_name=terms.call_center.name,
        call_center_phone=terms.call_center.phone,
        call_center_hours=terms.call_center.hours,
        call_center_fictitious=terms.call_center.fictitious,
        consumable_note=(
            f"{day(schedule.around)}前後に{schedule.count}回"
            if schedule.count and schedule.around is not None
            else None
        ),
        key_clauses=key_clauses(terms, plan.service_mode.value),
        status=contract.status.value,
        ended_on=ended_on,
    )
