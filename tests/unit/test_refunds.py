from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain.contract import DomainError, Status
from hosho.domain.refunds import CancelReason, bulk_customer_refunds, cancel, customer_refund
from hosho.domain.repairs import RepairRequest, decide_repair
from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from tests.unit.builders import ipro_contract, zest_contract

BRACKETS = (1, 2, 3, 4)


@pytest.mark.parametrize(
    ("plan", "cancelled_on", "refund"),
    [
        ("kaden-5y", date(2025, 4, 1), 3_000 - 330),  # the anniversary is still 「1年以内」 (初日不算入)
        ("kaden-5y", date(2025, 4, 2), 2_250 - 330),
        ("kaden-5y", date(2026, 4, 1), 2_250 - 330),
        ("kaden-5y", date(2026, 4, 2), 1_500 - 330),
        ("kaden-5y", date(2028, 4, 1), 750 - 330),
        ("kaden-5y", date(2028, 4, 2), 0),  # 4年超: 返金なし
        ("aircon-8y", date(2025, 4, 1), 4_800 - 330),
        ("aircon-8y", date(2025, 4, 2), 3_600 - 330),
        ("aircon-8y", date(2027, 4, 2), 1_200 - 330),
        ("aircon-8y", date(2031, 4, 2), 0),
    ],
)
def test_customer_refund_follows_the_table_bracket_of_the_cancellation_day(
    catalog: Catalog, plan: str, cancelled_on: date, refund: int
) -> None:
    contract = zest_contract(catalog, plan=plan)
    assert cancel(contract, on=cancelled_on, reason=CancelReason.CUSTOMER, transfer_fee=330).refund == refund
    assert contract.status is Status.CANCELLED


def test_a_purchase_on_29_february_keeps_its_first_bracket_until_28_february(catalog: Catalog) -> None:
    plan = catalog.program("zest").versions[0].plans["kaden-5y"]
    kwargs = {"purchase_date": date(2024, 2, 29), "purchase_price": 100_000, "transfer_fee": 0}
    assert customer_refund(plan, BRACKETS, cancelled_on=date(2025, 2, 28), **kwargs).refund == 3_000  # type: ignore[arg-type]
    assert customer_refund(plan, BRACKETS, cancelled_on=date(2025, 3, 1), **kwargs).refund == 2_250  # type: ignore[arg-type]


def test_a_refund_smaller_than_the_transfer_fee_is_no_refund(catalog: Catalog) -> None:
    contract = zest_contract(catalog, price=10_000)  # 3% = 300 yen
    assert cancel(contract, on=date(2024, 5, 1), reason=CancelReason.CUSTOMER, transfer_fee=330).refund == 0


def test_a_second_cancellation_is_refused_and_refunds_nothing_more(catalog: Catalog) -> None:
    contract = zest_contract(catalog)
    cancel(contract, on=date(2024, 5, 1), reason=CancelReason.CUSTOMER)
    with pytest.raises(DomainError) as refused:
        cancel(contract, on=date(2024, 5, 2), reason=CancelReason.CUSTOMER)
    assert refused.value.code == "contract_not_active"
    assert contract.refund == 3_000


def test_rescinded_sale_refunds_the_whole_fee_without_transfer_fee(catalog: Catalog) -> None:
    contract = zest_contract(catalog, plan="aircon-8y", price=150_000, fee=12_000)
    result = cancel(contract, on=date(2024, 4, 20), reason=CancelReason.SALE_RESCINDED, transfer_fee=330)
    assert (result.refund, result.clauses) == (12_000, ("第9条第2項",))


def test_rescinded_sale_after_a_covered_repair_request_refunds_nothing(catalog: Catalog, engine: Engine) -> None:
    contract = zest_contract(catalog, purchase=date(2023, 9, 1))
    calendar = engine.calendar(contract.terms.closures)
    from datetime import datetime

    decide_repair(contract, RepairRequest(at=datetime(2025, 10, 6, 10), cause="normal_use"), calendar)
    result = cancel(contract, on=date(2025, 10, 7), reason=CancelReason.SALE_RESCINDED)
    assert result.refund == 0


def test_maintenance_packs_never_refund_whatever_the_reason(catalog: Catalog) -> None:
    for reason in CancelReason:
        contract = ipro_contract(catalog)
        result = cancel(contract, on=date(2025, 3, 2), reason=reason, transfer_fee=0)
        assert (result.refund, result.clauses) == (0, ("その他の留意事項(6)",))


def test_an_unpaid_contract_cannot_be_cancelled_for_a_refund(catalog: Catalog) -> None:
    contract = zest_contract(catalog, paid=False)
    with pytest.raises(DomainError) as refused:
        cancel(contract, on=date(2024, 4, 2), reason=CancelReason.CUSTOMER)
    assert refused.value.code == "not_paid"
    assert contract.status is Status.PENDING


purchases = st.dates(date(2001, 1, 1), date(2050, 12, 31))
prices = st.integers(0, 5_000_000)
fees = st.integers(0, 1_000)


@given(purchases, st.integers(0, 3_000), prices, fees, st.sampled_from(["kaden-5y", "aircon-8y"]))
def test_a_refund_is_never_negative_nor_above_the_table_amount(
    catalog: Catalog, bought: date, days: int, price: int, fee: int, plan_id: str
) -> None:
    plan = catalog.program("zest").versions[0].plans[plan_id]
    result = customer_refund(
        plan,
        BRACKETS,
        purchase_date=bought,
        purchase_price=price,
        cancelled_on=bought + timedelta(days),
        transfer_fee=fee,
    )
    table_amount = plan.refund_rates[0].apply_floor(price)
    assert 0 <= result.refund <= result.gross <= table_amount


@given(
    purchases, st.integers(0, 3_000), st.integers(0, 3_000), prices, fees, st.sampled_from(["kaden-5y", "aircon-8y"])
)
def test_refunds_do_not_increase_as_the_cancellation_moves_later(
    catalog: Catalog, bought: date, a: int, b: int, price: int, fee: int, plan_id: str
) -> None:
    plan = catalog.program("zest").versions[0].plans[plan_id]
    earlier, later = sorted((a, b))

    def refund(days: int) -> int:
        return customer_refund(
            plan,
            BRACKETS,
            purchase_date=bought,
            purchase_price=price,
            cancelled_on=bought + timedelta(days),
            transfer_fee=fee,
        ).refund

    assert refund(later) <= refund(earlier)


@given(st.lists(st.tuples(purchases, st.integers(0, 2_500), prices, st.booleans()), min_size=1, max_size=40), fees)
def test_the_bulk_path_gives_the_same_refunds_as_one_by_one(
    catalog: Catalog, rows: list[tuple[date, int, int, bool]], fee: int
) -> None:
    plans = catalog.program("zest").versions[0].plans
    chosen = [plans["kaden-5y" if kaden else "aircon-8y"] for *_, kaden in rows]
    bulk = bulk_customer_refunds(
        chosen,
        BRACKETS,
        [bought.toordinal() for bought, *_ in rows],
        [price for _, _, price, _ in rows],
        [(bought + timedelta(days)).toordinal() for bought, days, *_ in rows],
        fee,
    )
    single = [
        customer_refund(
            plan,
            BRACKETS,
            purchase_date=bought,
            purchase_price=price,
            cancelled_on=bought + timedelta(days),
            transfer_fee=fee,
        ).refund
        for plan, (bought, days, price, _) in zip(chosen, rows, strict=True)
    ]
    assert bulk == single
