"""The actions Hosho takes, one command type each, defined once.

The API takes them as its request bodies, the console builds them from its forms, the CLI from its arguments and
the scenario runner from a scenario's steps; the service takes nothing else. A field's rules (type, bounds, length)
are stated here and nowhere else; text lengths come from the columns that store them (`store.models`), so a value
that passes here always fits its column on every database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Column, String
from sqlalchemy.orm import InstrumentedAttribute

from hosho.domain.calendar import JST
from hosho.domain.refunds import CancelReason as CancelReason
from hosho.geo.postal import InvalidPostalCode, UnknownPostalCode, default_directory
from hosho.store import models as m


def column_length(column: InstrumentedAttribute[Any] | Column[Any]) -> int:
    """The length of a text column: the one bound a stored text has on PostgreSQL."""
    kind = column.type
    assert isinstance(kind, String) and kind.length is not None, f"{column} is not a bounded text column"
    return kind.length


def fits(column: InstrumentedAttribute[Any], *, min_length: int = 1, **extra: Any) -> Any:
    """A text field's bounds: not empty, and no longer than the column that stores it."""
    return Field(min_length=min_length, max_length=column_length(column), **extra)


# Ids are 64-bit in the database; a larger one finds nothing rather than overflowing the driver.
ID_MAX = 2**63 - 1
# 1,000億円 at most: far above any product, and still exact in the database's 64-bit integers after any rate.
YEN_MAX = 100_000_000_000
Yen = Annotated[int, Field(strict=True, ge=0, le=YEN_MAX, description="Integer yen (円)")]


def _iso_date(value: Any) -> Any:
    """Dates are written YYYY-MM-DD (a number is not a date, whatever a lenient parser makes of it)."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {value!r}")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"must be a date written YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None


DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _iso_datetime(value: Any) -> Any:
    """A time is written 2026-11-20T16:00 (seconds and offset optional): not a number, not a bare date."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not DATETIME.fullmatch(value):
        raise ValueError(f"must be a date and time such as 2026-11-20T16:00 (JST when no offset), got {value!r}")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a time of the calendar") from None


def _jst(value: dt.datetime) -> dt.datetime:
    """A time without an offset is JST wall-clock time."""
    return value if value.tzinfo is not None else value.replace(tzinfo=JST)


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
JstDateTime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_jst)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


class Command(BaseModel):
    """A request to the service: unknown fields are refused, values are immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: object) -> object:
        """Text holds no control characters but tab and line breaks (PostgreSQL refuses NUL outright)."""
        if (
            isinstance(value, str)
            and not value.isprintable()
            and any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value)
        ):
            raise ValueError("must not contain control characters")
        return value


# --- enrolment ----------------------------------------------------------------------------------------------------

Email = Annotated[str, fits(m.Subscriber.email, min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")]


def _postal_code(value: str) -> str:
    """A postal code Japan Post has (its data ships with Hosho: hosho.geo), kept as typed (pages write it one way)."""
    try:
        default_directory().lookup(value)
    except InvalidPostalCode as error:
        raise ValueError(f"{value!r} is not a postal code: {error.reason}") from None
    except UnknownPostalCode:
        raise ValueError(f"{value!r}: Japan Post has no such postal code") from None
    return value


# Written as people write it (100-0001, 1000001, full-width digits); refused unless Japan Post has it.
PostalCode = Annotated[str, fits(m.Subscriber.postal_code), AfterValidator(_postal_code)]


class Subscriber(Command):
    name: Annotated[str, fits(m.Subscriber.name)]
    name_kana: Annotated[str, fits(m.Subscriber.name_kana)] | None = None
    phone: Annotated[str, fits(m.Subscriber.phone)] | None = None
    email: Email | None = None
    postal_code: PostalCode | None = None
    address: Annotated[str, fits(m.Subscriber.address)] | None = None


class EquipmentItem(Command):
    kind: Annotated[str, fits(m.Equipment.kind, pattern=r"^[a-z][a-z0-9_]*$")] = Field(
        description="An equipment kind of the program (its rules.yaml equipment_kinds: camera, recorder, …)"
    )
    model: Annotated[str, fits(m.Equipment.model)]
    serial: Annotated[str, fits(m.Equipment.serial)]
    service_mode: Literal["onsite", "sendback"] | None = None


class Site(Command):
    postal_code: Annotated[str, fits(m.Contract.site_postal_code)] | None = None
    country: Country = "JP"
    remote_island: bool | None = Field(default=None, description="Derived from the postal code when left out")


class Enrol(Command):
    """Open a pending contract (no certificate before payment, zest 第1条)."""

    program: Annotated[str, fits(m.Contract.program_id)]
    plan: Annotated[str, fits(m.Contract.plan_id)]
    purchase_date: Date
    purchase_price: Yen | None = None
    warranty_fee: Yen | None = None
    manufacturer_warranty_months: Annotated[int, Field(strict=True, ge=0, le=600)] | None = None
    repair_cap: Yen | None = None
    operation_start_date: Date | None = None
    applied_on: Date | None = None
    equipment: list[EquipmentItem] = Field(default_factory=list, max_length=500)
    site: Site = Field(default_factory=lambda: Site())
    maker_onsite_repair: bool | None = None
    retailer: Annotated[str, fits(m.Retailer.code)] | None = Field(
        default=None, description="Retailer code; a retailer key always enrols for its own channel"
    )
    subscriber: Subscriber


# --- the contract's life ------------------------------------------------------------------------------------------


class Pay(Command):
    """The fee received: the contract becomes active and its certificate is issued (第1条)."""

    date: Date


class TransferOwnership(Command):
    """第6条(4), ipro サービス内容に含まれない項目(7): cover ends with the transfer."""

    date: Date


class ChangedFields(Command):
    name: Annotated[str, fits(m.Subscriber.name)] | None = None
    name_kana: Annotated[str, fits(m.Subscriber.name_kana)] | None = Field(
        default=None, description="The furigana; a new name without it drops the old one"
    )
    phone: Annotated[str, fits(m.Subscriber.phone)] | None = None
    postal_code: PostalCode | None = Field(default=None, description="The new address's postal code, with it")
    address: Annotated[str, fits(m.Subscriber.address)] | None = None
    email: Email | None = None


class ReportChange(Command):
    """第4条第1項(1): the subscriber's name or contact details changed."""

    date: Date
    fields: ChangedFields


class MakerReplacement(Command):
    """第2条第1項: the period does not change; 第4条第1項(2): an unreported replacement may void cover."""

    date: Date
    reported: bool = True
    serial: Annotated[str, fits(m.Equipment.serial)] | None = None


class BankAccountIn(Command):
    """An account to pay a refund to (payouts.md), as the subscriber gives it; the service checks every part of it
    (bank and branch in the Zengin code data, 預金種目 1/2/4, up to 7 digits, a holder name the bank can carry) and
    refuses what cannot be used with `invalid_bank_account` and the field."""

    bank_code: Annotated[str, Field(min_length=1, max_length=10, description="銀行コード, 4 digits")]
    branch_code: Annotated[str, Field(min_length=1, max_length=10, description="支店コード, 3 digits")]
    account_type: Annotated[int, Field(strict=True, description="預金種目: 1 普通, 2 当座, 4 貯蓄")]
    account_number: Annotated[str, Field(min_length=1, max_length=20, description="口座番号, up to 7 digits")]
    holder: Annotated[str, Field(min_length=1, max_length=60, description="口座名義 (カナ)")]


class Cancel(Command):
    """Cancellation and its refund by the terms' table (zest 第9条); one refund only."""

    date: Date
    reason: CancelReason = CancelReason.CUSTOMER
    transfer_fee: Yen = 0
    bank_account: BankAccountIn | None = Field(default=None, description="Where the refund is paid (zest 第9条)")


# --- repair requests and their cases ------------------------------------------------------------------------------


class RequestRepair(Command):
    """A repair request, decided at intake with the clauses it rests on."""

    at: JstDateTime = Field(description="When the request was made; JST when no offset is given")
    cause: Annotated[str, fits(m.RepairCase.cause)] = Field(
        description="A cause of the vocabulary (GET /v1/programs/{program}: parameters.causes)"
    )
    country: Country = "JP"
    needs_parts: bool = True
    part: Annotated[str, Field(min_length=1, max_length=40)] | None = Field(
        default=None, description="A part of the vocabulary, when one failed"
    )
    install_height_m: Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)] | None = None
    claim: Annotated[str, Field(min_length=1, max_length=40)] = Field(
        default="repair", description="A claim of the vocabulary"
    )
    item: Annotated[str, fits(m.RepairCase.item_serial)] | None = Field(
        default=None, description="The serial of the failed equipment item (ipro: SD cards of recorders only)"
    )


class ItemArrived(Command):
    """Send-back: the item (and its check sheet) arrived; the repair deadline starts from the later of the two."""

    kind: Literal["item_arrived"] = "item_arrived"
    date: Date
    check_sheet_date: Date | None = Field(default=None, description="Default: the item's date")
    note: Note | None = None


class Estimate(Command):
    """The repair's price, or that it cannot be repaired: over the cap → replacement (zest 第5条)."""

    kind: Literal["estimate"] = "estimate"
    date: Date | None = Field(default=None, description="Default: the day the request was received")
    amount: Yen | None = None
    repairable: bool = True
    note: Note | None = None


class Progress(Command):
    """A case's progress that the rules do not decide: visits, the repair done, the item shipped, replaced."""

    kind: Literal["visit_scheduled", "visit_done", "repaired", "shipped", "replaced"]
    date: Date
    note: Note | None = None
    serial: Annotated[str, fits(m.Equipment.serial)] | None = Field(
        default=None, description="replaced: the new item's serial, kept in the item's history"
    )


Verdict = Literal["covered", "not_covered"]


class Diagnosis(Command):
    """What the technician found on the visit or once a send-back item arrived: the intake decision was
    provisional; a fault that does not reproduce (zest 第6条(18)) or an excluded cause takes the case out of cover."""

    date: Date
    reproduced: bool = True
    cause: Annotated[str, fits(m.RepairCase.cause)] | None = Field(
        default=None, description="The cause the technician found (a cause of the vocabulary)"
    )
    note: Note | None = None


class DecideReview(Command):
    """A supervisor's decision on a case the terms leave to the provider (要審査, zest 第4条第1項(2)); once."""

    date: Date
    decision: Verdict
    note: Note


class OpenDispute(Command):
    """見解相違 (zest 第11条): the subscriber disputes a not-covered decision."""

    date: Date
    note: Note


class DisputeOpinion(Command):
    """The neutral third party's opinion on an open dispute."""

    date: Date
    opinion: Note


class DecideDispute(Command):
    """The provider's final decision on a dispute: covered reopens the case for its repair."""

    date: Date
    decision: Verdict
    note: Note


CaseEvent = Annotated[ItemArrived | Estimate | Progress, Field(discriminator="kind")]


# --- the company calendar -----------------------------------------------------------------------------------------


class ClosureRange(Command):
    """Closed days `first` to `last`, both included (a year-end closure may run into the next year)."""

    first: Date
    last: Date
    name: Annotated[str, Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ClosureRange:
        if self.last < self.first:
            raise ValueError(f"the range ends before it starts: {self.first} … {self.last}")
        if (self.last - self.first).days > 366:
            raise ValueError("a closure lasts at most a year")
        return self


class SetClosures(Command):
    """A program's company closures (弊社特定休日) for one year: they replace the terms' annual closures that start in
    that year. `ranges: null` returns the year to the terms' defaults; an empty list closes nothing that year."""

    year: Annotated[int, Field(strict=True, ge=2000, le=2060)]
    ranges: list[ClosureRange] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _in_year(self) -> SetClosures:
        outside = [f"{r.first}…{r.last}" for r in self.ranges or () if r.first.year != self.year]
        if outside:
            raise ValueError(f"each closure of {self.year} starts in {self.year}: {', '.join(outside)}")
        return self


# --- refund payouts -----------------------------------------------------------------------------------------------


class CreateBatch(Command):
    """Every ready refund into one Zengin batch, to be paid on a bank business day."""

    transfer_date: Date = Field(description="振込指定日: a bank business day")


class BankAnswer(Command):
    """The bank's answer for one transfer of a batch: paid, or returned (振込不能, 組戻し) with the reason."""

    refund_id: Annotated[int, Field(strict=True, ge=1, le=ID_MAX)]
    result: Literal["paid", "returned"]
    date: Date
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Why the bank could not pay (required when returned)"
    )


# --- the daily work -----------------------------------------------------------------------------------------------


class Advance(Command):
    """Run the daily work (notices.md) for every day up to and including `to`, on one contract's data: a testing
    service only (HOSHO_TESTING=1), for scenarios."""

    to: Annotated[Date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2199, 12, 31))]
