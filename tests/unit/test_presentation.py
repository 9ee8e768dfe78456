"""The Japanese words and formats every view takes: literal expected strings, as a caller would hear them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from hosho.domain.calendar import JST
from hosho.domain.contract import CaseState, Status
from hosho.domain.program import ServiceMode
from hosho.domain.refunds import CancelReason
from hosho.presentation import words
from hosho.presentation.formats import DateStyle, clock, day, moment, weekday, year, yen

SRC = Path(__file__).resolve().parents[2] / "src" / "hosho"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(0, "0円"), (1_000, "1,000円"), (12_345, "12,345円"), (100_000_000_000, "100,000,000,000円")],
)
def test_yen_are_written_with_thousands_separators_and_the_yen_sign(amount: int, shown: str) -> None:
    assert yen(amount) == shown


def test_an_absent_amount_is_a_dash_and_a_float_is_refused() -> None:
    assert yen(None) == "—"
    with pytest.raises(TypeError, match="float"):
        yen(100_000.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bool"):
        yen(True)


@pytest.mark.parametrize(
    ("d", "shown"),
    [
        (date(2026, 11, 30), "2026年11月30日(月)"),
        (date(2026, 12, 1), "2026年12月1日(火)"),
        (date(2026, 12, 2), "2026年12月2日(水)"),
        (date(2026, 12, 3), "2026年12月3日(木)"),
        (date(2026, 12, 4), "2026年12月4日(金)"),
        (date(2026, 12, 5), "2026年12月5日(土)"),
        (date(2026, 12, 6), "2026年12月6日(日)"),
    ],
)
def test_a_date_is_written_with_its_weekday_and_no_leading_zeros(d: date, shown: str) -> None:
    assert day(d) == shown
    assert weekday(d) == shown[-2]


def test_a_date_time_given_as_a_date_is_its_day_in_japan() -> None:
    assert day(datetime(2026, 12, 4, 23, 30, tzinfo=UTC)) == "2026年12月5日(土)"
    assert day(datetime(2026, 12, 4, 23, 30)) == "2026年12月4日(金)"


def test_an_absent_date_is_a_dash() -> None:
    assert day(None) == "—"
    assert moment(None) == "—"


@pytest.mark.parametrize(
    ("d", "era_year"),
    [
        (date(2019, 4, 30), "平成31年"),
        (date(2019, 5, 1), "令和元年"),
        (date(2019, 12, 31), "令和元年"),
        (date(2020, 1, 1), "令和2年"),
        (date(1989, 1, 7), "昭和64年"),
        (date(1989, 1, 8), "平成元年"),
        (date(1926, 12, 24), "大正15年"),
        (date(1926, 12, 25), "昭和元年"),
        (date(1912, 7, 29), "明治45年"),
        (date(1912, 7, 30), "大正元年"),
        (date(1873, 1, 1), "明治6年"),
    ],
)
def test_the_japanese_era_changes_on_the_day_of_accession(d: date, era_year: str) -> None:
    assert year(d, DateStyle.WAREKI) == era_year
    assert day(d, DateStyle.WAREKI) == f"{era_year}{d.month}月{d.day}日({weekday(d)})"


def test_a_date_in_the_japanese_era_is_the_same_date_with_the_eras_year() -> None:
    assert day(date(2026, 12, 4), DateStyle.WAREKI) == "令和8年12月4日(金)"
    assert day(date(2026, 12, 4)) == "2026年12月4日(金)"
    assert year(date(2019, 5, 1)) == "2019年"


def test_the_style_may_be_given_as_a_settings_text_and_an_unknown_one_is_refused() -> None:
    assert day(date(2026, 12, 4), "wareki") == "令和8年12月4日(金)"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="heisei"):
        day(date(2026, 12, 4), "heisei")  # type: ignore[arg-type]


def test_a_date_before_japan_took_the_gregorian_calendar_stays_western() -> None:
    # 明治5年12月2日 was followed by 明治6年1月1日: a Gregorian 1872 date has no era month and day to write.
    assert day(date(1872, 12, 31), DateStyle.WAREKI) == "1872年12月31日(火)"


def test_times_are_on_the_24_hour_clock_in_japans_time() -> None:
    assert clock(time(9, 5)) == "09:05"
    assert clock(datetime(2026, 12, 4, 17, 31, tzinfo=JST)) == "17:31"
    assert clock(datetime(2026, 12, 4, 8, 31, tzinfo=UTC)) == "17:31"


def test_a_moment_is_the_date_and_the_time_in_japan() -> None:
    assert moment(datetime(2026, 12, 4, 17, 31, tzinfo=JST)) == "2026年12月4日(金) 17:31"
    # 23:30 in London is already the next morning in Tokyo: the day written is Tokyo's.
    assert moment(datetime(2026, 12, 4, 23, 30, tzinfo=UTC)) == "2026年12月5日(土) 08:30"
    assert moment(datetime(2026, 12, 4, 23, 30, tzinfo=UTC), DateStyle.WAREKI) == "令和8年12月5日(土) 08:30"


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (words.STATUSES, Status),
        (words.CASE_STATES, CaseState),
        (words.SERVICE_MODES, ServiceMode),
        (words.REASONS, CancelReason),
    ],
)
def test_every_code_of_the_domain_has_its_japanese_word(table: dict[str, str], codes: type) -> None:
    assert set(table) == {code.value for code in codes}


def test_every_error_code_the_domain_or_service_raises_has_a_japanese_message() -> None:
    raised = re.compile(r"(?:DomainError|ServiceError)\(\s*(?:\d+\s*,\s*)?(?:code=)?\"([a-z_]+)\"")
    codes = {
        code
        for folder in ("domain", "service")
        for path in (SRC / folder).glob("*.py")
        for code in raised.findall(path.read_text(encoding="utf-8"))
    }
    assert {"not_paid", "not_found", "contract_not_active", "invalid_request"} <= codes  # the scan finds them
    assert sorted(codes - set(words.ERRORS)) == []


def test_an_unknown_error_code_gets_a_general_apology_not_the_code() -> None:
    assert words.error_message("not_paid").startswith("保証料金のお支払いが確認できていない")
    message = words.error_message("no_such_code")
    assert message == "処理できませんでした。時間をおいて、もう一度お試しください。"
    assert "no_such_code" not in message
