"""What a person reads on the console's pages: telephone numbers, furigana, postal codes and cases written one way,
and people named by their names (literal expected strings)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.presentation import words
from hosho.presentation.formats import case_name, kana, phone, postal


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("090-1234-5678", "090-1234-5678"),
        ("０９０－１２３４－５６７８", "090-1234-5678"),
        ("09012345678", "090-1234-5678"),
        ("090 1234 5678", "090-1234-5678"),
        ("03(1234)5678", "03-1234-5678"),
        ("０３（１２３４）５６７８", "03-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("0120123456", "0120-123-456"),
        ("045-111-2222", "045-111-2222"),
        ("0451112222", "0451112222"),  # 045 or 0451? The number alone does not say: its digits, not a guess
        ("+81 90 1234 5678", "+81-90-1234-5678"),
    ],
)
def test_a_telephone_number_is_shown_in_half_width_digits_with_hyphens(typed: str, shown: str) -> None:
    assert phone(typed) == shown


def test_an_absent_telephone_number_is_a_dash() -> None:
    assert (phone(None), phone("")) == ("—", "—")


@given(st.lists(st.text(alphabet="0123456789０１２３４５６７８９", min_size=1, max_size=5), min_size=1, max_size=4))
def test_a_number_shown_keeps_every_digit_in_order_and_holds_only_digits_and_hyphens(groups: list[str]) -> None:
    typed = "－".join(groups)
    shown = phone(typed)
    assert set(shown) <= set("0123456789-")
    assert shown.replace("-", "") == unicodedata.normalize("NFKC", typed).replace("－", "").replace("-", "")


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("やまだ たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ヤマダ　タロウ", "ヤマダ タロウ"),
        (None, "—"),
    ],
)
def test_furigana_is_shown_in_full_width_katakana(typed: str | None, shown: str) -> None:
    assert kana(typed) == shown


@pytest.mark.parametrize(
    ("kept", "shown"), [("1000001", "〒100-0001"), ("100-0001", "〒100-0001"), ("１００－０００１", "〒100-0001")]
)
def test_a_postal_code_is_shown_with_its_mark_and_hyphen(kept: str, shown: str) -> None:
    assert postal(kept) == shown


def test_a_case_is_named_by_its_subscriber_and_certificate_number() -> None:
    assert (
        case_name(1, "山田 太郎", "ZEST-2024-00000001-7", 22)
        == "山田 太郎 様 ・ 加入者証番号 ZEST-2024-00000001-7 ・ 1件目のご依頼"
    )
    assert case_name(2, "山田 太郎", None, 22) == "山田 太郎 様 ・ 契約番号 22(加入者証未発行) ・ 2件目のご依頼"


def test_the_history_names_a_user_by_display_name_and_hoshos_own_work_in_words() -> None:
    names = {"user:sato": "佐藤 美咲"}
    assert words.actor_name("user:sato", names) == "佐藤 美咲"
    assert words.actor_name("demo-loader", names) == "デモデータの登録"
    assert words.actor_name("key:demo-admin", names) == "デモ用の管理者キー"
    assert words.actor_name("key:量販店A連携", names) == "API連携(量販店A連携)"
    assert words.actor_name("system", names) == "システム(日次処理)"
    assert words.actor_name("user:gone", names) == "gone"  # a user since removed: the name kept in the trail
