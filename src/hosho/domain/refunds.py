"""Cancellation and refunds (zest 第9条; ipro その他の留意事項(6)), exact to the yen."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hosho.domain.chronology import check_in_order, record
from hosho.domain.contract import Contract, DomainError, Status
from hosho.domain.money import Rate, Yen
from hosho.domain.periods import period_end_not_counting_first_day
from hosho.domain.program import Plan


class CancelReason(StrEnum):
    CUSTOMER = "customer"
    SALE_RESCINDED = "sale_rescinded"


@dataclass(frozen=True, slots=True)
class RefundBreakdown:
    """How a customer refund was derived: the bracket, its rate and the transfer fee."""

    bracket: int  # 0-based row of the table
    bracket_ends: date | None  # last day of that bracket (None: the open last bracket)
    rate: Rate
    gross: Yen  # floor(price × rate)
    transfer_fee: Yen
    refund: Yen


@dataclass(frozen=True, slots=True)
class Cancellation:
    refund: Yen
    clauses: tuple[str, ...]
    breakdown: RefundBreakdown | None
    reason: CancelReason


def bracket_ends(purchase_date: date, bracket_years: Sequence[int]) -> tuple[date, ...]:
    """購入日から N 年以内: the purchase day is not counted (初日不算入), so day 365/366 is still inside."""
    return tuple(period_end_not_counting_first_day(purchase_date, years=years) for years in bracket_years)


def customer_refund(
    plan: Plan,
    bracket_years: Sequence[int],
    *,
    purchase_date: date,
    purchase_price: int,
    cancelled_on: date,
    transfer_fee: int,
) -> RefundBreakdown:
    """floor(price × rate) − transfer fee, never below 0 (0 means no refund)."""
    ends = bracket_ends(purchase_date, bracket_years)
    index = next((i for i, end in enumerate(ends) if cancelled_on <= end), len(ends))
    rate = plan.refund_rates[index] if index < len(plan.refund_rates) else Rate(0, 1)
    gross = rate.apply_floor(purchase_price)
    refund = Yen(max(0, gross - transfer_fee))
    return RefundBreakdown(index, ends[index] if index < len(ends) else None, rate, gross, Yen(transfer_fee), refund)


def cancel(contract: Contract, *, on: date, reason: CancelReason, transfer_fee: int = 0) -> Cancellation:
    """Cancel the contract and compute the refund. A second cancellation is refused and refunds nothing."""
    if transfer_fee < 0:
        raise DomainError("invalid_request", "transfer_fee must not be negative", field="transfer_fee")
    if contract.status is Status.PENDING:
        raise DomainError("not_paid", "the contract was never paid: there is nothing to cancel or refund")
    check_in_order(contract, on)
    contract.refresh(on)
    if contract.status is not Status.ACTIVE:
        raise DomainError(
            "contract_not_active",
            f"the contract is {contract.status.value}: it cannot be cancelled",
            params={"status": contract.status.value},
        )
    rule = contract.terms.cancellation
    if not rule.refunds_allowed:
        result = Cancellation(Yen(0), rule.no_refund_clauses, None, reason)
    elif reason is CancelReason.SALE_RESCINDED:
        result = _rescission(contract, rule.rescission_clauses, rule.rescission_no_refund_clauses, reason)
    else:
        if contract.purchase_price is None:
            raise DomainError("invalid_contract", "purchase_price is needed for a refund", field="purchase_price")
        breakdown = customer_refund(
            contract.plan,
            rule.bracket_years,
            purchase_date=contract.purchase_date,
            purchase_price=contract.purchase_price,
            cancelled_on=on,
            transfer_fee=transfer_fee,
        )
        result = Cancellation(breakdown.refund, rule.customer_clauses, breakdown, reason)
    contract.status = Status.CANCELLED
    contract.ended_on = on
    contract.refund = result.refund
    record(contract, on)
    return result


def _rescission(
    contract: Contract, clauses: tuple[str, ...], no_refund: tuple[str, ...], reason: CancelReason
) -> Cancellation:
    # 第9条第2項: the whole fee, unless a repair has been done or is under way.
    if contract.has_repair:
        return Cancellation(Yen(0), clauses + no_refund, None, reason)
    if contract.warranty_fee is None:
        raise DomainError("invalid_contract", "warranty_fee is needed to refund a rescinded sale", field="warranty_fee")
    return Cancellation(Yen(contract.warranty_fee), clauses, None, reason)


def bulk_customer_refunds(
    plans: Sequence[Plan],
    bracket_years: Sequence[int],
    purchase_ordinals: Sequence[int],
    prices: Sequence[int],
    cancel_ordinals: Sequence[int],
    transfer_fee: int,
) -> list[int]:
    """Refunds for many contracts at once (same rules as customer_refund, memoised per purchase date)."""
    ends_cache: dict[int, tuple[int, ...]] = {}
    # Rate rows per plan, padded so that bisect's "after every bracket" index finds the last rate (or 0%).
    rates = {
        id(plan): [(r.numerator, r.denominator) for r in plan.refund_rates] + [(0, 1)] * (len(bracket_years) + 1)
        for plan in {id(p): p for p in plans}.values()
    }
    out: list[int] = []
    append = out.append
    for plan, bought, price, cancelled in zip(plans, purchase_ordinals, prices, cancel_ordinals, strict=True):
        ends = ends_cache.get(bought)
        if ends is None:
            ends = ends_cache[bought] = tuple(
                d.toordinal() for d in bracket_ends(date.fromordinal(bought), bracket_years)
            )
        # The first bracket whose last day is on or after the cancellation day.
        numerator, denominator = rates[id(plan)][bisect_left(ends, cancelled)]
        refund = price * numerator // denominator - transfer_fee
        append(refund if refund > 0 else 0)
    return out
