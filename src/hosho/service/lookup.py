"""Finding contracts: the call center's search by certificate number, serial, phone or name.

Its hot path is a certificate number read out on the phone: Core statements built once per combination of filters
and run on the driver's cursor (store.reads), one for the contracts with subscriber and retailer, one for their
equipment, and cases only for contracts that have some.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, exists, func, select

from hosho.service.context import Actor, Hosho, known_program, retailer_scope
from hosho.service.results import CaseView, ContractPage
from hosho.service.search import code_key, is_kana, name_key, phone_key, prefix_upper_bound
from hosho.service.views import CARD_COLUMNS, EQUIPMENT_COLUMNS, SUBSCRIBER_COLUMNS, case_view, contract_card
from hosho.store import models as m

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
) -> ContractPage:
    """Contracts matching every filter given; names match as a prefix, width and spacing folded."""
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
    if (scope := retailer_scope(actor)) is not None:
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
    cases: dict[int, list[CaseView]] = {contract_id: [] for contract_id in ids}
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
    return ContractPage(
        items=cards, page=page, per_page=per_page, total=TOTAL_LIMIT if capped else total, total_capped=capped
    )
