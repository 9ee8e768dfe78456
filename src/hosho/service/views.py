"""The service's results (service/results.py) built from rows and domain answers; they format, never decide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hosho.domain.enrollment import consumable_schedule
from hosho.domain.program import CostLine, ProgramVersion
from hosho.domain.repairs import Deadline, RepairDecision
from hosho.programs.catalog import Catalog
from hosho.service.results import (
    CaseEventView,
    CaseView,
    ClauseText,
    ContractView,
    CostView,
    DeadlineView,
    Decision,
    ReasonView,
    SkippedDay,
)
from hosho.store import models as m


def certificate_display(number: str | None) -> str | None:
    """ZEST2025000012347 → ZEST-2025-00001234-7 (what is printed and read out)."""
    if number is None:
        return None
    head = number[:-13]
    return f"{head}-{number[-13:-9]}-{number[-9:-1]}-{number[-1]}"


def clause_texts(terms: ProgramVersion, labels: tuple[str, ...] | list[str], mode: str | None) -> list[ClauseText]:
    return [
        ClauseText(label=label, text=terms.clauses[label].text_for(mode)) for label in labels if label in terms.clauses
    ]


def costs_view(lines: tuple[CostLine, ...], catalog: Catalog) -> list[CostView]:
    vocabulary = catalog.vocabulary
    return [
        CostView(
            item=line.item,
            item_ja=vocabulary.cost_items.get(line.item, line.item),
            payer=line.payer.value,
            payer_ja=vocabulary.payers.get(line.payer.value, line.payer.value),
            note=line.note or None,
            clauses=list(line.clauses),
        )
        for line in lines
    ]


def skipped_view(days: tuple[tuple[date, str], ...]) -> list[SkippedDay]:
    return [SkippedDay(date=day, reason=why) for day, why in days]


def deadline_view(deadline: Deadline | None) -> DeadlineView | None:
    """The deadline as the domain derived it: the days it passed over come with it, nothing is counted again."""
    if deadline is None:
        return None
    return DeadlineView(
        kind=deadline.kind,
        due=deadline.due,
        clock_start=deadline.clock_start,
        business_days=deadline.business_days,
        skipped=skipped_view(deadline.skipped),
        clauses=list(deadline.clauses),
    )


def decision_fields(
    decision: RepairDecision, case_id: int | None, terms: ProgramVersion, catalog: Catalog, mode: str
) -> dict[str, Any]:
    """A repair decision's fields (Decision's), for a preview or, with the contract's status, a stored request."""
    reception = decision.reception
    return {
        "case_id": case_id,
        "case_number": decision.case_number,
        "decision": decision.verdict,
        "terms_version": decision.version,
        "reasons": [
            ReasonView(key=r.key, clauses=list(r.clauses), reasoning=r.reasoning or None) for r in decision.reasons
        ],
        "clauses": clause_texts(terms, decision.clauses, mode),
        "requested_at": reception.requested_at,
        "received_at": reception.received_at,
        "received_on": reception.received_on,
        "reception_skipped": skipped_view(reception.skipped),
        "visit_by": decision.visit_by,
        "deadline": deadline_view(decision.deadline),
        "costs": costs_view(decision.costs, catalog),
    }


def decision_view(
    decision: RepairDecision, case_id: int | None, terms: ProgramVersion, catalog: Catalog, mode: str
) -> Decision:
    return Decision(**decision_fields(decision, case_id, terms, catalog, mode))


def case_fields(case: m.RepairCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "contract_id": case.contract_id,
        "number": case.number,
        "requested_at": case.requested_at,
        "received_on": case.received_on,
        "cause": case.cause,
        "covered": case.covered,
        "state": case.state,
        "visit_by": case.visit_by,
        "item_arrived_on": case.item_arrived_on,
        "repair_due": case.repair_due,
        "estimate": case.estimate,
        "outcome": case.outcome,
        "review": case.review,
        "dispute": case.dispute,
        "item_serial": case.item_serial,
        "events": [CaseEventView(at=e.at, kind=e.kind, date=e.on_date, data=e.data) for e in case.events],
    }


def case_view(case: m.RepairCase) -> CaseView:
    return CaseView(**case_fields(case))


# What a contract's card shows, by column: read from an ORM row (contract_view) or selected by search (Core).
CARD_COLUMNS = (
    "id",
    "status",
    "program_id",
    "terms_version",
    "plan_id",
    "certificate_number",
    "certificate_issued_on",
    "purchase_date",
    "applied_on",
    "purchase_price",
    "warranty_fee",
    "repair_cap",
    "operation_start_date",
    "coverage_start",
    "coverage_end",
    "paid_on",
    "ended_on",
    "refund",
    "site_postal_code",
    "site_country",
    "remote_island",
    "version",
)
SUBSCRIBER_COLUMNS = ("name", "name_kana", "phone", "email", "postal_code", "address")
EQUIPMENT_COLUMNS = ("kind", "model", "serial", "service_mode")


def contract_view(row: m.Contract, catalog: Catalog, *, clauses: tuple[str, ...] = ()) -> ContractView:
    return contract_card(
        {name: getattr(row, name) for name in CARD_COLUMNS},
        catalog,
        subscriber={name: getattr(row.subscriber, name) for name in SUBSCRIBER_COLUMNS},
        retailer=row.retailer.code if row.retailer is not None else None,
        equipment=[{name: getattr(item, name) for name in EQUIPMENT_COLUMNS} for item in row.equipment],
        cases=[case_view(case) for case in row.cases],
        clauses=clauses,
    )


def contract_card(
    row: Mapping[str, Any],
    catalog: Catalog,
    *,
    subscriber: dict[str, Any],
    retailer: str | None,
    equipment: list[dict[str, Any]],
    cases: list[CaseView],
    clauses: tuple[str, ...] = (),
) -> ContractView:
    """The contract as the API and the console show it; `row` holds the CARD_COLUMNS."""
    program = catalog.program(row["program_id"])
    terms = next(v for v in program.versions if v.effective_from == row["terms_version"])
    plan = terms.plans[row["plan_id"]]
    maker_end: date | None = None
    if row["coverage_start"] != row["purchase_date"]:
        maker_end = date.fromordinal(row["coverage_start"].toordinal() - 1)
    schedule = consumable_schedule(terms, plan.consumable_replacements, row["purchase_date"])
    return ContractView.model_validate(
        {
            "id": row["id"],
            "status": row["status"],
            "program": row["program_id"],
            "program_name": terms.name,
            "terms_version": terms.version,
            "plan": {
                "id": plan.id,
                "name": plan.name,
                "service_mode": plan.service_mode.value,
                "years": plan.term_years,
            },
            "retailer": retailer,
            "certificate_number": certificate_display(row["certificate_number"]),
            "certificate_issued_on": row["certificate_issued_on"],
            "purchase_date": row["purchase_date"],
            "applied_on": row["applied_on"],
            "purchase_price": row["purchase_price"],
            "warranty_fee": row["warranty_fee"],
            "repair_cap": row["repair_cap"],
            "operation_start_date": row["operation_start_date"],
            "manufacturer_warranty_end": maker_end,
            "coverage_start": row["coverage_start"],
            "coverage_end": row["coverage_end"],
            "paid_on": row["paid_on"],
            "ended_on": row["ended_on"],
            "refund": row["refund"],
            "consumable_replacement": {"count": schedule.count, "around": schedule.around},
            "site": {
                "postal_code": row["site_postal_code"],
                "country": row["site_country"],
                "remote_island": row["remote_island"],
            },
            "subscriber": subscriber,
            "equipment": equipment,
            "cases": cases,
            "version": row["version"],
            "clauses": list(clauses),
        }
    )
