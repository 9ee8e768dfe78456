"""The 加入者証 (certificate) as an A4 PDF in Japanese, with an embedded Japanese TrueType font.

The font is IPAexGothic from Debian's fonts-ipaexfont-gothic (scripts/setup installs it); HOSHO_CERT_FONT points
elsewhere. Without a font holding Japanese glyphs rendering stops with CertificateFontError: a certificate in a
Latin-only font would print as empty boxes (tofu).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]
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

FONT_ENV = "HOSHO_CERT_FONT"
DEFAULT_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
FONT_PACKAGE = "fonts-ipaexfont-gothic"

MARGIN = 18 * mm
FRAME_PADDING = 6  # reportlab's Frame default on each side: tables as wide as the text, not the page margin
BODY_SIZE = 9.5
LABEL_COLUMN = 32 * mm
RULE_COLOR = colors.HexColor("#9a9a9a")
SHADE_COLOR = colors.HexColor("#eef1f5")
# IPAexGothic has one weight: bold-ish text is filled and stroked (PDF text render mode 2) with this line width.
FAKE_BOLD_STROKE = 0.35
FOOTER_SIZE = 8


class CertificateFontError(RuntimeError):
    """No usable Japanese font: the message names the package to install and the variable to set."""


@dataclass(frozen=True, slots=True)
class Product:
    kind: str  # Japanese, the program's name of the kind (equipment_kinds in rules.yaml)
    model: str
    serial: str


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
    consumable_note: str | None  # e.g. 消耗部品の交換: 2027-04-01前後に1回
    key_clauses: tuple[tuple[str, str], ...]  # (label, Japanese text)


def date_ja(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def yen_ja(amount: int) -> str:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError(f"yen must be an int, not {type(amount).__name__}")
    return f"{amount:,}円"


def find_font() -> Path:
    """The font file to embed: HOSHO_CERT_FONT if set, else Debian's IPAexGothic."""
    configured = os.environ.get(FONT_ENV)
    path = Path(configured) if configured else DEFAULT_FONT
    if not path.is_file():
        origin = f"{FONT_ENV}={configured}" if configured else "the default path"
        raise CertificateFontError(
            f"No Japanese font for the certificate at {path} ({origin}). Install the Debian package "
            f"{FONT_PACKAGE} (scripts/setup does so when run as root: apt-get install {FONT_PACKAGE}) "
            f"or set {FONT_ENV} to a TrueType font with Japanese glyphs."
        )
    return path


@cache
def _register_font(path: Path) -> str:
    """Register the font with reportlab once per file; returns the name paragraphs use."""
    try:
        # The name is reportlab's key only (the PDF names the font by its own PostScript name); the path's CRC
        # keeps two files of the same stem apart.
        font = TTFont(f"HoshoCert-{path.stem}-{zlib.crc32(str(path).encode()):08x}", str(path))
    except (TTFError, OSError) as error:
        raise CertificateFontError(
            f"{path} cannot be embedded ({error}); use IPAexGothic from {FONT_PACKAGE} or another TrueType font"
        ) from error
    if ord("保") not in font.face.charToGlyph:
        raise CertificateFontError(
            f"{path} has no Japanese glyphs; install {FONT_PACKAGE} or set {FONT_ENV} to a Japanese TrueType font"
        )
    pdfmetrics.registerFont(font)
    return str(font.fontName)


def render_certificate(data: CertificateData) -> bytes:
    """The certificate as PDF bytes; the same data gives the same bytes."""
    font = _register_font(find_font())
    styles = _Styles(font)
    title = data.title
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8 * mm,
        title=f"{title} {data.certificate_number}",
        author=data.provider,
        subject=data.program_name,
        creator="Hosho",
        initialFontName=font,  # else every page names Helvetica, a font without Japanese glyphs
        invariant=1,
    )

    def footer(canvas: Any, _doc: Any) -> None:
        _draw_footer(canvas, font, title, data.certificate_number)

    doc.build(
        _story(data, title, styles, doc.width - 2 * FRAME_PADDING),
        onFirstPage=footer,
        onLaterPages=footer,
        canvasmaker=_canvas_with_page_numbers(font),
    )
    return buffer.getvalue()


class _Styles:
    def __init__(self, font: str) -> None:
        base = ParagraphStyle("body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.45, wordWrap="CJK")
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=8, leading=12)
        self.title = ParagraphStyle("title", base, fontSize=20, leading=28, alignment=TA_CENTER)
        self.meta = ParagraphStyle("meta", base, alignment=TA_RIGHT)
        self.heading = ParagraphStyle(
            "heading", base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3, keepWithNext=1
        )
        self.clause_label = ParagraphStyle("clause_label", base, spaceBefore=6, keepWithNext=1)
        self.clause_text = ParagraphStyle("clause_text", base, leftIndent=4 * mm)


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
        _BoldishParagraph(_escape(title), styles.title),
        Paragraph(f"加入者証番号 {_escape(data.certificate_number)}", styles.meta),
        Paragraph(f"発行日 {date_ja(data.issued_on)}", styles.meta),
        Spacer(1, 4 * mm),
    ]
    story += _section("ご契約内容", _contract_rows(data), styles, width)
    story += _section("加入者", _subscriber_rows(data), styles, width)
    story += _products(data, styles, width)
    story += _section("保証期間・金額", _coverage_rows(data), styles, width)
    story += _section(
        "修理のご依頼・お問い合わせ",
        [("窓口", data.call_center_name), ("電話番号", data.call_center_phone), ("受付時間", data.call_center_hours)],
        styles,
        width,
    )
    if data.key_clauses:
        story.append(_BoldishParagraph("主な約款", styles.heading))
        for label, text in data.key_clauses:
            story.append(_BoldishParagraph(_escape(label), styles.clause_label))
            story.append(Paragraph(_escape(text), styles.clause_text))
    return story


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
    if data.address:
        rows.append(("住所", data.address))
    if data.phone:
        rows.append(("電話番号", data.phone))
    return rows


def _coverage_rows(data: CertificateData) -> list[tuple[str, str]]:
    rows = [
        ("購入日", date_ja(data.purchase_date)),
        ("保証期間", f"{date_ja(data.coverage_start)}〜{date_ja(data.coverage_end)}"),
    ]
    if data.manufacturer_warranty_end is not None:
        rows.append(("メーカー保証", f"{date_ja(data.manufacturer_warranty_end)}まで"))
    if data.purchase_price is not None:
        rows.append(("購入金額", yen_ja(data.purchase_price)))
    if data.repair_cap is not None:
        rows.append(("修理上限金額", yen_ja(data.repair_cap)))
    if data.consumable_note:
        rows.append(("消耗部品", data.consumable_note))
    return rows


def _section(heading: str, rows: list[tuple[str, str]], styles: _Styles, width: float) -> list[Flowable]:
    cells = [
        [_BoldishParagraph(_escape(key), styles.body), Paragraph(_escape(value), styles.body)] for key, value in rows
    ]
    table = Table(cells, colWidths=[LABEL_COLUMN, width - LABEL_COLUMN])
    table.setStyle(_table_style(styles, ("BACKGROUND", (0, 0), (0, -1), SHADE_COLOR)))
    return [KeepTogether([_BoldishParagraph(_escape(heading), styles.heading), table])]


def _products(data: CertificateData, styles: _Styles, width: float) -> list[Flowable]:
    header = [_BoldishParagraph(text, styles.body) for text in ("No.", "品目", "型番", "製造番号")]
    rows = [
        [Paragraph(str(n), styles.body), *(Paragraph(_escape(v), styles.body) for v in (p.kind, p.model, p.serial))]
        for n, p in enumerate(data.products, start=1)
    ]
    number_column = 12 * mm
    rest = (width - number_column - LABEL_COLUMN) / 2
    table = Table([header, *rows], colWidths=[number_column, LABEL_COLUMN, rest, rest], repeatRows=1)
    table.setStyle(_table_style(styles, ("BACKGROUND", (0, 0), (-1, 0), SHADE_COLOR)))
    return [_BoldishParagraph("対象商品", styles.heading), table]


def _table_style(styles: _Styles, shade: tuple[Any, ...]) -> TableStyle:
    return TableStyle(
        [
            # Cells hold paragraphs, but a table still sets its own font (Helvetica unless told) on every cell.
            ("FONTNAME", (0, 0), (-1, -1), styles.body.fontName),
            shade,
            ("GRID", (0, 0), (-1, -1), 0.5, RULE_COLOR),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )


def _draw_footer(canvas: Any, font: str, title: str, certificate_number: str) -> None:
    width, _height = A4
    left, right = MARGIN + FRAME_PADDING, width - MARGIN - FRAME_PADDING
    canvas.saveState()
    canvas.setStrokeColor(RULE_COLOR)
    canvas.setLineWidth(0.5)
    canvas.line(left, MARGIN + 4 * mm, right, MARGIN + 4 * mm)
    canvas.setFont(font, FOOTER_SIZE)
    canvas.drawString(left, MARGIN, f"{title}  加入者証番号 {certificate_number}")
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


def _escape(text: str) -> str:
    """Paragraph reads a little XML: data must not be taken for markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
