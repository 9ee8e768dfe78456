"""Ratios in integers and the server-drawn charts: the invariants the dashboard rests on."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from hosho.console.charts import LABEL_WIDTH, PLOT_WIDTH, Series, bars
from hosho.presentation.figures import percent, years_bracket
from hosho.service.figures.filters import basis_points

YEN = st.integers(min_value=0, max_value=100_000_000_000)


@given(part=YEN, whole=YEN)
def test_a_ratio_is_floored_to_the_basis_point_in_integers(part: int, whole: int) -> None:
    bp = basis_points(part, whole)
    if whole == 0:
        assert bp is None
        return
    assert bp is not None
    assert bp * whole <= part * 10_000 < (bp + 1) * whole


@given(bp=st.integers(min_value=0, max_value=10**9))
def test_a_percentage_is_written_with_two_decimals_that_read_back_to_the_same_basis_points(bp: int) -> None:
    written = percent(bp)
    assert re.fullmatch(r"\d+\.\d{2}%", written)
    assert int(written[:-1].replace(".", "")) == bp


def test_no_denominator_is_written_as_a_dash_and_brackets_read_as_the_refund_table() -> None:
    assert percent(None) == "—"
    assert percent(10_476) == "104.76%" and percent(5) == "0.05%"
    assert [years_bracket(n, 10) for n in (1, 2, 9, 10)] == ["1年以内", "1年超2年以内", "8年超9年以内", "9年超"]


@given(values=st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)), min_size=1, max_size=12))
def test_bars_are_as_long_as_their_values_within_the_plot_and_carry_them(values: list[int | None]) -> None:
    categories = [f"<区分{n}>" for n in range(len(values))]
    svg = str(bars(key="k", title="題", categories=categories, series=[Series("件数", values)], label=str))
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', svg)]
    top = max([v for v in values if v is not None] + [0])
    expected = [0 if v is None or top == 0 else max(1 if v > 0 else 0, v * PLOT_WIDTH // top) for v in values]
    assert widths == expected
    assert all(0 <= w <= PLOT_WIDTH for w in widths)
    assert re.findall(r'data-value="(\d+)"', svg) == [str(v) for v in values if v is not None]
    assert "<区分" not in svg and "&lt;区分0&gt;" in svg  # labels are escaped
    assert f'x1="{LABEL_WIDTH}"' in svg and 'role="img"' in svg and "<title id=" in svg
