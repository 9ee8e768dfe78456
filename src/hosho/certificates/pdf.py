"""The 加入者証 (certificate) as an A4 PDF in Japanese, with embedded Japanese TrueType fonts (fonts.py).

Without a font holding Japanese glyphs rendering stops with CertificateFontError: a certificate in a Latin-only font
would print as empty boxes (tofu). A contract no longer in force gets its certificate all the same, marked on every
page with why and since when (解約済, 譲渡により終了, …): the subscriber may need it to show what was covered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable  # type: ignore[import-untyped]

from hosho.certificates.fonts import (
    FONT_ENV,
    FONT_PACKAGE,
    MISSING_GLYPH,
    CertificateFontError,
    FontChain,
    font_chain,
)
from hosho.presentation.formats import day, yen

__all__ = ["FONT_ENV", "FONT_PACKAGE", "CertificateFontError"]

MARGIN = 18 * mm
FRAME_PADDING = 6  # reportlab's Frame default on each side: tables as wide as the text, not the page margin
BODY_SIZE = 9.5
LABEL_COLUMN = 32 * mm
RULE_COLOR = colors.HexColor("#9a9a9a")
SHADE_COLOR = colors.HexColor("#eef1f5")
# IPAexGothic has one weight: bold-ish text is filled and stroked (PDF text render mode 2) with this line width.
FAKE_BOLD_STROKE = 0.35
FOOTER_SIZE = 8

MARK_COLOR = colors.HexColor("#b3261e")
MARK_SHADE = colors.HexColor("#fdecea")
WATERMARK_COLOR = colors.Color(0.70, 0.15, 0.12, alpha=0.12)
FICTITIOUS = "(架空の番号)"

# A contract no longer in force: the mark on every page and what the banner says, by status.
ENDED_MARKS = {
    "cancelled": ("解約済", "{on}に解約されました。"),
    "transferred": ("譲渡により終了", "{on}に本商品が譲渡されたため、保証は終了しました。"),
    "ended": ("代替品提供により終了", "{on}に代替品の提供をもって修理に代えたため、保証は終了しました。"),
    "expired": ("期間満了", "{on}をもって保証期間が満了しました。"),
}
ENDED_NOTE = "この加入者証による保証はすでに終了しており、修理のご依頼はお受けできません。"

# A clause whose text is a table flattened to sentences, one row each: 「区分: a / b / c。家電5年保証: 3% / …」.
_TABLE_ROW = re.compile(r"^(?P<head>[^:。]+): (?P<cells>.+)$")


@dataclass(frozen=True, slots=True)
class Product:
    kind: str  # Japanese, the program's name of the kind (equipment_kinds in rules.yaml)
    model: str
    serial: str


@dataclass(frozen=True, slots=True)
class PrintedClause:
    """A clause of the terms as printed: a key clause at level 0, each of its items below it at level 1, 2, …"""

    label: str
    title: str | None
    text: str
    level: int = 0
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class CertificateData:
    title: str  # the program's (rules.yaml certificate.title): 保守パック加入者証, 延長保証加入者証, …
    certificate_number: str
    issued_on: date
    program_name: str
    provider: str
    terms_version: str  # e.g. "zest@2020-01-01"
    plan_name: str
    service_mode_ja: str  # e.g. オンサイト / センドバック / メーカー保証に準ずる
    subscriber_name: str
    subscriber_kana: str | None
    postal_code: str | None
    address: str | None
    phone: str | None
    products: tuple[Product, ...]
    purchase_date: date
    coverage_start: date
    coverage_end: date
    manufacturer_warranty_end: date | None
    purchase_price: int | None  # yen
    repair_cap: int | None  # yen
    call_center_name: str
    call_center_phone: str
    call_center_hours: str
    consumable_note: str | None  # e.g. 2027年4月1日(木)前後に1回
    key_clauses: tuple[PrintedClause, ...]
    call_center_fictitious: bool = False  # demo data: the number is printed with 「(架空の番号)」
    status: str = "active"  # a key of ENDED_MARKS prints the mark
    ended_on: date | None = None  # the day it stopped being in force (for expired: the last day of cover)


def ended_mark(data: CertificateData) -> tuple[str, str] | None:
    """(mark, sentence) for a contract no longer in force, else None."""
    found = ENDED_MARKS.get(data.status)
    if found is None:
        return None
    mark, sentence = found
    return mark, sentence.format(on=day(data.ended_on)) if data.ended_on is not None else ""


def table_rows(text: str) -> tuple[tuple[str, ...], ...] | None:
    """The rows of a table flattened into text (「見出し: a / b。…」), or None when text is not one."""
    rows = []
    for sentence in filter(None, (part.strip() for part in text.split("。"))):
        match = _TABLE_ROW.match(sentence)
        if match is None:
            return None
        rows.append((match["head"], *(cell.strip() for cell in match["cells"].split(" / "))))
    if len(rows) < 2 or len({len(row) for row in rows}) != 1 or len(rows[0]) < 3:
        return None
    return tuple(rows)


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes; the same data gives the same bytes."""
    fonts = font_chain()
    styles = _Styles(fonts)
    title = data.title
    mark = ended_mark(data)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8 * mm,
        title=f"{title} {data.certificate_number}" + (f" ({mark[0]})" if mark else ""),
        author=data.provider,
        subject=data.program_name,
        creator="Hosho",
        initialFontName=fonts.main,  # else every page names Helvetica, a font without Japanese glyphs
        invariant=1,
    )

    def decorate(canvas: Any, _doc: Any) -> None:
        if mark:
            _draw_watermark(canvas, fonts.main, mark[0])
        _draw_footer(canvas, fonts.main, title, data.certificate_number, mark[0] if mark else None)

    doc.build(
        _story(data, title, styles, doc.width - 2 * FRAME_PADDING),
        onFirstPage=decorate,
        onLaterPages=decorate,
        canvasmaker=_canvas_with_page_numbers(fonts.main),
    )
    return buffer.getvalue()


class _Styles:
    def __init__(self, fonts: FontChain) -> None:
        self.fonts = fonts
        font = fonts.main
        base = ParagraphStyle("body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.45, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=8, leading=12)
        self.title = ParagraphStyle("title", base, fontSize=20, leading=28, alignment=TA_CENTER)
        self.meta = ParagraphStyle("meta", base, alignment=TA_RIGHT)
        self.heading = ParagraphStyle(
            "heading", base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3, keepWithNext=1
        )
        self.mark = ParagraphStyle("mark", base, fontSize=16, leading=22, textColor=MARK_COLOR)
        self.mark_text = ParagraphStyle("mark_text", base, textColor=MARK_COLOR)
        self.clause_label = ParagraphStyle("clause_label", base, spaceBefore=6, keepWithNext=1)
        self.clause_text = ParagraphStyle("clause_text", base, leftIndent=4 * mm)

    def item(self, level: int) -> ParagraphStyle:
        """An item of a clause: indented by its depth, its marker ((1), ①) hanging in the margin."""
        indent = 4 * mm + level * 5 * mm
        return ParagraphStyle(f"item{level}", self.body, leftIndent=indent, firstLineIndent=-5 * mm)

    def text(self, value: str) -> str:
        return self.fonts.markup(value)


class _BoldishParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph whose glyphs are filled and stroked, since the font has no bold face."""

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.addLiteral("2 Tr")
        canvas.setLineWidth(FAKE_BOLD_STROKE)
        canvas.setStrokeColor(self.style.textColor)
        super().draw()
        canvas.restoreState()


def _story(data: CertificateData, title: str, styles: _Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        _BoldishParagraph(styles.text(title), styles.title),
        Paragraph(f"加入者証番号 {styles.text(data.certificate_number)}", styles.meta),
        Paragraph(f"発行日 {day(data.issued_on)}", styles.meta),
        Spacer(1, 4 * mm),
    ]
    mark = ended_mark(data)
    if mark is not None:
        story += _ended_banner(mark, styles, width)
    story += _section("ご契約内容", _contract_rows(data), styles, width)
    story += _section("加入者", _subscriber_rows(data), styles, width)
    if any(styles.fonts.missing(value) for value in _data_texts(data)):
        story.append(
            Paragraph(
                f"※{MISSING_GLYPH}は、この加入者証の書体にない文字を示します。ご登録の内容はそのまま保存されています。",
                styles.small,
            )
        )
    story += _products(data, styles, width)
    story += _section("保証期間・金額", _coverage_rows(data), styles, width)
    phone = data.call_center_phone + (FICTITIOUS if data.call_center_fictitious else "")
    story += _section(
        "修理のご依頼・お問い合わせ",
        [("窓口", data.call_center_name), ("電話番号", phone), ("受付時間", data.call_center_hours)],
        styles,
        width,
    )
    if data.key_clauses:
        story += _clauses(data, styles, width)
    return story


def _ended_banner(mark: tuple[str, str], styles: _Styles, width: float) -> list[Flowable]:
    word, sentence = mark
    cell = [
        _BoldishParagraph(styles.text(f"【{word}】"), styles.mark),
        Paragraph(styles.text(sentence + ENDED_NOTE), styles.mark_text),
    ]
    table = Table([[cell]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.5, MARK_COLOR),
                ("BACKGROUND", (0, 0), (-1, -1), MARK_SHADE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [table, Spacer(1, 2 * mm)]


def _data_texts(data: CertificateData) -> list[str]:
    """The stored values the certificate prints (names, address, products): where a missing glyph may come from."""
    values = [data.subscriber_name, data.subscriber_kana, data.address, data.phone]
    values += [value for product in data.products for value in (product.model, product.serial)]
    return [value for value in values if value]


def _contract_rows(data: CertificateData) -> list[tuple[str, str]]:
    return [
        ("プログラム", data.program_name),
        ("提供会社", data.provider),
        ("約款の版", data.terms_version),
        ("プラン", data.plan_name),
        ("サービス形態", data.service_mode_ja),
    ]


def _subscriber_rows(data: CertificateData) -> list[tuple[str, str]]:
    rows = [("氏名", data.subscriber_name)]
    if data.subscriber_kana:
        rows.append(("フリガナ", data.subscriber_kana))
    if data.address or data.postal_code:
        postal = f"〒{data.postal_code}" if data.postal_code else ""
        rows.append(("住所", " ".join(part for part in (postal, data.address or "") if part)))
    if data.phone:
        rows.append(("電話番号", data.phone))
    return rows


def _coverage_rows(data: CertificateData) -> list[tuple[str, str]]:
    rows = [
        ("購入日", day(data.purchase_date)),
        ("保証期間", f"{day(data.coverage_start)}〜{day(data.coverage_end)}"),
    ]
    if data.manufacturer_warranty_end is not None:
        rows.append(("メーカー保証", f"{day(data.manufacturer_warranty_end)}まで"))
    if data.purchase_price is not None:
        rows.append(("購入金額", yen(data.purchase_price)))
    if data.repair_cap is not None:
        rows.append(("修理上限金額", yen(data.repair_cap)))
    if data.consumable_note:
        rows.append(("消耗部品", data.consumable_note))
    return rows


def _clauses(data: CertificateData, styles: _Styles, width: float) -> list[Flowable]:
    """主な約款: each key clause whole, with its items and tables, then where the full terms are."""
    story: list[Flowable] = [_BoldishParagraph("主な約款", styles.heading)]
    for clause in data.key_clauses:
        rows = table_rows(clause.text)
        if clause.level == 0:
            heading = clause.label + (f" {clause.title}" if clause.title and clause.title != clause.label else "")
            story.append(_BoldishParagraph(styles.text(heading), styles.clause_label))
            story.append(_clause_body(clause.text, rows, styles.clause_text, styles, width))
            continue
        marker = _item_marker(clause)
        style = styles.item(clause.level)
        if rows is None:
            # A note's text may begin with its own mark (第9条第1項※: 「※ 返金額は…」).
            line = clause.text if clause.text.startswith(marker) else f"{marker} {clause.text}"
            story.append(Paragraph(styles.text(line), style))
        else:
            caption = marker if not clause.title or clause.title in marker else f"{marker} {clause.title}"
            story.append(Paragraph(styles.text(caption), style))
            story.append(_clause_body(clause.text, rows, style, styles, width))
    story.append(Spacer(1, 2 * mm))
    story.append(
        Paragraph(
            styles.text(
                f"ここに掲げたのは約款の主な条項です。約款の全文({data.program_name}、版 {data.terms_version})は、"
                "上記の窓口でご案内しています。"
            ),
            styles.small,
        )
    )
    return story


def _item_marker(clause: PrintedClause) -> str:
    """第6条(14)① under 第6条(14) is ①; an item named otherwise keeps its whole label."""
    if clause.parent and clause.label.startswith(clause.parent) and clause.label != clause.parent:
        return clause.label.removeprefix(clause.parent)
    return clause.label


def _clause_body(
    text: str, rows: tuple[tuple[str, ...], ...] | None, style: ParagraphStyle, styles: _Styles, width: float
) -> Flowable:
    if rows is None:
        return Paragraph(styles.text(text), style)
    cells = [[Paragraph(styles.text(value), styles.small) for value in row] for row in rows]
    indent = style.leftIndent - min(style.firstLineIndent, 0)
    available = width - indent
    head = min(36 * mm, available / 3)
    rest = (available - head) / (len(rows[0]) - 1)
    table = Table(cells, colWidths=[head] + [rest] * (len(rows[0]) - 1), hAlign="RIGHT")
    table.setStyle(
        _table_style(styles, ("BACKGROUND", (0, 0), (-1, 0), SHADE_COLOR), ("BACKGROUND", (0, 0), (0, -1), SHADE_COLOR))
    )
    return table


def _section(heading: str, rows: list[tuple[str, str]], styles: _Styles, width: float) -> list[Flowable]:
    cells = [
        [_BoldishParagraph(styles.text(key), styles.body), Paragraph(styles.text(value), styles.body)]
        for key, value in rows
    ]
    table = Table(cells, colWidths=[LABEL_COLUMN, width - LABEL_COLUMN])
    table.setStyle(_table_style(styles, ("BACKGROUND", (0, 0), (0, -1), SHADE_COLOR)))
    return [KeepTogether([_BoldishParagraph(styles.text(heading), styles.heading), table])]


def _products(data: CertificateData, styles: _Styles, width: float) -> list[Flowable]:
    header = [_BoldishParagraph(text, styles.body) for text in ("No.", "品目", "型番", "製造番号")]
    rows = [
        [Paragraph(str(n), styles.body), *(Paragraph(styles.text(v), styles.body) for v in (p.kind, p.model, p.serial))]
        for n, p in enumerate(data.products, start=1)
    ]
    number_column = 12 * mm
    rest = (width - number_column - LABEL_COLUMN) / 2
    table = Table([header, *rows], colWidths=[number_column, LABEL_COLUMN, rest, rest], repeatRows=1)
    table.setStyle(_table_style(styles, ("BACKGROUND", (0, 0), (-1, 0), SHADE_COLOR)))
    return [_BoldishParagraph("対象商品", styles.heading), table]


def _table_style(styles: _Styles, *shades: tuple[Any, ...]) -> TableStyle:
    return TableStyle(
        [
            # Cells hold paragraphs, but a table still sets its own font (Helvetica unless told) on every cell.
            ("FONTNAME", (0, 0), (-1, -1), styles.body.fontName),
            *shades,
            ("GRID", (0, 0), (-1, -1), 0.5, RULE_COLOR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def _draw_watermark(canvas: Any, font: str, word: str) -> None:
    """The status across the page, faint, so that no page of an ended contract's certificate looks valid."""
    width, height = A4
    canvas.saveState()
    canvas.setFillColor(WATERMARK_COLOR)
    canvas.setFont(font, 72)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -24, word)
    canvas.restoreState()


def _draw_footer(canvas: Any, font: str, title: str, certificate_number: str, mark: str | None) -> None:
    width, _height = A4
    left, right = MARGIN + FRAME_PADDING, width - MARGIN - FRAME_PADDING
    canvas.saveState()
    canvas.setStrokeColor(RULE_COLOR)
    canvas.setLineWidth(0.5)
    canvas.line(left, MARGIN + 4 * mm, right, MARGIN + 4 * mm)
    canvas.setFont(font, FOOTER_SIZE)
    canvas.drawString(left, MARGIN, f"{title}  加入者証番号 {certificate_number}")
    if mark:
        canvas.setFillColor(MARK_COLOR)
        canvas.drawCentredString(width / 2, MARGIN, f"【{mark}】")
    # "n / N ページ" needs the page count, known only at the end: each page shows a form that save() fills in.
    canvas.translate(right, MARGIN)
    canvas.doForm(_page_form(canvas.getPageNumber()))
    canvas.restoreState()


def _page_form(page: int) -> str:
    return f"hoshoPage{page}"


def _canvas_with_page_numbers(font: str) -> type[Canvas]:
    class _PageNumberCanvas(Canvas):  # type: ignore[misc]
        def save(self) -> None:
            pages = self.getPageNumber() - 1  # save() comes after the last showPage()
            width, height = A4
            for page in range(1, pages + 1):
                # Right-aligned on the form's origin, so the bounding box reaches to the left of it.
                self.beginForm(_page_form(page), lowerx=-width, lowery=-height, upperx=0, uppery=height)
                self.setFont(font, FOOTER_SIZE)
                self.drawRightString(0, 0, f"{page} / {pages} ページ")
                self.endForm()
            super().save()

    return _PageNumberCanvas
