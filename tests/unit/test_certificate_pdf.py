from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from hosho.certificates.data import key_clauses, postal_display
from hosho.certificates.fonts import FALLBACK_FONTS_ENV, MISSING_GLYPH
from hosho.certificates.pdf import (
    FONT_ENV,
    FONT_PACKAGE,
    CertificateData,
    CertificateFontError,
    PrintedClause,
    Product,
    render_certificate,
    table_rows,
)
from hosho.domain.program import ProgramVersion
from hosho.programs.catalog import Catalog


def _clauses(version: ProgramVersion, labels: list[str], mode: str | None = None) -> tuple[PrintedClause, ...]:
    return tuple(PrintedClause(label, None, version.clauses[label].text_for(mode)) for label in labels)


@pytest.fixture(scope="module")
def zest(catalog: Catalog) -> CertificateData:
    version = catalog.program("zest").version_on(date(2025, 4, 1))
    return CertificateData(
        title=version.certificate_title,
        certificate_number="Z-2025-000123",
        issued_on=date(2025, 4, 1),
        program_name=version.name,
        provider=version.provider,
        terms_version=version.version,
        plan_name="5年延長保証",
        service_mode_ja="メーカー保証に準ずる",
        subscriber_name="山田 太郎",
        subscriber_kana="ヤマダ タロウ",
        postal_code="100-0001",
        address="東京都千代田区千代田1-1 保証マンション101号室",
        phone="03-0000-0000",
        products=(Product(kind="レコーダー", model="DMR-2X000", serial="XA1234567"),),
        purchase_date=date(2024, 4, 1),
        coverage_start=date(2025, 4, 1),
        coverage_end=date(2029, 3, 31),
        manufacturer_warranty_end=date(2025, 3, 31),
        purchase_price=100_000,
        repair_cap=100_000,
        call_center_name=version.call_center.name,
        call_center_phone=version.call_center.phone,
        call_center_hours=version.call_center.hours,
        consumable_note=None,
        key_clauses=_clauses(version, ["第2条第1項", "第5条第1項", "第6条(1)"]),
    )


@pytest.fixture(scope="module")
def ipro(catalog: Catalog) -> CertificateData:
    version = catalog.program("ipro").version_on(date(2025, 4, 1))
    return CertificateData(
        title=version.certificate_title,
        certificate_number="I-2025-000045",
        issued_on=date(2025, 4, 10),
        program_name=version.name,
        provider=version.provider,
        terms_version=version.version,
        plan_name=version.plans["onsite-5y"].name,
        service_mode_ja="オンサイト",
        subscriber_name="株式会社サンプル商事 総務部",
        subscriber_kana=None,
        postal_code="530-0001",
        address="大阪府大阪市北区梅田1-1-1",
        phone=None,
        products=(
            Product(kind="カメラ", model="WV-X0000", serial="C0000001"),
            Product(kind="カメラ", model="WV-X0000", serial="C0000002"),
            Product(kind="レコーダー", model="WJ-NX000", serial="R0000001"),
        ),
        purchase_date=date(2025, 4, 1),
        coverage_start=date(2025, 4, 1),
        coverage_end=date(2030, 3, 31),
        manufacturer_warranty_end=None,
        purchase_price=None,
        repair_cap=None,
        call_center_name=version.call_center.name,
        call_center_phone=version.call_center.phone,
        call_center_hours=version.call_center.hours,
        consumable_note="消耗部品の交換: 2028-04-01前後に1回",
        key_clauses=_clauses(
            version, ["修理日数の目安", "消耗部品の交換", "サービス内容に含まれない項目(1)"], "onsite"
        ),
    )


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def test_certificate_is_a_pdf_with_the_japanese_font_embedded(zest: CertificateData) -> None:
    pdf = render_certificate(zest)
    assert pdf.startswith(b"%PDF-")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAexGothic", pdf)
    assert b"/FontFile2" in pdf
    assert b"/Helvetica" not in pdf


def test_zest_certificate_text_extracts_back_in_japanese(zest: CertificateData) -> None:
    text = _text(render_certificate(zest))
    for expected in [
        "延長保証加入者証",
        "Z-2025-000123",
        "発行日 2025年4月1日(火)",
        "山田 太郎",
        "2025年4月1日(火)〜2029年3月31日(土)",
        "2025年3月31日(月)まで",
        "100,000円",
        "第5条第1項",
        "DMR-2X000",
        "1 / 2 ページ",
    ]:
        assert expected in text, expected
    # Clause text wraps by character, so a phrase may straddle a line break.
    assert "延長保証加入者証に記載の修理上限金額を上限として" in "".join(text.split())


def test_ipro_onsite_pack_is_titled_as_a_maintenance_pack(ipro: CertificateData) -> None:
    text = _text(render_certificate(ipro))
    for expected in ["保守パック加入者証", "オンサイト 5年パック", "R0000001", "2028-04-01前後に1回", "修理日数の目安"]:
        assert expected in text, expected
    assert "修理上限金額" not in text
    assert "延長保証加入者証" not in text


def test_the_title_is_the_programs_own(ipro: CertificateData) -> None:
    text = _text(render_certificate(replace(ipro, title="業務用冷蔵庫 保守契約証")))
    assert "業務用冷蔵庫 保守契約証" in text
    assert "保守パック加入者証" not in text


def test_long_clause_list_flows_onto_more_pages_with_the_number_on_each(
    zest: CertificateData, catalog: Catalog
) -> None:
    version = catalog.program("zest").version_on(date(2025, 4, 1))
    every_clause = tuple(
        PrintedClause(c.label, None, c.text_for()) for c in version.clauses.values() if c.text or c.text_by_mode
    )
    pdf = render_certificate(replace(zest, key_clauses=every_clause))
    pages = _pages(pdf)
    assert pages > 1
    reader = PdfReader(BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "加入者証番号 Z-2025-000123" in text
        assert f"{number} / {pages} ページ" in text
    assert every_clause[-1].label in _text(pdf)


def test_same_data_gives_the_same_bytes(zest: CertificateData) -> None:
    assert render_certificate(zest) == render_certificate(zest)


def test_missing_font_is_a_clear_error_naming_the_package(
    zest: CertificateData, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(FONT_ENV, str(tmp_path / "missing.ttf"))
    with pytest.raises(CertificateFontError, match=FONT_PACKAGE) as error:
        render_certificate(zest)
    assert FONT_ENV in str(error.value)


def test_a_font_that_is_not_truetype_is_refused(
    zest: CertificateData, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_font = tmp_path / "not-a-font.ttf"
    not_a_font.write_bytes(b"not a font")
    monkeypatch.setenv(FONT_ENV, str(not_a_font))
    with pytest.raises(CertificateFontError, match=FONT_PACKAGE):
        render_certificate(zest)


# Names and addresses beyond IPAexGothic: JIS X 0213 kanji (plane 2 included), compatibility ideographs, emoji.
UNUSUAL = [
    ("subscriber_name", "𠮷田 花子"),  # U+20BB7, not in IPAexGothic
    ("subscriber_name", "髙橋 﨑子"),  # U+9AD9, U+FA11
    ("subscriber_name", "𡈽屋 𩸽太郎"),  # plane 2, in IPAexGothic (its ToUnicode entry lost them)
    ("address", "東京都葛飾区𠮷野町1-2"),
    ("address", "大阪府大阪市北区梅田1-1-1 すし屋🍣 2階😀"),
]


@pytest.mark.parametrize(("field", "value"), UNUSUAL)
def test_a_name_or_address_outside_the_main_font_extracts_back_as_stored(
    ipro: CertificateData, field: str, value: str
) -> None:
    text = _text(render_certificate(replace(ipro, **{field: value})))
    # The table cell extracts as a line of its own, equal to the stored value.
    printed = value if field == "subscriber_name" else f"〒{ipro.postal_code} {value}"
    assert printed in [line.strip() for line in text.splitlines()]
    assert MISSING_GLYPH not in text


def test_characters_the_main_font_lacks_are_drawn_with_a_fallback_font(ipro: CertificateData) -> None:
    pdf = render_certificate(replace(ipro, subscriber_name="𠮷田 花子", address="東京都😀"))
    assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAexGothic", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAmjMincho", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+Symbola", pdf)
    assert b"/Helvetica" not in pdf


def test_without_the_fallback_fonts_a_missing_character_prints_as_geta_and_the_certificate_says_so(
    ipro: CertificateData, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FALLBACK_FONTS_ENV, "")
    text = _text(render_certificate(replace(ipro, subscriber_name="𠮷田 花子")))
    assert f"{MISSING_GLYPH}田 花子" in text
    assert f"※{MISSING_GLYPH}は、この加入者証の書体にない文字を示します" in "".join(text.split())


def test_a_complete_name_prints_no_missing_character_note(ipro: CertificateData) -> None:
    assert "書体にない文字" not in _text(render_certificate(ipro))


def test_the_address_line_starts_with_the_postal_code(ipro: CertificateData) -> None:
    assert "〒530-0001 大阪府大阪市北区梅田1-1-1" in _text(render_certificate(ipro))


def test_a_demo_call_center_number_is_printed_as_fictitious(ipro: CertificateData, catalog: Catalog) -> None:
    call_center = catalog.program("ipro").versions[-1].call_center
    assert call_center.phone is not None and call_center.fictitious
    text = _text(render_certificate(replace(ipro, call_center_fictitious=True)))
    assert f"{call_center.phone}(架空の番号)" in text
    assert "架空の番号" not in _text(render_certificate(replace(ipro, call_center_fictitious=False)))


@pytest.mark.parametrize(
    ("status", "mark", "sentence"),
    [
        ("cancelled", "解約済", "2026年6月1日(月)に解約されました。"),
        ("transferred", "譲渡により終了", "2026年6月1日(月)に本商品が譲渡されたため、保証は終了しました。"),
        ("ended", "代替品提供により終了", "2026年6月1日(月)に代替品の提供をもって修理に代えたため"),
        ("expired", "期間満了", "2026年6月1日(月)をもって保証期間が満了しました。"),
    ],
)
def test_a_contract_no_longer_in_force_is_marked_on_every_page(
    zest: CertificateData, catalog: Catalog, status: str, mark: str, sentence: str
) -> None:
    version = catalog.program("zest").version_on(date(2025, 4, 1))
    data = replace(zest, status=status, ended_on=date(2026, 6, 1), key_clauses=key_clauses(version, "maker"))
    reader = PdfReader(BytesIO(render_certificate(data)))
    assert len(reader.pages) > 1
    for page in reader.pages:
        assert f"【{mark}】" in page.extract_text()
    first = "".join(reader.pages[0].extract_text().split())
    assert sentence in first
    assert "修理のご依頼はお受けできません" in first
    assert mark in str(reader.metadata.title if reader.metadata else "")


def test_an_active_contract_s_certificate_carries_no_mark(zest: CertificateData) -> None:
    text = _text(render_certificate(zest))
    for mark in ("解約済", "譲渡により終了", "代替品提供により終了", "期間満了", "お受けできません"):
        assert mark not in text


def test_a_key_clause_is_printed_whole_with_its_items_and_its_table(zest: CertificateData, catalog: Catalog) -> None:
    version = catalog.program("zest").version_on(date(2025, 4, 1))
    clauses = key_clauses(version, "maker")
    labels = [clause.label for clause in clauses]
    # 第6条 with each of its items, (14) with ①…⑩; 第9条第1項 with its table and its ※ note.
    assert labels[labels.index("第6条") + 1 : labels.index("第6条") + 3] == ["第6条(1)", "第6条(2)"]
    assert {"第6条(18)", "第6条(14)⑩", "第9条第1項【解約時の返金率】", "第9条第1項※"} <= set(labels)
    text = "".join(_text(render_certificate(replace(zest, key_clauses=clauses))).split())
    for expected in [
        "次の場合は延長保証サービス期間中であっても延長保証サービスの対象とならないものとする。(1)ハードディスク等",
        "(18)本商品の修理を依頼された際",
        "⑩戦争・外国の武力行使",
        "下表に基づき",
        "区分購入日から1年以内",  # the table's header row, cell by cell
        "家電5年保証3%2.25%1.5%0.75%0%(返金なし)",
        "エアコン8年保証4.8%3.6%2.4%1.2%0%(返金なし)",
        "※返金額は",
        "約款の全文(延長保証サービス規程、版zest@2020-01-01)は、上記の窓口でご案内しています。",
    ]:
        assert expected in text, expected
    assert "※※" not in text and "【解約時の返金率】解約時の返金率" not in text


def test_a_table_flattened_into_text_is_read_back_row_by_row() -> None:
    assert table_rows("区分: 1年以内 / 1年超。家電: 3% / 2%。エアコン: 4.8% / 3.6%") == (
        ("区分", "1年以内", "1年超"),
        ("家電", "3%", "2%"),
        ("エアコン", "4.8%", "3.6%"),
    )
    assert table_rows("次の場合は対象とならないものとする。") is None
    assert table_rows("区分: a / b。家電: 3%") is None  # rows of different lengths are not a table


@pytest.mark.parametrize(
    ("stored", "printed"), [("1250062", "125-0062"), ("125-0062", "125-0062"), ("12345", "12345"), (None, None)]
)
def test_a_postal_code_is_printed_with_its_hyphen(stored: str | None, printed: str | None) -> None:
    assert postal_display(stored) == printed


def test_a_name_with_variation_selectors_extracts_back_with_them(ipro: CertificateData) -> None:
    name = "渡邊\U000e010f 葛\U000e0102西 辻\U000e0103"  # 異体字 of the family register (Moji_Joho collection)
    pdf = render_certificate(replace(ipro, subscriber_name=name))
    assert name in [line.strip() for line in _text(pdf).splitlines()]
    assert re.search(rb"/BaseFont /[A-Z]{6}\+IPAmjMincho", pdf)
