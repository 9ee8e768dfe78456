"""Enrolment, payment and certificate, lookup, change reports, ownership transfer, maker replacement."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from hosho.domain.contract import Application, DomainError, Equipment, EquipmentKind
from hosho.domain.contract import Contract as DomainContract
from hosho.domain.enrollment import Enrollment
from hosho.domain.lifecycle import manufacturer_replacement, pay, report_change, transfer_ownership
from hosho.service.audit import record
from hosho.service.context import Actor, Hosho, Role, ServiceError, forbidden, known_program, not_found
from hosho.service.search import code_key, is_kana, kana_key, name_key, phone_key, prefix_upper_bound
from hosho.service.views import (
    CARD_COLUMNS,
    EQUIPMENT_COLUMNS,
    SUBSCRIBER_COLUMNS,
    case_view,
    contract_card,
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
        row = repository.load(session, contract_id, retailer_id=_scope(actor))
        if row is None:
            raise not_found(f"contract {contract_id}")
        return view(hosho, row)


def _scope(actor: Actor) -> int | None:
    return actor.retailer_id if actor.role is Role.RETAILER else None


def certificate_row(hosho: Hosho, actor: Actor, contract_id: int) -> tuple[m.Contract, DomainContract]:
    with hosho.reading() as session:
        row = repository.load(session, contract_id, retailer_id=_scope(actor))
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
        row = repository.load(session, contract_id, retailer_id=_scope(actor), for_update=True)
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
        if "name" in fields:
            person.name, person.name_key = fields["name"], name_key(fields["name"])
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


_CONTRACTS, _SUBSCRIBERS = m.Contract.__table__, m.Subscriber.__table__
_RETAILERS, _EQUIPMENT = m.Retailer.__table__, m.Equipment.__table__
# One row per contract with all its card shows but equipment and cases, which follow by contract id.
_CARDS = (
    select(
        *(_CONTRACTS.c[name] for name in CARD_COLUMNS),
        *(_SUBSCRIBERS.c[name].label(f"subscriber_{name}") for name in SUBSCRIBER_COLUMNS),
        _RETAILERS.c.code.label("retailer_code"),
        exists().where(m.RepairCase.contract_id == _CONTRACTS.c.id).label("has_cases"),
    )
    .join(_SUBSCRIBERS, _SUBSCRIBERS.c.id == _CONTRACTS.c.subscriber_id)
    .outerjoin(_RETAILERS, _RETAILERS.c.id == _CONTRACTS.c.retailer_id)
)


@cache
def _equipment_of(count: int) -> Select[Any]:
    """The equipment of `count` contracts (bound as id_0 …), for the hot reads, which compile ahead."""
    ids: list[BindParameter[Any]] = [bindparam(f"id_{index}") for index in range(count)]
    return (
        select(_EQUIPMENT.c.contract_id, *(_EQUIPMENT.c[name] for name in EQUIPMENT_COLUMNS))
        .where(_EQUIPMENT.c.contract_id.in_(ids))
        .order_by(_EQUIPMENT.c.id)
    )


_CASES_OF = (
    select(m.RepairCase)
    .where(m.RepairCase.contract_id.in_(bindparam("ids", expanding=True)))
    .order_by(m.RepairCase.number)
)


TOTAL_LIMIT = 1_000  # a search counts its matches up to this many


@cache
def _search_statement(filters: frozenset[str]) -> tuple[Select[Any], Select[Any]]:
    """The page and the count for one combination of filters, built once, with the values as bound parameters.

    Building a statement of this width costs more than running it (on SQLite, more than the query itself).
    """
    c, s = _CONTRACTS.c, _SUBSCRIBERS.c
    conditions = {
        "certificate_number": c.certificate_number == bindparam("certificate_number"),
        "serial": c.id.in_(select(_EQUIPMENT.c.contract_id).where(_EQUIPMENT.c.serial_key == bindparam("serial"))),
        "phone": s.phone_key == bindparam("phone"),
        "name": (s.name_key >= bindparam("name")) & (s.name_key < bindparam("name_upper")),
        "kana": (s.kana_key >= bindparam("kana")) & (s.kana_key < bindparam("kana_upper")),
        "status": c.status == bindparam("status"),
        "program": c.program_id == bindparam("program"),
        "retailer": c.retailer_id == bindparam("retailer"),
    }
    query = _CARDS.where(*(conditions[name] for name in sorted(filters)))
    # A name search reads in the order of its index (kana, or name), so that a common prefix (山田, ﾔﾏﾀﾞ) stops
    # at the page instead of sorting every match, and a name nobody has costs one index probe.
    order = (s.kana_key,) if "kana" in filters else (s.name_key,) if "name" in filters else ()
    page = query.order_by(*order, c.id).offset(bindparam("offset")).limit(bindparam("limit"))
    # Counted up to TOTAL_LIMIT + 1: a name prefix (山田) matches tens of thousands, whose exact count costs
    # PostgreSQL 200 ms, and a caller needs to know only that there are too many to read through.
    counted = query.limit(TOTAL_LIMIT + 1).subquery()
    return page, select(func.count().label("count")).select_from(counted)


def search(
    hosho: Hosho,
    actor: Actor,
    *,
    certificate_number: str | None = None,
    serial: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    status: str | None = None,
    program: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> dict[str, Any]:
    """Find contracts; names match as a prefix of kanji or kana, width and spacing folded.

    The call center's hot path (a certificate number read out on the phone): Core statements built once, one for
    the contracts with subscriber and retailer, one for their equipment, and cases only for contracts having any.
    """
    values: dict[str, Any] = {}
    if certificate_number:
        values["certificate_number"] = code_key(certificate_number)
    if serial:
        values["serial"] = code_key(serial)
    if phone:
        values["phone"] = phone_key(phone)
    if name:
        # Kana matches the furigana (or a name written in kana); anything else matches the name as written.
        key = name_key(name)
        field = "kana" if is_kana(key) else "name"
        values[field], values[f"{field}_upper"] = key, prefix_upper_bound(key)
    if status:
        values["status"] = status
    if known_program(hosho, program):
        values["program"] = program
    if (scope := _scope(actor)) is not None:
        values["retailer"] = scope
    page_query, count_query = _search_statement(frozenset(values) - {"name_upper", "kana_upper"})
    with hosho.reads.reading() as reader:
        rows = reader.rows(page_query, {**values, "offset": (page - 1) * per_page, "limit": per_page})
        # When the whole answer is on the first page (a certificate lookup), it is its own count.
        whole = page == 1 and len(rows) < per_page
        total = len(rows) if whole else reader.rows(count_query, values)[0]["count"]
        ids = [row["id"] for row in rows]
        equipment: dict[int, list[dict[str, Any]]] = {contract_id: [] for contract_id in ids}
        if ids:
            found = reader.rows(_equipment_of(len(ids)), {f"id_{index}": id_ for index, id_ in enumerate(ids)})
            for item in found:
                equipment[item.pop("contract_id")].append(item)
    cases: dict[int, list[dict[str, Any]]] = {contract_id: [] for contract_id in ids}
    if with_cases := [row["id"] for row in rows if row["has_cases"]]:
        with hosho.reading() as session:  # cases hold JSON and events: the ORM reads them
            for case in session.execute(_CASES_OF, {"ids": with_cases}).scalars():
                cases[case.contract_id].append(case_view(case))
    catalog = hosho.rules.catalog
    cards = [
        contract_card(
            row,
            catalog,
            subscriber={n: row[f"subscriber_{n}"] for n in SUBSCRIBER_COLUMNS},
            retailer=row["retailer_code"],
            equipment=equipment[row["id"]],
            cases=cases[row["id"]],
        )
        for row in rows
    ]
    capped = total > TOTAL_LIMIT
    return {
        "items": cards,
        "page": page,
        "per_page": per_page,
        "total": TOTAL_LIMIT if capped else total,
        "total_capped": capped,
    }


def audit_trail(hosho: Hosho, actor: Actor, contract_id: int) -> list[dict[str, Any]]:
    with hosho.reading() as session:
        if repository.load(session, contract_id, retailer_id=_scope(actor)) is None:
            raise not_found(f"contract {contract_id}")
        entries = session.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.entity == "contract", m.AuditEntry.entity_id == contract_id)
            .order_by(m.AuditEntry.id)
        ).scalars()
        return [
            {"at": e.at, "actor": e.actor, "action": e.action, "before": e.before, "after": e.after} for e in entries
        ]
