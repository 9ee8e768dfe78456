from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain.money import Rate, yen_text


def test_rate_is_kept_exactly_as_a_fraction() -> None:
    assert Rate.parse_percent("2.25%") == Rate(9, 400)
    assert Rate.parse_percent("3.6%") == Rate(9, 250)


def test_aircon_rate_of_3_6_percent_on_100000_is_exactly_3600_yen() -> None:
    assert Rate.parse_percent("3.6%").apply_floor(100_000) == 3_600


def test_fractions_of_a_yen_are_cut_off() -> None:
    assert Rate.parse_percent("0.75%").apply_floor(12_345) == 92  # 92.5875


@pytest.mark.parametrize("text", ["", "%", "-1%", "1.2.3%", "abc", "+3%"])
def test_malformed_percentages_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="percentage"):
        Rate.parse_percent(text)


@pytest.mark.parametrize("text", ["3%", "2.25%", "0.75%", "4.8%", "0%"])
def test_a_rate_prints_as_it_was_written(text: str) -> None:
    assert str(Rate.parse_percent(text)) == text


@given(st.integers(0, 10**10), st.integers(0, 10_000))
def test_floor_matches_integer_arithmetic_in_hundredths_of_a_percent(price: int, basis_points: int) -> None:
    rate = Rate.parse_percent(f"{basis_points // 100}.{basis_points % 100:02d}%")
    assert rate.apply_floor(price) == price * basis_points // 10_000


def test_yen_are_shown_with_thousands_separators() -> None:
    assert yen_text(1234567) == "1,234,567円"
