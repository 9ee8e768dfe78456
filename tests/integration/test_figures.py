"""The dashboard's figures on SQLite and PostgreSQL, from the small story of figures_data (expected by hand)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from hosho.service import figures
from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.service.figures import summary
from tests.integration.figures_data import ADMIN, RANGE, TODAY, Built, build


@pytest.fixture
def story(hosho: Hosho) -> Iterator[Built]:
    yield build(hosho)


def _sla(hosho: Hosho, **filters: str) -> dict[tuple[str, str], tuple[int, int, int, int | None]]:
    answer = figures.sla(hosho, ADMIN, {**RANGE, **filters})
    return {(row.kind, row.month): (row.met, row.breached, row.pending, row.attainment_bp) for row in answer.months}


def test_sla_attainment_counts_visits_and_repairs_by_the_month_of_their_target(hosho: Hosho, story: Built) -> None:
    months = _sla(hosho)
    assert len(months) == 24  # two kinds × twelve months, empty months included
    assert months["visit", "2026-06"] == (1, 0, 0, 10_000)  # visited on the day
    assert months["visit", "2026-08"] == (0, 1, 0, 0)  # visited two business days late
    assert months["visit", "2026-10"] == (0, 1, 0, 0)  # never visited, the day long past
    assert months["visit", "2026-12"] == (0, 0, 1, None)  # due today: not yet a breach
    assert months["repair", "2026-09"] == (1, 0, 0, 10_000)
    assert months["repair", "2026-10"] == (0, 1, 0, 0)
    assert sum(met + late + pending for met, late, pending, _ in months.values()) == 6


def test_sla_breaches_are_listed_with_their_cases_latest_target_first(hosho: Hosho, story: Built) -> None:
    answer = figures.sla(hosho, ADMIN, RANGE)
    listed = [(b.case_id, b.kind, b.target.isoformat(), b.done_on, b.days_late) for b in answer.breaches]
    g2, f1, e2 = story.case_ids["G2"], story.case_ids["F1"], story.case_ids["E2"]
    assert [row[:3] for row in listed] == [
        (g2, "repair", "2026-10-08"),
        (f1, "visit", "2026-10-07"),
        (e2, "visit", "2026-08-06"),
    ]
    assert [row[4] for row in listed] == [5, 55, 4]  # 10-08 → 10-13; 10-07 → today 12-01; 08-06 → 08-10
    assert answer.breaches_total == 3


def test_a_retailer_filter_keeps_only_its_channel(hosho: Hosho, story: Built) -> None:
    months = _sla(hosho, retailer="R2")
    assert {key: value for key, value in months.items() if value != (0, 0, 0, None)} == {
        ("visit", "2026-10"): (0, 1, 0, 0)
    }
    rows = figures.loss_ratio(hosho, ADMIN, {**RANGE, "retailer": "R1"}).rows
    total = next(row for row in rows if row.by == "total")
    assert (total.fees, total.repairs, total.replacements, total.loss_ratio_bp) == (8_000, 30_000, 0, 37_500)


def test_cases_are_counted_by_cause_and_decision_with_the_clauses_cited_most(hosho: Hosho, story: Built) -> None:
    answer = figures.cases(hosho, ADMIN, RANGE)
    assert [(row.cause, row.decision, row.count) for row in answer.by_cause] == [
        ("normal_use", "covered", 8),
        ("wear_and_tear", "not_covered", 1),
    ]
    cited = {(row.program, row.label): row.count for row in answer.clauses}
    assert cited["ipro", "修理日数の目安"] == 6  # every ipro case cites its repair-time targets
    assert cited["ipro", "サービス内容に含まれない項目(18)"] == 2  # the send-back plan's two cases
    assert cited["zest", "第3条"] == 2  # the two covered zest requests
    assert answer.clauses[0].count == max(cited.values())


def test_contracts_in_force_at_each_months_end_and_enrolments_by_month(hosho: Hosho, story: Built) -> None:
    rows = figures.contracts(hosho, ADMIN, RANGE).months
    active: dict[str, int] = {}
    enrolled: dict[str, int] = {}
    for row in rows:
        active[row.month] = active.get(row.month, 0) + row.active
        enrolled[row.month] = enrolled.get(row.month, 0) + row.enrolled
    # January: A B C E F G H I (D not yet bought, J never paid); C cancelled in March, B replaced in May,
    # D bought in April and cancelled 07-01, H's cover ends 12-19.
    assert [active[f"2026-{n:02d}"] for n in range(1, 13)] == [8, 8, 7, 8, 7, 7, 6, 6, 6, 6, 6, 5]
    assert {month: n for month, n in enrolled.items() if n} == {"2026-04": 1, "2026-11": 1}
    december = {(row.program, row.plan, row.retailer): row.active for row in rows if row.month == "2026-12"}
    assert december == {
        ("ipro", "onsite-3y", None): 1,
        ("ipro", "onsite-3y", "R1"): 1,
        ("ipro", "onsite-3y", "R2"): 1,
        ("ipro", "sendback-3y", "R1"): 1,
        ("zest", "kaden-5y", "R1"): 1,
    }


def test_contracts_ending_in_the_next_90_days(hosho: Hosho, story: Built) -> None:
    answer = figures.ending(hosho, ADMIN, {})
    assert [(c.contract_id, c.coverage_end.isoformat()) for c in answer.contracts] == [
        (story.ids["H"], "2026-12-19"),
        (story.ids["I"], "2027-02-10"),
    ]
    assert [(row.month, row.retailer, row.count) for row in answer.by_month] == [
        ("2026-12", "R2", 1),
        ("2027-02", None, 1),
    ]


def test_refunds_by_month_and_by_elapsed_year_with_their_payout_status(hosho: Hosho, story: Built) -> None:
    assert story.refunds == {"C": 1_125, "D": 4_800}  # kaden-5y 50,000 × 2.25% in year 2; aircon 100,000 × 4.8%
    answer = figures.refunds(hosho, ADMIN, RANGE)
    assert [(r.month, r.status, r.count, r.yen) for r in answer.by_month] == [
        ("2026-03", "awaiting_account", 1, 1_125),
        ("2026-07", "awaiting_account", 1, 4_800),
    ]
    assert [(r.years, r.count, r.yen) for r in answer.by_bracket] == [(1, 1, 4_800), (2, 1, 1_125)]


def test_loss_ratio_is_paid_claims_over_fees_in_basis_points_floored(hosho: Hosho, story: Built) -> None:
    rows = {(r.by, r.program, r.plan, r.retailer): r for r in figures.loss_ratio(hosho, ADMIN, RANGE).rows}
    total = rows["total", None, None, None]
    # Fees paid in 2026: C 2,500 + D 8,000; paid: A's repair 30,000 + B's replacement at its cap 80,000.
    assert (total.fees, total.repairs, total.replacements) == (10_500, 30_000, 80_000)
    assert total.loss_ratio_bp == 110_000 * 10_000 // 10_500 == 104_761
    assert rows["plan", "zest", "aircon-8y", None].loss_ratio_bp == 0
    assert rows["retailer", None, None, "R2"].loss_ratio_bp is None  # no fee received: no ratio, not a division by 0
    assert rows["program", "ipro", None, None].fees == 0


def test_a_month_range_narrows_every_figure(hosho: Hosho, story: Built) -> None:
    months = _sla(hosho, **{"from": "2026-09", "to": "2026-10"})
    assert sorted(months) == [("repair", "2026-09"), ("repair", "2026-10"), ("visit", "2026-09"), ("visit", "2026-10")]
    spring = figures.loss_ratio(hosho, ADMIN, {"from": "2026-02", "to": "2026-04"}).rows[0]
    assert (spring.fees, spring.repairs, spring.replacements) == (8_000, 30_000, 0)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "2026/01"}, "to"),
        ({"from": "2026-05", "to": "2026-04"}, "from"),
        ({"program": "nope"}, "program"),
        ({"program": "zest", "plan": "onsite-3y"}, "plan"),
        ({"retailer": "R9"}, "retailer"),
        ({"unknown": "x"}, "unknown"),
    ],
)
def test_bad_filters_name_their_field(hosho: Hosho, filters: dict[str, str], field: str) -> None:
    with pytest.raises(ServiceError) as refused:
        figures.sla(hosho, ADMIN, filters)
    assert (refused.value.code, refused.value.field) == ("invalid_request", field)


@pytest.mark.parametrize("role", [Role.AGENT, Role.TECHNICIAN, Role.RETAILER])
def test_only_the_providers_admins_read_the_figures(hosho: Hosho, role: Role) -> None:
    with pytest.raises(ServiceError) as refused:
        figures.refunds(hosho, Actor("someone", role, retailer_id=1 if role is Role.RETAILER else None), {})
    assert refused.value.code == "forbidden"


def test_the_figures_are_as_of_the_day_their_summaries_were_rebuilt(hosho: Hosho, story: Built) -> None:
    first = figures.sla(hosho, ADMIN, RANGE)
    assert first.as_of.isoformat() == "2026-12-01"
    december = next(row for row in first.months if (row.kind, row.month) == ("visit", "2026-12"))
    assert (december.pending, december.breached) == (1, 0)  # E3's visit is due today
    hosho.clock = lambda: TODAY + timedelta(days=1)
    later = figures.sla(hosho, ADMIN, RANGE)  # the first reader of a new day rebuilds them (if the daily work did not)
    assert later.as_of.isoformat() == "2026-12-02"
    december = next(row for row in later.months if (row.kind, row.month) == ("visit", "2026-12"))
    assert (december.pending, december.breached) == (0, 1)
    assert later.breaches[0].case_id == story.case_ids["E3"] and later.breaches[0].days_late == 1
    assert summary.refresh(hosho) == date(2026, 12, 2)  # already current: nothing rebuilt


def test_two_rebuilds_at_once_leave_one_copy_of_each_summary(hosho: Hosho, story: Built) -> None:
    summary.refresh(hosho, force=True)
    alone = _summary_counts(hosho)
    errors: list[BaseException] = []

    def rebuild() -> None:
        try:
            summary.refresh(hosho, force=True)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=rebuild) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _summary_counts(hosho) == alone
    assert figures.loss_ratio(hosho, ADMIN, RANGE).rows[0].loss_ratio_bp == 104_761


def _summary_counts(hosho: Hosho) -> list[int]:
    with hosho.reading() as session:
        return [session.scalar(select(func.count()).select_from(model)) or 0 for model in summary.SUMMARIES]
