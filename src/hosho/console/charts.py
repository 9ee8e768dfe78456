"""Bar charts drawn on the server as SVG: no script, no network, nothing to vendor, and the CSP stays 'self'.

One kind of chart, horizontal bars grouped by category, reads well with long Japanese labels and prints as it looks.
Every chart is an <svg role="img"> with a <title> and <desc> (its caption and a one-line summary), each bar carries
its value as text beside it and in data-value, and a table with the same numbers follows it on the page. Widths
are computed in integers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe–Ito), each with at least 3:1 contrast on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8F6A00", "#56B4E9")
LABEL_WIDTH = 210
PLOT_WIDTH = 380
VALUE_WIDTH = 110
BAR = 14
GAP = 4
GROUP_GAP = 10
TOP = 8


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[int | None]  # None: no value (no bar, the label says so)


def _text(value: object) -> str:
    return str(escape(str(value)))


def legend(series: Sequence[Series]) -> Markup:
    """The series' names beside a swatch of their colour (also told in each bar's tooltip and the table)."""
    items = []
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        swatch = (
            '<svg width="14" height="14" aria-hidden="true" focusable="false">'
            f'<rect width="14" height="14" fill="{colour}"/></svg>'
        )
        items.append(f"<li>{swatch} {_text(one.name)}</li>")
    return Markup(f'<ul class="legend">{"".join(items)}</ul>')


def bars(
    *,
    key: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    label: Callable[[int | None], str],
    ceiling: int | None = None,
    summary: str = "",
) -> Markup:
    """Horizontal bars, one group per category and one bar per series; `ceiling` fixes the scale (10000 = 100%)."""
    values = [v for one in series for v in one.values if v is not None]
    top = ceiling if ceiling is not None else max([*values, 0])
    per_group = len(series) * (BAR + GAP) - GAP
    height = TOP * 2 + max(len(categories), 1) * (per_group + GROUP_GAP)
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    parts = [
        f'<svg class="chart" id="chart-{_text(key)}" data-chart="{_text(key)}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{_text(title)}</title>',
        f'<desc id="{desc_id}">{_text(summary or "数値は下の表にあります。")}</desc>',
        f'<line x1="{LABEL_WIDTH}" y1="{TOP}" x2="{LABEL_WIDTH}" y2="{height - TOP}" stroke="#555" stroke-width="1"/>',
    ]
    if not categories:
        parts.append(f'<text x="{LABEL_WIDTH + 8}" y="{TOP + 14}" font-size="13" fill="#333">データがありません</text>')
    for row, category in enumerate(categories):
        y0 = TOP + row * (per_group + GROUP_GAP)
        middle = y0 + per_group // 2 + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" font-size="13" fill="#222">'
            f"{_text(category)}</text>"
        )
        for index, one in enumerate(series):
            value = one.values[row]
            y = y0 + index * (BAR + GAP)
            shown = label(value)
            length = 0 if value is None or top <= 0 else max(1 if value > 0 else 0, min(value, top) * PLOT_WIDTH // top)
            colour = PALETTE[index % len(PALETTE)]
            data = "" if value is None else f' data-value="{value}"'
            parts.append(
                f'<g class="bar" data-category="{_text(category)}" data-series="{_text(one.name)}"{data}>'
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR}" fill="{colour}">'
                f"<title>{_text(category)} {_text(one.name)}: {_text(shown)}</title></rect>"
                f'<text x="{LABEL_WIDTH + length + 4}" y="{y + BAR - 2}" font-size="12" fill="#222">'
                f"{_text(shown)}</text>"
                f"</g>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
