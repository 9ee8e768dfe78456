from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from hosho.certificates.pdf import (
    FONT_ENV,
    FONT_PACKAGE,
    CertificateData,
    CertificateFontError,
    Product,
    render_certificate,
    yen_ja,
)
from hosho.domain.program import ProgramVersion
from hosho.programs.catalog import Catalog


def _clauses(version: ProgramVersion, labels: list[str], mode: str | None = None) -> tuple[tuple[str, str], ...]:
    return tuple((label, version.clauses[label].text_for(mode)) for label in labels)


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
        "発行日 2025年4月1日",
        "山田 太郎",
        "2025年4月1日〜2029年3月31日",
        "2025年3月31日まで",
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
    every_clause = tuple((c.label, c.text_for()) for c in version.clauses.values() if c.text or c.text_by_mode)
    pdf = render_certificate(replace(zest, key_clauses=every_clause))
    pages = _pages(pdf)
    assert pages > 1
    reader = PdfReader(BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "加入者証番号 Z-2025-000123" in text
        assert f"{number} / {pages} ページ" in text
    assert every_clause[-1][0] in _text(pdf)


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


def test_yen_are_integers_with_separators() -> None:
    assert yen_ja(100_000) == "100,000円"
    with pytest.raises(TypeError):
        yen_ja(100_000.0)  # type: ignore[arg-type]
