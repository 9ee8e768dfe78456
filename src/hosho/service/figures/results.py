"""The figures' answers: the API serves them as they are, the console draws and tabulates them.

Counts and yen are integers; a ratio is in basis points (1/100 of a percent, floored), None when it has no
denominator. Months are 'YYYY-MM'.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from hosho.service.results import DecisionWord, RefundStatusWord, Result, one_of


class Filters(Result):
    program: str | None
    plan: str | None
    retailer: str | None
    from_month: str = Field(alias="from", serialization_alias="from")
    to_month: str = Field(alias="to", serialization_alias="to")


class Figure(Result):
    filters: Filters
    as_of: dt.date = Field(description="The day the figures were computed for (today, JST)")


# --- SLA ----------------------------------------------------------------------------------------------------------


class SlaTarget(StrEnum):
    """visit: 翌々営業日以内に訪問 (the case's visit_by); repair: 到着後4営業日以内に修理完了 (its repair_due)."""

    VISIT = "visit"
    REPAIR = "repair"


SlaKind = Annotated[str, one_of(SlaTarget)]


class SlaMonth(Result):
    month: str
    kind: SlaKind
    due: int = Field(description="Cases whose target day is in the month and has passed or is met")
    met: int
    breached: int
    pending: int = Field(description="Target day not yet passed and not yet met: counted neither way")
    attainment_bp: int | None = Field(description="met ÷ due in basis points, floored")


class SlaBreach(Result):
    case_id: int
    contract_id: int
    case_number: int
    program: str
    plan: str
    kind: SlaKind
    target: dt.date
    done_on: dt.date | None = Field(description="The visit or the repair's completion, None if not done yet")
    days_late: int = Field(description="Calendar days from the target to the day done (or to today)")


class SlaFigure(Figure):
    months: list[SlaMonth]
    breaches: list[SlaBreach]
    breaches_total: int
    breaches_limit: int


# --- cases --------------------------------------------------------------------------------------------------------


class CauseCount(Result):
    cause: str
    decision: DecisionWord
    count: int


class ClauseCount(Result):
    program: str
    label: str
    count: int = Field(description="Decisions citing the clause")


class DisputeCount(Result):
    """見解相違 (zest 第11条) about one clause: a ground of the not-covered decision the subscriber disagreed with."""

    program: str
    label: str
    disputes: int = Field(description="Disputes opened in the months about the clause")
    open: int = Field(description="Not decided yet")
    covered: int = Field(description="Decided covered: the refusal was overturned")
    not_covered: int = Field(description="Decided not covered: the refusal was upheld")


class CasesFigure(Figure):
    by_cause: list[CauseCount]
    clauses: list[ClauseCount]
    disputes: list[DisputeCount] = Field(
        default_factory=list, description="Disputes by the clause disputed, most disputed first"
    )


# --- contracts ----------------------------------------------------------------------------------------------------


class ContractMonth(Result):
    month: str
    program: str
    plan: str
    retailer: str | None
    enrolled: int = Field(description="Applications dated in the month")
    active: int = Field(description="In force at the month's end: paid, not ended, coverage not over")


class EndingMonth(Result):
    month: str
    program: str
    plan: str
    retailer: str | None
    count: int


class EndingContract(Result):
    contract_id: int
    certificate_number: str | None
    program: str
    plan: str
    retailer: str | None
    coverage_end: dt.date


class ContractsFigure(Figure):
    months: list[ContractMonth]


class EndingFigure(Figure):
    window_days: int
    by_month: list[EndingMonth]
    contracts: list[EndingContract]
    contracts_total: int
    contracts_limit: int


# --- refunds ------------------------------------------------------------------------------------------------------


class RefundMonth(Result):
    month: str
    status: RefundStatusWord
    count: int
    yen: int


class RefundBracket(Result):
    years: int = Field(description="n: cancelled in the n-th year from the purchase date (1年以内 = 1)")
    status: RefundStatusWord
    count: int
    yen: int


class RefundsFigure(Figure):
    by_month: list[RefundMonth]
    by_bracket: list[RefundBracket]


# --- loss ratio ---------------------------------------------------------------------------------------------------


class LossRow(Result):
    by: Literal["total", "program", "plan", "retailer"]
    program: str | None
    plan: str | None
    retailer: str | None
    fees: int = Field(description="Warranty fees received (paid in the months), yen")
    repairs: int = Field(description="Repairs paid: estimates of repaired cases received in the months, yen")
    replacements: int = Field(description="Replacements paid: the cap of each replaced product, yen")
    loss_ratio_bp: int | None = Field(description="(repairs + replacements) ÷ fees in basis points, floored")


class LossFigure(Figure):
    rows: list[LossRow]
