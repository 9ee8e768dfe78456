"""The certificate's font chain: which font draws each character, variants of names, missing characters."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]

from hosho.certificates.fonts import MISSING_GLYPH, FontChain, font_chain


@pytest.fixture(scope="module")
def fonts() -> FontChain:
    return font_chain()


def _font_names(fonts: FontChain) -> tuple[str, str, str]:
    (mincho, _), (symbola, _) = fonts.fallbacks
    assert "ipamjm" in mincho and "Symbola" in symbola
    return fonts.main, mincho, symbola


def test_each_character_is_drawn_by_the_first_font_that_has_it(fonts: FontChain) -> None:
    gothic, mincho, symbola = _font_names(fonts)
    assert list(fonts.runs("𠮷田 花子😀様")) == [(mincho, "𠮷"), (gothic, "田 花子"), (symbola, "😀"), (gothic, "様")]


def test_a_character_no_font_has_is_a_geta(fonts: FontChain) -> None:
    gothic, _, _ = _font_names(fonts)
    assert list(fonts.runs("山田\U0001fae8")) == [(gothic, "山田"), (None, MISSING_GLYPH)]  # 🫨 (Unicode 15)
    assert fonts.missing("山田\U0001fae8") and not fonts.missing("山田 太郎")


def test_a_selector_no_font_has_a_variant_for_is_left_out_of_the_drawing(fonts: FontChain) -> None:
    _, _, symbola = _font_names(fonts)
    assert list(fonts.runs("😀\ufe0f")) == [(symbola, "😀")]


@pytest.mark.parametrize("sequence", ["葛\U000e0102", "邊\U000e010f", "辻\U000e0103"])
def test_a_kanji_with_a_variation_selector_gets_its_variant_glyph_at_full_width(
    fonts: FontChain, sequence: str
) -> None:
    _, mincho, _ = _font_names(fonts)
    [(font, drawn)] = list(fonts.runs(sequence))
    assert font == mincho
    assert 0xF0000 <= ord(drawn) <= 0xFFFFD  # a private-use code standing for the variant glyph
    assert list(fonts.runs(sequence)) == [(font, drawn)]  # the same code the next time
    assert stringWidth(drawn, font, 10) == pytest.approx(stringWidth(sequence[0], mincho, 10))
