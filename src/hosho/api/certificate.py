"""The 加入者証 of a paid contract: its stored row and aggregate, put into the PDF renderer's words."""

from __future__ import annotations

from datetime import timedelta

from hosho.certificates.pdf import CertificateData, Product, date_ja
from hosho.domain.contract import Contract
from hosho.domain.enrollment import consumable_schedule
from hosho.domain.program import ProgramVersion, ServiceMode
from hosho.service.views import certificate_display
from hosho.store import models as m

SERVICE_MODES_JA = {
    ServiceMode.ONSITE: "オンサイト",
    ServiceMode.SENDBACK: "センドバック",
    ServiceMode.MAKER: "メーカー保証に準ずる",
}


def key_clauses(terms: ProgramVersion, mode: str) -> tuple[tuple[str, str], ...]:
    labels = terms.certificate_clauses
    return tuple((label, terms.clauses[label].text_for(mode)) for label in labels if label in terms.clauses)


def certificate_data(row: m.Contract, contract: Contract) -> CertificateData:
    """Raises ValueError for a contract without a certificate (the service refuses those first)."""
    number = certificate_display(row.certificate_number)
    issued_on = contract.certificate_issued_on or contract.paid_on
    if number is None or issued_on is None:
        raise ValueError(f"contract {row.id} has no certificate")
    terms, plan = contract.terms, contract.plan
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
        service_mode_ja=SERVICE_MODES_JA[plan.service_mode],
        subscriber_name=person.name,
        subscriber_kana=person.name_kana,
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
        consumable_note=(
            f"{date_ja(schedule.around)}前後に{schedule.count}回"
            if schedule.count and schedule.around is not None
            else None
        ),
        key_clauses=key_clauses(terms, plan.service_mode.value),
    )
