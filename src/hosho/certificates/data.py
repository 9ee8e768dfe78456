"""The 加入者証 of a paid contract: its stored row and aggregate, put into the PDF renderer's words.

One builder for whoever asks: the API and the console print the same certificate.
"""

from __future__ import annotations

from datetime import timedelta

from hosho.certificates.pdf import CertificateData, Product
from hosho.domain.contract import Contract
from hosho.domain.enrollment import consumable_schedule
from hosho.domain.program import ProgramVersion
from hosho.presentation.formats import day
from hosho.presentation.words import KINDS, SERVICE_MODES
from hosho.service.views import certificate_display
from hosho.store import models as m


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
        certificate_number=number,
        issued_on=issued_on,
        program_name=terms.name,
        provider=terms.provider,
        terms_version=terms.version,
        plan_name=plan.name,
        service_mode_ja=SERVICE_MODES[plan.service_mode.value],
        subscriber_name=person.name,
        subscriber_kana=person.name_kana,
        address=person.address,
        phone=person.phone,
        products=tuple(Product(KINDS[item.kind.value], item.model, item.serial) for item in contract.equipment),
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
            f"{day(schedule.around)}前後に{schedule.count}回"
            if schedule.count and schedule.around is not None
            else None
        ),
        key_clauses=key_clauses(terms, plan.service_mode.value),
    )
