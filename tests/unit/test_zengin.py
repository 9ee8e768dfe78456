"""The Zengin 総合振込 file: holder names in the bank's characters, 120-byte records, totals, bank business days."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain import zengin as z
from hosho.domain.calendar import BusinessCalendar

BANKS = BusinessCalendar(z.BANK_CLOSURES)
OWN = z.Account("0005", "ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ".replace("ｰ", "-"), "001", "ﾎﾝﾃﾝ", z.AccountType.ORDINARY, "1234567", "ﾎｼﾖｳ")
REQUESTER = z.Requester("0000012345", "ｶ)ﾎｼﾖｳｻｰﾋﾞｽ".replace("ｰ", "-"), OWN)


def account(
    holder: str = "ﾔﾏﾀﾞ ﾀﾛｳ", kind: z.AccountType = z.AccountType.ORDINARY, number: str = "7654321"
) -> z.Account:
    return z.Account("0009", "ﾐﾂｲｽﾐﾄﾓ", "123", "ｼﾝｼﾞﾕｸ", kind, number, holder)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("ｷｮｳｺ", "ｷﾖｳｺ"),  # small kana become large
        ("キョウコ", "ｷﾖｳｺ"),
        ("サトー　ジュン", "ｻﾄ- ｼﾞﾕﾝ"),  # the long-vowel mark is a hyphen
        ("ｶ)ﾎｼｮｳ", "ｶ)ﾎｼﾖｳ"),
        ("（カ）ホショウ", "(ｶ)ﾎｼﾖｳ"),
        ("smith john", "SMITH JOHN"),
        ("ＡＢＣ１２３", "ABC123"),
        ("ヴァイオリン", "ｳﾞｱｲｵﾘﾝ"),
        ("  ヤマダ   タロウ  ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ],
)
def test_a_holder_name_is_stored_as_the_file_carries_it(typed: str, stored: str) -> None:
    assert z.zengin_kana(typed, field="holder") == stored


@pytest.mark.parametrize("typed", ["山田太郎", "ヤマダ＠タロウ", "ヤマダ・タロウ", "😀", "", "   "])
def test_a_holder_name_the_bank_cannot_carry_is_refused_with_the_field(typed: str) -> None:
    with pytest.raises(z.ZenginError) as refused:
        z.zengin_kana(typed, field="bank_account.holder")
    assert refused.value.field == "bank_account.holder"


def test_a_holder_name_is_at_most_30_bytes_after_conversion() -> None:
    assert z.zengin_kana("ア" * 30, field="holder") == "ｱ" * 30
    with pytest.raises(z.ZenginError, match="30 bytes"):
        z.zengin_kana("ア" * 31, field="holder")
    # A voiced kana is two half-width characters: 15 of them fill the field.
    assert z.zengin_kana("ガ" * 15, field="holder") == "ｶﾞ" * 15
    with pytest.raises(z.ZenginError):
        z.zengin_kana("ガ" * 15 + "ア", field="holder")


def test_a_file_is_header_data_trailer_end_in_120_byte_records_with_crlf() -> None:
    transfers = (
        z.Transfer(account(), 2_670, "R000000000000001"),
        z.Transfer(account("ｽｽﾞｷ ﾊﾅｺ", z.AccountType.CURRENT, "1"), 3_600, "R000000000000002"),
    )
    data = z.write(z.TransferFile(REQUESTER, date(2027, 1, 6), transfers))
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) == 120 for line in lines[:-1])
    assert [line[:1] for line in lines[:-1]] == [b"1", b"2", b"2", b"8", b"9"]
    header, first, second, trailer, _end = z.read(data)
    assert (header["type_code"], header["code_class"], header["transfer_date"]) == ("21", "0", "0106")
    assert (header["requester_code"], header["requester_name"]) == ("0000012345", "ｶ)ﾎｼﾖｳｻ-ﾋﾞｽ")
    assert (first["holder"], first["amount"], first["account_number"]) == ("ﾔﾏﾀﾞ ﾀﾛｳ", "0000002670", "7654321")
    assert (second["account_type"], second["account_number"], second["customer_code"]) == (
        "2",
        "0000001",
        "R000000000000002",
    )
    assert (trailer["count"], trailer["total"]) == ("000002", "000000006270")


def test_the_same_batch_gives_the_same_bytes() -> None:
    batch = z.TransferFile(REQUESTER, date(2027, 1, 6), (z.Transfer(account(), 2_670, "R1"),))
    assert z.write(batch) == z.write(batch)


def test_every_account_type_the_longest_name_and_the_largest_amount_read_back_field_by_field() -> None:
    longest = "ｶﾞ" * 15
    transfers = tuple(
        z.Transfer(account(longest, kind, "9999999"), z.AMOUNT_MAX, f"R{int(kind)}") for kind in z.AccountType
    )
    records = z.read(z.write(z.TransferFile(REQUESTER, date(2027, 1, 6), transfers)))
    data = [r for r in records if r["kind"] == "2"]
    assert [(r["account_type"], r["holder"], r["amount"]) for r in data] == [
        (str(int(kind)), longest, "9999999999") for kind in z.AccountType
    ]
    assert records[-2]["total"] == str(z.AMOUNT_MAX * 3).zfill(12)


def test_an_amount_the_file_cannot_carry_is_refused() -> None:
    with pytest.raises(z.ZenginError, match="1 to 9,999,999,999 yen"):
        z.Transfer(account(), z.AMOUNT_MAX + 1, "R1")
    with pytest.raises(z.ZenginError):
        z.Transfer(account(), 0, "R1")


@pytest.mark.parametrize(
    ("day", "next_day"),
    [
        (date(2026, 12, 31), "2027-01-04"),
        (date(2027, 1, 1), "2027-01-04"),
        (date(2027, 1, 3), "2027-01-04"),
        (date(2026, 12, 5), "2026-12-07"),  # Saturday
        (date(2026, 11, 23), "2026-11-24"),  # 勤労感謝の日
    ],
)
def test_a_transfer_date_that_is_not_a_bank_business_day_names_the_next(day: date, next_day: str) -> None:
    with pytest.raises(z.ZenginError) as refused:
        z.check_transfer_date(day, BANKS)
    assert refused.value.field == "transfer_date" and next_day in refused.value.message


def test_30_december_and_4_january_are_bank_business_days() -> None:
    z.check_transfer_date(date(2026, 12, 30), BANKS)
    z.check_transfer_date(date(2027, 1, 4), BANKS)


def test_a_damaged_file_is_refused_when_read() -> None:
    data = z.write(z.TransferFile(REQUESTER, date(2027, 1, 6), (z.Transfer(account(), 2_670, "R1"),)))
    with pytest.raises(z.ZenginError, match="total"):
        z.read(data.replace(b"0000002670", b"0000002671", 1))
    with pytest.raises(z.ZenginError, match="bytes"):
        z.read(data.replace(b"\r\n", b"\n", 1))


KANA = st.text(
    alphabet="アイウエオカキクケコガギグサシスセソザタチツテトダナニヌネノハヒフヘホ"
    "バパマミムメモヤユヨラリルレロワヲン ーァィゥェォャュョッ",
    max_size=20,
)


@given(KANA)
def test_any_katakana_name_that_fits_converts_to_allowed_characters_and_is_stable(name: str) -> None:
    try:
        stored = z.zengin_kana(name, field="holder")
    except z.ZenginError:
        return
    assert len(stored.encode("cp932")) <= 30
    assert z.zengin_kana(stored, field="holder") == stored  # converting what is stored changes nothing
