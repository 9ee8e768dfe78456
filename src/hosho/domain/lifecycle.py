"""Payment and certificate, ownership transfer, change reports and maker replacement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from hosho.domain.chronology import check_in_order, check_step_date, record
from hosho.domain.contact import check_phone
from hosho.domain.contract import Contract, DomainError, Status
from hosho.domain.program import ProgramVersion


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    clauses: tuple[str, ...]


def not_paid(terms: ProgramVersion) -> DomainError:
    """The refusal of an action that needs the certificate, citing the clause that issues it only once paid."""
    clauses = terms.enrollment.certificate_clauses
    cited = f" ({', '.join(clauses)})" if clauses else ""
    return DomainError("not_paid", f"the contract is not paid: no certificate has been issued{cited}", clauses=clauses)


def pay(contract: Contract, *, on: date) -> Outcome:
    """The certificate is issued once the fee is received, and the contract becomes active.

    zest 第1条; each program names the clause in its data (`enrollment.certificate_clauses`).
    """
    if contract.status is Status.CANCELLED:
        # Not `already_paid`: the agent must hear that the contract is gone, not that the fee is in.
        ended = contract.ended_on.isoformat() if contract.ended_on else None
        raise DomainError(
            "contract_cancelled",
            f"the contract was cancelled{f' on {ended}' if ended else ''}: it cannot be paid",
            params={"ended_on": ended} if ended else None,
        )
    if contract.status is not Status.PENDING:
        raise DomainError(
            "already_paid", f"the contract is already {contract.status.value}", params={"status": contract.status.value}
        )
    check_in_order(contract, on, after_application=True)
    record(contract, on)
    contract.status = Status.ACTIVE
    contract.paid_on = on
    contract.certificate_issued_on = on
    contract.refresh(on)
    return Outcome(contract.status, contract.terms.enrollment.certificate_clauses)


def _require_active(contract: Contract, on: date) -> None:
    if contract.status is Status.PENDING:
        raise not_paid(contract.terms)
    check_in_order(contract, on)
    contract.refresh(on)
    if contract.status is not Status.ACTIVE:
        raise DomainError(
            "contract_not_active", f"the contract is {contract.status.value}", params={"status": contract.status.value}
        )


def transfer_ownership(contract: Contract, *, on: date) -> Outcome:
    """A new owner ends the cover (zest 第6条(4), ipro 第三者への譲渡)."""
    _require_active(contract, on)
    contract.status = Status.TRANSFERRED
    contract.ended_on = on
    record(contract, on)
    return Outcome(contract.status, contract.terms.changes.transfer_clauses)


def report_change(contract: Contract, *, on: date, fields: Mapping[str, str]) -> Outcome:
    """zest 第4条第1項(1): name or contact details changed before the end of the period."""
    rule = contract.terms.changes
    if not fields:
        raise DomainError("invalid_request", "report at least one changed field", field="fields")
    for name in fields:
        if name not in rule.fields:
            allowed = ", ".join(sorted(rule.fields))
            raise DomainError("invalid_request", f"unknown field {name!r} (allowed: {allowed})", field=f"fields.{name}")
    if "phone" in fields:
        check_phone(fields["phone"], field="fields.phone", code="invalid_request")
    if contract.status not in (Status.PENDING, Status.ACTIVE):
        raise DomainError(
            "contract_not_active", f"the contract is {contract.status.value}", params={"status": contract.status.value}
        )
    # Not ordered against other events: it changes no cover (domain.chronology).
    check_step_date(contract, on)
    contract.contact.update(fields)
    return Outcome(contract.status, rule.clauses)


def manufacturer_replacement(contract: Contract, *, on: date, reported: bool) -> Outcome:
    """zest 第2条第1項: a maker's replacement leaves the period unchanged; 第4条第1項(2): it must be reported."""
    _require_active(contract, on)
    rule = contract.terms.changes
    contract.unreported_replacement = not reported
    record(contract, on)
    clauses = rule.maker_replacement_clauses + (() if reported else rule.unreported_replacement_clauses)
    return Outcome(contract.status, clauses)
