"""Rows ↔ the domain's contract aggregate. Repositories never commit: the service layer owns the transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from hosho.domain.calendar import to_jst
from hosho.domain.contract import CaseState, DisputeState, Equipment, ReviewState, Site, Status
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.contract import RepairCase as DomainCase
from hosho.programs.catalog import Catalog
from hosho.store import models as m

ID_MAX = 2**63 - 1
# Reports that change what later requests are judged on (a contact change does not: domain.chronology).
ORDERED_REPORTS = ("ownership_transfer", "maker_replacement")


def load(
    session: Session, contract_id: int, *, retailer_id: int | None = None, for_update: bool = False
) -> m.Contract | None:
    """The row, or None when it does not exist or the caller's retailer may not see it."""
    if not 0 < contract_id <= ID_MAX:  # ids are 64-bit: a larger one is no contract, not a driver's overflow
        return None
    query = select(m.Contract).where(m.Contract.id == contract_id)
    if retailer_id is not None:
        query = query.where(m.Contract.retailer_id == retailer_id)
    if for_update:
        query = query.with_for_update(of=m.Contract)
    return session.execute(query).unique().scalar_one_or_none()


def to_domain(row: m.Contract, catalog: Catalog) -> DomainContract:
    program = catalog.program(row.program_id)
    terms = next((v for v in program.versions if v.effective_from == row.terms_version), None)
    if terms is None:
        raise LookupError(f"contract {row.id}: terms {row.program_id}@{row.terms_version} are not installed")
    contract = DomainContract(
        terms=terms,
        plan=terms.plans[row.plan_id],
        purchase_date=row.purchase_date,
        applied_on=row.applied_on,
        purchase_price=row.purchase_price,
        warranty_fee=row.warranty_fee,
        manufacturer_warranty_months=row.manufacturer_warranty_months,
        repair_cap=row.repair_cap,
        operation_start_date=row.operation_start_date,
        equipment=tuple(Equipment(e.kind, e.model, e.serial, e.service_mode) for e in row.equipment),
        site=Site(row.site_postal_code, row.site_country, row.remote_island),
        maker_onsite_repair=row.maker_onsite_repair,
        coverage_start=row.coverage_start,
        coverage_end=row.coverage_end,
        status=Status(row.status),
        paid_on=row.paid_on,
        certificate_issued_on=row.certificate_issued_on,
        unreported_replacement=row.unreported_replacement,
        ended_on=row.ended_on,
        refund=row.refund,
        version=row.version,
    )
    contract.cases = [
        DomainCase(
            number=case.number,
            received_on=case.received_on,
            covered=case.covered,
            state=CaseState(case.state),
            item_arrived_on=case.item_arrived_on,
            repair_due=case.repair_due,
            estimate=case.estimate,
            visit_by=case.visit_by,
            review=ReviewState(case.review) if case.review else None,
            dispute=DisputeState(case.dispute) if case.dispute else None,
            item=case.item_serial,
            latest_event=max(
                [_jst_day(case.requested_at)]
                + [event.on_date for event in case.events if event.kind != "requested" and event.on_date is not None]
            ),
        )
        for case in row.cases
    ]
    contract.latest_change = latest_change(row)
    contract.latest_event = _latest([contract.latest_change, *(case.latest_event for case in contract.cases)])
    return contract


def latest_change(row: m.Contract) -> date | None:
    """The day of the contract's latest change of status or cover, from what is stored (domain.chronology)."""
    days = [row.paid_on, row.ended_on]
    session = object_session(row)
    if session is not None and row.id is not None:
        days.append(
            session.execute(
                select(func.max(m.ChangeReport.reported_on)).where(
                    m.ChangeReport.contract_id == row.id, m.ChangeReport.kind.in_(ORDERED_REPORTS)
                )
            ).scalar_one_or_none()
        )
    return _latest(days)


def _latest(days: list[date | None]) -> date | None:
    return max((day for day in days if day is not None), default=None)


def _jst_day(at: datetime) -> date:
    """A stored moment's JST day (SQLite keeps the JST wall-clock time without its offset)."""
    return to_jst(at).date()


def apply(row: m.Contract, contract: DomainContract) -> None:
    """Copy what the domain may change back onto the row (cases are written by the service)."""
    row.status = contract.status.value
    row.paid_on = contract.paid_on
    row.certificate_issued_on = contract.certificate_issued_on
    row.unreported_replacement = contract.unreported_replacement
    row.ended_on = contract.ended_on
    row.refund = contract.refund
    row.coverage_start = contract.coverage_start
    row.coverage_end = contract.coverage_end
    by_number = {case.number: case for case in row.cases}
    for case in contract.cases:
        stored = by_number.get(case.number)
        if stored is not None:
            stored.state = case.state.value
            stored.item_arrived_on = case.item_arrived_on
            stored.repair_due = case.repair_due
            stored.estimate = case.estimate
            stored.covered = case.covered
            stored.visit_by = case.visit_by
            stored.review = case.review.value if case.review else None
            stored.dispute = case.dispute.value if case.dispute else None


def snapshot(row: m.Contract) -> dict[str, object]:
    """The audited state of a contract: no names, phones or addresses (those live on the subscriber)."""
    return {
        "status": row.status,
        "plan": row.plan_id,
        "terms": f"{row.program_id}@{row.terms_version.isoformat()}",
        "coverage_start": _iso(row.coverage_start),
        "coverage_end": _iso(row.coverage_end),
        "paid_on": _iso(row.paid_on),
        "certificate_number": row.certificate_number,
        "unreported_replacement": row.unreported_replacement,
        "ended_on": _iso(row.ended_on),
        "refund": row.refund,
        "cases": len(row.cases),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
