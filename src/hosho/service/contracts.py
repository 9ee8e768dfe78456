"""Enrolment, payment and certificate, lookup, change reports, ownership transfer, maker replacement."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from hosho.domain.contact import check_phone
from hosho.domain.contract import Application, DomainError, Equipment
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.enrollment import Enrollment
from hosho.domain.lifecycle import manufacturer_replacement, not_paid, pay, report_change, transfer_ownership
from hosho.engine import Engine
from hosho.service import notices
from hosho.service.audit import case_notes, record
from hosho.service.commands import Enrol, MakerReplacement, Pay, ReportChange, TransferOwnership
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, not_found, retailer_scope
from hosho.service.results import AuditEntry, ContractView
from hosho.service.search import code_key, kana_key, name_key, phone_key
from hosho.service.views import contract_view
from hosho.store import models as m
from hosho.store import repository

WRITERS = frozenset({Role.ADMIN, Role.AGENT, Role.RETAILER})
Outcome = TypeVar("Outcome")


def fingerprint(command: Enrol) -> str:
    """What an Idempotency-Key's repeat must match: the whole command, every field, defaults included."""
    return hashlib.sha256(command.model_dump_json().encode()).hexdigest()


def _domain_error(error: DomainError) -> ServiceError:
    return ServiceError(error.code, error.message, field=error.field, clauses=error.clauses, params=error.params)


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
        raise ServiceError("invalid_contract", f"unknown retailer {code!r}", field="retailer")
    return found


def enroll(
    hosho: Hosho, actor: Actor, command: Enrol, *, idempotency_key: str | None = None
) -> tuple[ContractView, bool]:
    """Open a pending contract. With an Idempotency-Key, a repeat returns the first contract (created=False)."""
    _require(actor, WRITERS, "enrol contracts")
    hashed = fingerprint(command)
    # The rules and the new rows first: on SQLite the transaction holds the only write lock, so it holds no more
    # than the writes.
    enrollment = decide(hosho.rules, command)
    row = _new_row(hosho, actor, command, enrollment, idempotency_key, hashed)
    try:
        with hosho.transaction() as session:
            row.retailer = _retailer(session, actor, command.retailer)
            session.add(row)
            session.flush()
            record(session, hosho, actor, "contract.enrolled", row, None)
    except IntegrityError:
        # The key's unique constraint refused a second contract: this is a repeat (a retry, or a racing twin),
        # answered with the first contract, or 409 when the body differs. Repeats are rare, so the key is looked
        # up only then, not before every enrolment.
        if idempotency_key is None:
            raise
        existing = _by_idempotency(hosho, actor, idempotency_key, hashed)
        if existing is None:
            raise
        return existing, False
    return view(hosho, row, clauses=enrollment.clauses), True


def _by_idempotency(hosho: Hosho, actor: Actor, key: str, fingerprint: str) -> ContractView | None:
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
                "idempotency_conflict",
                "this Idempotency-Key was used for a different enrolment",
                field="Idempotency-Key",
            )
        return view(hosho, row)


def _equipment(command: Enrol) -> tuple[Equipment, ...]:
    """The items as the rules read them; a kind the program does not define is the program's refusal."""
    return tuple(Equipment(item.kind, item.model, item.serial, item.service_mode) for item in command.equipment)


def decide(rules: Engine, data: Enrol) -> Enrollment:
    """The terms' answer to the application (window, whole system, area, periods), or the refusal. Needs only the
    rules, no database: an import applies it in worker processes too (service.import_work)."""
    equipment = _equipment(data)
    try:
        if data.subscriber.phone is not None:
            check_phone(data.subscriber.phone, field="subscriber.phone", code="invalid_contract")
        site = rules.site(
            postal_code=data.site.postal_code, country=data.site.country, remote_island=data.site.remote_island
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
        return rules.enroll(data.program, application)
    except DomainError as error:
        raise _domain_error(error) from None
    except ValueError as error:
        raise ServiceError("invalid_contract", str(error), field="equipment") from None


def _new_row(
    hosho: Hosho, actor: Actor, data: Enrol, enrollment: Enrollment, key: str | None, fingerprint: str
) -> m.Contract:
    return m.Contract(
        **contract_values(data, enrollment),
        subscriber=m.Subscriber(**subscriber_values(data)),
        idempotency_scope=actor.idempotency_scope if key else None,
        idempotency_key=key,
        request_hash=fingerprint,
        created_at=hosho.clock(),
        cases=[],  # new: the audit snapshot counts them without a query
        equipment=[m.Equipment(**values) for values in equipment_values(enrollment.contract)],
    )


def subscriber_values(data: Enrol) -> dict[str, Any]:
    """The subscriber's row as an enrolment stores it (the API's and the bulk import's alike)."""
    person = data.subscriber
    key = name_key(person.name)
    return {
        "name": person.name,
        "name_kana": person.name_kana,
        "name_key": key,
        "kana_key": kana_key(person.name, person.name_kana, key=key),
        "phone": person.phone,
        "phone_key": phone_key(person.phone) if person.phone else None,
        "email": person.email,
        "postal_code": person.postal_code,
        "address": person.address,
    }


def contract_values(data: Enrol, enrollment: Enrollment) -> dict[str, Any]:
    """The contract's columns that the terms decided (the API's and the bulk import's alike)."""
    contract = enrollment.contract
    return {
        "program_id": data.program,
        "terms_version": contract.terms.effective_from,
        "plan_id": contract.plan.id,
        "status": contract.status.value,
        "purchase_date": contract.purchase_date,
        "applied_on": contract.applied_on,
        "purchase_price": contract.purchase_price,
        "warranty_fee": contract.warranty_fee,
        "manufacturer_warranty_months": contract.manufacturer_warranty_months,
        "repair_cap": contract.repair_cap,
        "operation_start_date": contract.operation_start_date,
        "site_postal_code": contract.site.postal_code,
        "site_country": contract.site.country,
        "remote_island": contract.site.remote_island,
        "maker_onsite_repair": contract.maker_onsite_repair,
        "coverage_start": contract.coverage_start,
        "coverage_end": contract.coverage_end,
        "unreported_replacement": False,
    }


def equipment_values(contract: DomainContract) -> list[dict[str, Any]]:
    return [
        {
            "kind": item.kind,
            "model": item.model,
            "serial": item.serial,
            "serial_key": code_key(item.serial),
            "service_mode": item.service_mode,
        }
        for item in contract.equipment
    ]


def view(hosho: Hosho, row: m.Contract, *, clauses: tuple[str, ...] = ()) -> ContractView:
    return contract_view(row, hosho.rules.catalog, clauses=clauses)


def get(hosho: Hosho, actor: Actor, contract_id: int) -> ContractView:
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
        contract = repository.to_domain(row, hosho.rules.catalog)
        if row.certificate_number is None:  # the clause that issues it only once paid is the program's
            raise _domain_error(not_paid(contract.terms))
        return row, contract


def change(
    hosho: Hosho,
    actor: Actor,
    contract_id: int,
    action: str,
    apply: Callable[[Session, m.Contract, DomainContract], Outcome],
    *,
    roles: frozenset[Role] = WRITERS,
) -> tuple[ContractView, Outcome]:
    """Load the aggregate under a row lock, let the domain act, write it back and audit it, in one transaction."""
    _require(actor, roles, action)
    try:
        return _change(hosho, actor, contract_id, action, apply)
    except StaleDataError:
        raise ServiceError("conflict", "the contract was changed by another request; read it again and retry") from None


def _change(
    hosho: Hosho,
    actor: Actor,
    contract_id: int,
    action: str,
    apply: Callable[[Session, m.Contract, DomainContract], Outcome],
) -> tuple[ContractView, Outcome]:
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
        return view(hosho, row, clauses=tuple(getattr(outcome, "clauses", ()))), outcome


def pay_fee(hosho: Hosho, actor: Actor, contract_id: int, command: Pay) -> ContractView:
    """第1条: the certificate is issued once the fee is received; its number is unique."""
    on = command.date

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


def transfer(hosho: Hosho, actor: Actor, contract_id: int, command: TransferOwnership) -> ContractView:
    """第6条(4): cover ends with the transfer."""
    on = command.date

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = transfer_ownership(contract, on=on)
        session.add(_report(hosho, row, "ownership_transfer", on, {}))
        return outcome

    return change(hosho, actor, contract_id, "contract.transferred", act)[0]


def report_changes(hosho: Hosho, actor: Actor, contract_id: int, command: ReportChange) -> ContractView:
    """第4条第1項(1): the subscriber's name or contact details changed."""
    on, fields = command.date, command.fields.model_dump(exclude_none=True)

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        # The terms name the address (住所); a postal code is part of it, checked with Japan Post by the command.
        terms_fields = {name: value for name, value in fields.items() if name != "postal_code"}
        if "postal_code" in fields:
            terms_fields.setdefault("address", row.subscriber.address or "")
        outcome = report_change(contract, on=on, fields=terms_fields)
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
            # A new address without a postal code drops the old one: it belonged to the old address.
            person.address, person.postal_code = fields["address"], fields.get("postal_code")
        elif "postal_code" in fields:  # the postal code of the same address, corrected
            person.postal_code = fields["postal_code"]
        # The audit trail records which fields changed, not their values (no personal data in logs).
        session.add(_report(hosho, row, "contact_change", on, {"fields": sorted(fields)}))
        return outcome

    return change(hosho, actor, contract_id, "contract.change_reported", act)[0]


def replace_by_maker(hosho: Hosho, actor: Actor, contract_id: int, command: MakerReplacement) -> ContractView:
    """第2条第1項: the period does not change; 第4条第1項(2): an unreported replacement may void cover."""
    on, reported, serial = command.date, command.reported, command.serial

    def act(session: Session, row: m.Contract, contract: DomainContract) -> object:
        outcome = manufacturer_replacement(contract, on=on, reported=reported)
        session.add(_report(hosho, row, "maker_replacement", on, {"reported": reported, "serial": serial}))
        return outcome

    return change(hosho, actor, contract_id, "contract.maker_replacement", act)[0]


def _report(hosho: Hosho, row: m.Contract, kind: str, on: date, fields: dict[str, Any]) -> m.ChangeReport:
    return m.ChangeReport(contract_id=row.id, kind=kind, reported_on=on, fields=fields, created_at=hosho.clock())


def audit_trail(hosho: Hosho, actor: Actor, contract_id: int) -> list[AuditEntry]:
    with hosho.reading() as session:
        if repository.load(session, contract_id, retailer_id=retailer_scope(actor)) is None:
            raise not_found(f"contract {contract_id}")
        entries = session.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.entity == "contract", m.AuditEntry.entity_id == contract_id)
            .order_by(m.AuditEntry.id)
        ).scalars()
        notes = case_notes(session, contract_id)
        return [
            AuditEntry(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after, case=notes.get(e.id))
            for e in entries
        ]
