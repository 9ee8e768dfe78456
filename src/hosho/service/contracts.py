"""Enrolment, payment and certificate, lookup, change reports, ownership transfer, maker replacement."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from hosho.domain.contract import Application, DomainError, Equipment, EquipmentKind
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.enrollment import Enrollment
from hosho.domain.lifecycle import manufacturer_replacement, pay, report_change, transfer_ownership
from hosho.service import notices
from hosho.service.audit import record
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, not_found, retailer_scope
from hosho.service.search import code_key, kana_key, name_key, phone_key
from hosho.service.views import (
    contract_view,
)
from hosho.store import models as m
from hosho.store import repository

WRITERS = frozenset({Role.ADMIN, Role.AGENT, Role.RETAILER})


@dataclass(frozen=True, slots=True)
class SubscriberInput:
    name: str
    name_kana: str | None = None
    phone: str | None = None
    email: str | None = None
    postal_code: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class EquipmentInput:
    kind: str
    model: str
    serial: str
    service_mode: str | None = None


@dataclass(frozen=True, slots=True)
class EnrollmentInput:
    program: str
    plan: str
    purchase_date: date
    subscriber: SubscriberInput
    purchase_price: int | None = None
    warranty_fee: int | None = None
    manufacturer_warranty_months: int | None = None
    repair_cap: int | None = None
    operation_start_date: date | None = None
    applied_on: date | None = None
    equipment: tuple[EquipmentInput, ...] = ()
    site_postal_code: str | None = None
    site_country: str = "JP"
    remote_island: bool | None = None
    maker_onsite_repair: bool | None = None
    retailer: str | None = None  # retailer code; a retailer key always enrols for its own channel
    extra: dict[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()


def _domain_error(error: DomainError) -> ServiceError:
    status = 409 if error.code in {"contract_not_active", "not_paid", "already_paid", "no_open_case"} else 422
    return ServiceError(status, error.code, error.message, field=error.field, clauses=error.clauses)


def _require(actor: Actor, roles: frozenset[Role], action: str) -> None:
    if actor.role not in roles:
        raise forbidden(action)


def _retailer(session: Session, actor: Actor, code: str | None) -> m.Retailer | None:
    """The channel of a new contract: a retailer key's own, else the one named (an unknown code is refused)."""
    if actor.role is Role.RETAILER:
        return session.get(m.Retailer, actor.retailer_id) if actor.retailer_id is not None else None
    if code is None:
        return None
    found = session.execute(select(m.Retailer).where(m.Retailer.code == code)).scalar_one_or_none()
    if found is None:
        raise ServiceError(422, "invalid_contract", f"unknown retailer {code!r}", field="retailer")
    return found


def enroll(
    hosho: Hosho, actor: Actor, data: EnrollmentInput, *, idempotency_key: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Open a pending contract. With an Idempotency-Key, a repeat returns the first contract (created=False)."""
    _require(actor, WRITERS, "enrol contracts")
    fingerprint = data.fingerprint()
    # The rules and the new rows first: on SQLite the transaction holds the only write lock, so it holds no more
    # than the writes.
    enrollment = _decide(hosho, data)
    row = _new_row(hosho, actor, data, enrollment, idempotency_key, fingerprint)
    try:
        with hosho.transaction() as session:
            row.retailer = _retailer(session, actor, data.retailer)
            session.add(row)
            session.flush()
            record(session, hosho, actor, "contract.enrolled", row, None)
    except IntegrityError:
        # The key's unique constraint refused a second contract: this is a repeat (a retry, or a racing twin),
        # answered with the first contract, or 409 when the body differs. Repeats are rare, so the key is looked
        # up only then, not before every enrolment.
        if idempotency_key is None:
            raise
        existing = _by_idempotency(hosho, actor, idempotency_key, fingerprint)
        if existing is None:
            raise
        return existing, False
    return {**view(hosho, row), "clauses": list(enrollment.clauses)}, True


def _by_idempotency(hosho: Hosho, actor: Actor, key: str, fingerprint: str) -> dict[str, Any] | None:
    with hosho.reading() as session:
        row = (
            session.execute(
                select(m.Contract).where(
                    m.Contract.idempotency_scope == actor.idempotency_scope, m.Contract.idempotency_key == key
                )
            )
            .unique()
            .scalar_one_or_none()
        )
        if row is None:
            return None
        if row.request_hash != fingerprint:
            raise ServiceError(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used for a different enrolment",
                field="Idempotency-Key",
            )
        return view(hosho, row)


def _decide(hosho: Hosho, data: EnrollmentInput) -> Enrollment:
    """The terms' answer to the application (window, whole system, area, periods), or the refusal."""
    try:
        site = hosho.rules.site(
            postal_code=data.site_postal_code, country=data.site_country, remote_island=data.remote_island
        )
        equipment = tuple(
            Equipment(EquipmentKind(item.kind), item.model, item.serial, item.service_mode) for item in data.equipment
        )
        application = Application(
            plan_id=data.plan,
            purchase_date=data.purchase_date,
            applied_on=data.applied_on,
            purchase_price=data.purchase_price,
            warranty_fee=data.warranty_fee,
            manufacturer_warranty_months=data.manufacturer_warranty_months,
            repair_cap=data.repair_cap,
            operation_start_date=data.operation_start_date,
            equipment=equipment,
            site=site,
            maker_onsite_repair=data.maker_onsite_repair,
        )
        return hosho.rules.enroll(data.program, application)
    except DomainError as error:
        raise _domain_error(error) from None
    except ValueError as error:
        raise ServiceError(422, "invalid_contract", str(error), field="equipment") from None


def _new_row(
    hosho: Hosho, actor: Actor, data: EnrollmentInput, enrollment: Enrollment, key: str | None, fingerprint: str
) -> m.Contract:
    contract = enrollment.contract
    person = data.subscriber
    subscriber = m.Subscriber(
        name=person.name,
        name_kana=person.name_kana,
        name_key=name_key(person.name),
        kana_key=kana_key(person.name, person.name_kana),
        phone=person.phone,
        phone_key=phone_key(person.phone) if person.phone else None,
        email=person.email,
        postal_code=person.postal_code,
        address=person.address,
    )
    return m.Contract(
        program_id=data.program,
        terms_version=contract.terms.effective_from,
        plan_id=contract.plan.id,
        subscriber=subscriber,
        status=contract.status.value,
        purchase_date=contract.purchase_date,
        applied_on=contract.applied_on,
        purchase_price=contract.purchase_price,
        warranty_fee=contract.warranty_fee,
        manufacturer_warranty_months=contract.manufacturer_warranty_months,
        repair_cap=contract.repair_cap,
        operation_start_date=contract.operation_start_date,
        site_postal_code=contract.site.postal_code,
        site_country=contract.site.country,
        remote_island=contract.site.remote_island,
        maker_onsite_repair=contract.maker_onsite_repair,
        coverage_start=contract.coverage_start,
        coverage_end=contract.coverage_end,
        unreported_replacement=False,
        idempotency_scope=actor.idempotency_scope if key else None,
        idempotency_key=key,
        request_hash=fingerprint,
        created_at=hosho.clock(),
        cases=[],  # new: the audit snapshot counts them without a query
        equipment=[
            m.Equipment(
                kind=item.kind.value,
                model=item.model,
                serial=item.serial,
                serial_key=code_key(item.serial),
                service_mode=item.service_mode,
            )
            for item in contract.equipment
        ],
    )


def view(hosho: Hosho, row: m.Contract) -> dict[str, Any]:
    return contract_view(row, hosho.rules.catalog)


def get(hosho: Hosho, actor: Actor, contract_id: int) -> dict[str, Any]:
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        return view(hosho, row)


def certificate_row(hosho: Hosho, actor: Actor, contract_id: int) -> tuple[m.Contract, DomainContract]:
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        if row.certificate_number is None:
            raise ServiceError(409, "not_paid", "no certificate before the fee is received (第1条)")
        return row, repository.to_domain(row, hosho.rules.catalog)


def change(
    hosho: Hosho,
    actor: Actor,
    contract_id: int,
    action: str,
    apply: Any,
    *,
    roles: frozenset[Role] = WRITERS,
) -> tuple[dict[str, Any], Any]:
    """Load the aggregate under a row lock, let the domain act, write it back and audit it, in one transaction."""
    _require(actor, roles, action)
    try:
        return _change(hosho, actor, contract_id, action, apply)
    except StaleDataError:
        raise ServiceError(
            409, "conflict", "the contract was changed by another request; read it again and retry"
        ) from None


def _change(hosho: Hosho, actor: Actor, contract_id: int, action: str, apply: Any) -> tuple[dict[str, Any], Any]:
    with hosho.transaction() as session:
        row = repository.load(session, contract_id, retailer_id=retailer_scope(actor), for_update=True)
        if row is None:
            raise not_found(f"contract {contract_id}")
        before = repository.snapshot(row)
        contract = repository.to_domain(row, hosho.rules.catalog)
        try:
            outcome = apply(session, row, contract)
        except DomainError as error:
            raise _domain_error(error) from None
        repository.apply(row, contract)
        # A new version of the aggregate even when only its cases or subscriber changed: the UPDATE bumps `version`.
        flag_modified(row, "status")
        session.flush()
        record(session, hosho, actor, action, row, before)
        answer = view(hosho, row)
        answer["clauses"] = list(getattr(outcome, "clauses", ()))
        return answer, outcome


def pay_fee(hosho: Hosho, actor: Actor, contract_id: int, *, on: date) -> dict[str, Any]:
    """第1条: the certificate is issued once the fee is received; its number is unique."""

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = pay(contract, on=on)
        row.certificate_number = certificate_number(row.program_id, on.year, row.id)
        notices.on_payment(session, hosho, row, on)
        return outcome

    return change(hosho, actor, contract_id, "contract.paid", act)[0]


def certificate_number(program_id: str, year: int, contract_id: int) -> str:
    """Program, year of issue, contract id and a Luhn check digit (catches a digit misheard on the phone)."""
    body = f"{year:04d}{contract_id:08d}"
    return f"{program_id.upper().replace('-', '')}{body}{_luhn(body)}"


def _luhn(digits: str) -> int:
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def transfer(hosho: Hosho, actor: Actor, contract_id: int, *, on: date) -> dict[str, Any]:
    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = transfer_ownership(contract, on=on)
        session.add(_report(hosho, row, "ownership_transfer", on, {}))
        return outcome

    return change(hosho, actor, contract_id, "contract.transferred", act)[0]


def report_changes(hosho: Hosho, actor: Actor, contract_id: int, *, on: date, fields: dict[str, str]) -> dict[str, Any]:
    """第4条第1項(1): the subscriber's name or contact details changed."""

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = report_change(contract, on=on, fields=fields)
        person = row.subscriber
        if "name" in fields or "name_kana" in fields:
            # A new name's furigana comes with it, or there is none: the old one belonged to the old name.
            person.name = fields.get("name", person.name)
            person.name_kana = fields.get("name_kana", person.name_kana if "name" not in fields else None)
            person.name_key = name_key(person.name)
            person.kana_key = kana_key(person.name, person.name_kana)
        if "phone" in fields:
            person.phone, person.phone_key = fields["phone"], phone_key(fields["phone"])
        if "email" in fields:
            person.email = fields["email"]
        if "address" in fields:
            person.address = fields["address"]
        # The audit trail records which fields changed, not their values (no personal data in logs).
        session.add(_report(hosho, row, "contact_change", on, {"fields": sorted(fields)}))
        return outcome

    return change(hosho, actor, contract_id, "contract.change_reported", act)[0]


def replace_by_maker(
    hosho: Hosho, actor: Actor, contract_id: int, *, on: date, reported: bool, serial: str | None = None
) -> dict[str, Any]:
    """第2条第1項: the period does not change; 第4条第1項(2): an unreported replacement may void cover."""

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = manufacturer_replacement(contract, on=on, reported=reported)
        session.add(_report(hosho, row, "maker_replacement", on, {"reported": reported, "serial": serial}))
        return outcome

    return change(hosho, actor, contract_id, "contract.maker_replacement", act)[0]


def _report(hosho: Hosho, row: m.Contract, kind: str, on: date, fields: dict[str, Any]) -> m.ChangeReport:
    return m.ChangeReport(contract_id=row.id, kind=kind, reported_on=on, fields=fields, created_at=hosho.clock())


def audit_trail(hosho: Hosho, actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    with hosho.reading() as session:
        if repository.load(session, contract_id, retailer_id=retailer_scope(actor)) is None:
            raise not_found(f"contract {contract_id}")
        entries = session.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.entity == "contract", m.AuditEntry.entity_id == contract_id)
            .order_by(m.AuditEntry.id)
        ).scalars()
        return [
            {"at": e.at, "actor": e.actor, "action": e.action, "before": e.before, "after": e.after} for e in entries
        ]
