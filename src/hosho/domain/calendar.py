"""Business days, company closures and call-reception hours (JST).

A business day is Monday to Friday (a program may work other weekdays: `Closures.weekly`) that is neither a
Japanese national holiday (振替休日 and 国民の休日 included, taken from the maintained `holidays` package, never
typed by hand) nor a company closure day.
Repair-time targets such as 翌々営業日以内 are counted in business days from the day a request is received,
so the calendar answers "the n-th business day after d" in O(log n) over a table built once.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from types import MappingProxyType
from typing import NamedTuple

from holidays.countries.japan import Japan

JST = timezone(timedelta(hours=9), "JST")

SATURDAY = 5
SUNDAY = 6
WEEKEND = frozenset({SATURDAY, SUNDAY})
_WEEKDAY_NAMES = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")
# Shown for a closure range given without a name (a one-off override or an extra day off).
UNNAMED_CLOSURE = "休業日"
# Shown for a business day passed over because reception has no window on that weekday.
NO_RECEPTION = "受付なし"

_ONE_DAY = timedelta(days=1)
# Any leap year: a month/day is valid in some year iff it is valid in this one.
_LEAP_YEAR = 2000


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days `first` to `last`, both included."""

    first: date
    last: date
    name: str | None = None

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"date range ends before it starts: {self.first} … {self.last}")

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.first <= d <= self.last

    def days(self) -> Iterator[date]:
        d = self.first
        while d <= self.last:
            yield d
            d += _ONE_DAY


@dataclass(frozen=True, slots=True)
class AnnualClosure:
    """A closure repeated every year, (month, day) to (month, day) inclusive.

    An end before the start wraps the year: 12/29–1/3 starting in year Y runs to 3 January of Y+1.
    """

    name: str
    start: tuple[int, int]
    end: tuple[int, int]

    def __post_init__(self) -> None:
        for month, day in (self.start, self.end):
            # 29 February would make the closure differ between leap and common years; nobody closes for it.
            if (month, day) == (2, 29):
                raise ValueError(f"closure {self.name!r}: 29 February does not exist every year")
            date(_LEAP_YEAR, month, day)  # raises ValueError on 4/31 and the like

    @property
    def wraps_year(self) -> bool:
        return self.end < self.start

    def starting_in(self, year: int) -> DateRange:
        """The occurrence that starts in `year`."""
        end_year = year + 1 if self.wraps_year else year
        return DateRange(date(year, *self.start), date(end_year, *self.end), self.name)


def _empty_by_year() -> Mapping[int, tuple[DateRange, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Closures:
    """Company closure days: annual closures, per-year replacements and extra ranges.

    `by_year[Y]` replaces every annual closure that starts in year Y (a company moving its year-end closure
    for one year gives the whole new range there, even the part in Y+1); an empty tuple cancels them.
    `extra` adds one-off ranges on top. `weekly` holds the weekdays (0 = Monday) closed every week.
    """

    annual: tuple[AnnualClosure, ...]
    by_year: Mapping[int, tuple[DateRange, ...]] = field(default_factory=_empty_by_year, hash=False)
    extra: tuple[DateRange, ...] = ()
    weekly: frozenset[int] = WEEKEND

    def __post_init__(self) -> None:
        if not self.weekly <= frozenset(range(7)) or len(self.weekly) == 7:
            raise ValueError(f"weekly closures must be some of the weekdays 0 … 6, not all: {sorted(self.weekly)}")
        for year, ranges in self.by_year.items():
            for r in ranges:
                if r.first.year != year:
                    raise ValueError(f"closure override for {year} must start in {year}: {r.first} … {r.last}")
        # A private copy: the caller's dict must not change a calendar already built from it.
        object.__setattr__(self, "by_year", MappingProxyType(dict(self.by_year)))

    def closure_name(self, d: date) -> str | None:
        """Name of the closure covering `d`, or None when the company is open that day."""
        # An annual occurrence lasts under a year: only those starting this year or last year can cover d.
        candidates: list[DateRange] = []
        for year in (d.year - 1, d.year):
            if year not in self.by_year:
                candidates.extend(closure.starting_in(year) for closure in self.annual)
        # Overrides may be of any length, so all of them are checked.
        for ranges in self.by_year.values():
            candidates.extend(ranges)
        candidates.extend(self.extra)
        for r in candidates:
            if d in r:
                return r.name or UNNAMED_CLOSURE
        return None

    def closed_days(self, first: date, last: date) -> dict[date, str]:
        """Every closure day from `first` to `last` inclusive, with its name (first match wins)."""
        ranges: list[DateRange] = []
        for year in range(first.year - 1, last.year + 1):
            if year not in self.by_year:
                ranges.extend(closure.starting_in(year) for closure in self.annual)
        for overrides in self.by_year.values():
            ranges.extend(overrides)
        ranges.extend(self.extra)
        closed: dict[date, str] = {}
        for r in ranges:
            name = r.name or UNNAMED_CLOSURE
            d = max(r.first, first)
            while d <= min(r.last, last):
                closed.setdefault(d, name)
                d += _ONE_DAY
        return closed


DEFAULT_CLOSURES = Closures(
    annual=(
        AnnualClosure("ゴールデンウィーク", (4, 29), (5, 5)),
        AnnualClosure("夏季休暇", (8, 13), (8, 16)),
        AnnualClosure("年末年始", (12, 29), (1, 3)),
    )
)


def _check_holiday_years(first_year: int, last_year: int) -> None:
    # Outside these years the library silently returns no holidays, which would make every weekday "open".
    lowest, highest = Japan.start_year, Japan.end_year
    if first_year > last_year:
        raise ValueError(f"first_year {first_year} is after last_year {last_year}")
    if first_year < lowest or last_year > highest:
        raise ValueError(f"Japanese holidays are known only for {lowest}–{highest}, not {first_year}–{last_year}")


def japanese_holidays(first_year: int, last_year: int) -> dict[date, str]:
    """National holidays with their Japanese names (振替休日 and 国民の休日 included), both years included."""
    _check_holiday_years(first_year, last_year)
    return dict(Japan(years=range(first_year, last_year + 1), language="ja"))


class OutsideCalendar(ValueError):
    """A date, or a deadline counted from it, that the business calendar (its holiday years) does not cover."""


class BusinessCalendar:
    """Business days from 1 January `first_year` to 31 December `last_year`, precomputed once."""

    __slots__ = (
        "_business",
        "_closed",
        "_first",
        "_first_ordinal",
        "_last",
        "_last_ordinal",
        "closures",
        "first_year",
        "last_year",
    )

    def __init__(self, closures: Closures, first_year: int = 2000, last_year: int = 2060) -> None:
        _check_holiday_years(first_year, last_year)
        self.closures = closures
        self.first_year = first_year
        self.last_year = last_year
        self._first = date(first_year, 1, 1)
        self._last = date(last_year, 12, 31)
        self._first_ordinal = self._first.toordinal()
        self._last_ordinal = self._last.toordinal()
        national = japanese_holidays(first_year, last_year)
        closed_by_company = closures.closed_days(self._first, self._last)
        # Ordinals, sorted by construction: bisect on them answers every query in O(log n).
        self._business: list[int] = []
        # Non-business day ordinal → reason. A national holiday is named first even on a Sunday, because it
        # explains a following 振替休日; the weekend comes before a company closure, being closed anyway.
        self._closed: dict[int, str] = {}
        for ordinal in range(self._first.toordinal(), self._last.toordinal() + 1):
            d = date.fromordinal(ordinal)
            weekday = d.weekday()
            weekly = _WEEKDAY_NAMES[weekday] if weekday in closures.weekly else None
            reason = national.get(d) or weekly or closed_by_company.get(d)
            if reason is None:
                self._business.append(ordinal)
            else:
                self._closed[ordinal] = reason

    @property
    def first_day(self) -> date:
        return self._first

    @property
    def last_day(self) -> date:
        return self._last

    def _ordinal(self, d: date) -> int:
        ordinal = d.toordinal()
        if not self._first_ordinal <= ordinal <= self._last_ordinal:
            raise OutsideCalendar(f"{d} is outside the business calendar, which covers {self._first} … {self._last}")
        return ordinal

    def _beyond(self, what: str) -> OutsideCalendar:
        return OutsideCalendar(f"{what} falls after {self._last}, the end of the business calendar")

    def is_business_day(self, d: date) -> bool:
        return self._ordinal(d) not in self._closed

    def why_closed(self, d: date) -> str | None:
        """Why `d` is not a business day: 土曜日, 日曜日, a holiday or a closure name; None if it is one."""
        return self._closed.get(self._ordinal(d))

    def next_business_day_on_or_after(self, d: date) -> date:
        index = bisect_left(self._business, self._ordinal(d))
        if index == len(self._business):
            raise self._beyond(f"the first business day on or after {d}")
        return date.fromordinal(self._business[index])

    def add_business_days(self, d: date, n: int) -> date:
        """The n-th business day strictly after `d` (n ≥ 1); `d` itself need not be a business day."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        index = bisect_right(self._business, self._ordinal(d)) + n - 1
        if index >= len(self._business):
            raise self._beyond(f"business day {n} after {d}")
        return date.fromordinal(self._business[index])

    def skipped_between(self, a: date, b: date) -> list[tuple[date, str]]:
        """Non-business days strictly between `a` and `b`, with their reasons, to explain a deadline."""
        start, stop = self._ordinal(a) + 1, self._ordinal(b)
        return [
            (date.fromordinal(ordinal), self._closed[ordinal])
            for ordinal in range(start, stop)
            if ordinal in self._closed
        ]


Window = tuple[time, time]


@dataclass(frozen=True, slots=True)
class ReceptionHours:
    """Reception windows per weekday (0 = Monday), each inclusive at both ends to the microsecond.

    09:00–17:30 receives 17:30:00 but not 17:30:00.000001: "17:30まで" includes only that instant.
    A weekday may have several windows (a lunch break) or none.
    """

    windows: Mapping[int, tuple[Window, ...]] = field(hash=False)
    # Windows indexed by weekday, and whether any weekday receives at all: read on every request.
    _by_day: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False, hash=False)
    _receives: bool = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        normalized: dict[int, tuple[Window, ...]] = {}
        for weekday, day_windows in self.windows.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), got {weekday}")
            ordered = tuple(sorted(day_windows))
            for opens, closes in ordered:
                if opens.tzinfo is not None or closes.tzinfo is not None:
                    raise ValueError("reception windows are JST wall-clock times without tzinfo")
                if closes < opens:
                    raise ValueError(f"reception window closes before it opens: {opens}–{closes}")
            for (_, closes), (next_opens, _) in pairwise(ordered):
                if next_opens <= closes:
                    raise ValueError(f"reception windows overlap on weekday {weekday}: {ordered}")
            normalized[weekday] = ordered
        object.__setattr__(self, "windows", MappingProxyType(normalized))
        object.__setattr__(self, "_by_day", tuple(normalized.get(weekday, ()) for weekday in range(7)))
        object.__setattr__(self, "_receives", any(normalized.get(weekday) for weekday in range(SATURDAY)))

    def on(self, weekday: int) -> tuple[Window, ...]:
        return self._by_day[weekday]

    def is_open_at(self, weekday: int, t: time) -> bool:
        return any(opens <= t <= closes for opens, closes in self.on(weekday))


_WEEKDAY_OFFICE_HOURS = ((time(9, 0), time(17, 30)),)
DEFAULT_RECEPTION = ReceptionHours({weekday: _WEEKDAY_OFFICE_HOURS for weekday in range(5)})


class Reception(NamedTuple):
    """When a request was made and when it counts as received (both JST-aware).

    A named tuple rather than a frozen dataclass: one is built for every request, and this is cheaper.
    """

    requested_at: datetime
    received_at: datetime
    received_on: date
    immediate: bool
    # Days between the request and its reception on which reception was closed, with the reason.
    skipped: tuple[tuple[date, str], ...]


def to_jst(at: datetime) -> datetime:
    """A naive datetime is taken as JST already; an aware one is converted."""
    if at.tzinfo is None:
        return at.replace(tzinfo=JST)
    return at.astimezone(JST)


def receive(at: datetime, hours: ReceptionHours, calendar: BusinessCalendar) -> Reception:
    """When a request made at `at` is received.

    At once inside a window on a business day; otherwise when reception next opens, with the days passed over.
    """
    requested = at.replace(tzinfo=JST) if at.tzinfo is None else at.astimezone(JST)
    if not hours._receives:
        # Business days are Monday–Friday only, so such hours would never receive anything.
        raise ValueError("reception has no window on any weekday from Monday to Friday")
    day = requested.date()
    if calendar._ordinal(day) not in calendar._closed:
        wall = requested.time()
        for opens, closes in hours._by_day[day.weekday()]:
            if wall <= closes:
                if wall >= opens:
                    return Reception(requested, requested, day, True, ())
                return Reception(requested, datetime.combine(day, opens, JST), day, False, ())
    skipped: list[tuple[date, str]] = []
    if not calendar.is_business_day(day) or not hours.on(day.weekday()):
        skipped.append((day, calendar.why_closed(day) or NO_RECEPTION))
    candidate = day + _ONE_DAY
    while True:
        open_day = calendar.next_business_day_on_or_after(candidate)
        skipped.extend(calendar.skipped_between(candidate - _ONE_DAY, open_day))
        windows = hours.on(open_day.weekday())
        if windows:
            received = datetime.combine(open_day, windows[0][0], JST)
            return Reception(requested, received, open_day, immediate=False, skipped=tuple(skipped))
        skipped.append((open_day, NO_RECEPTION))
        candidate = open_day + _ONE_DAY
