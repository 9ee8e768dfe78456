"""Reading a retailer's file (import.md): encodings, headers, 和暦, full-width digits, contracts across lines."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.imports.reading import _LINE, FileError, read, rejects
from hosho.imports.values import read_date, read_yen

HEADER = (
    "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,フリガナ,電話番号,郵便番号,住所,型番,製造番号"
)
ZEST = (
    "R1,{ref},zest,kaden-5y,{day},100000,5000,髙橋 ①子,タカハシ イチコ,090-1234-5678,100-0001,東京都千代田区,"
    "NA-1,{serial}"
)


def _file(*lines: str, encoding: str = "cp932", header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024/04/01", date(2024, 4, 1)),
        ("令和6年4月1日", date(2024, 4, 1)),
        ("R6.4.1", date(2024, 4, 1)),
        ("R6/4/1", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("H31.4.30", date(2019, 4, 30)),
        ("２０２４／４／１", date(2024, 4, 1)),
        ("令和６年４月１日", date(2024, 4, 1)),
    ],
)
def test_dates_as_retailers_write_them(text: str, day: date) -> None:
    assert read_date(text) == day


@pytest.mark.parametrize("text", ["令和元年4月30日", "平成31年5月1日", "2024/2/30", "R0.4.1", "昨日", "20240401"])
def test_a_date_that_is_not_one_is_refused_in_japanese(text: str) -> None:
    with pytest.raises(ValueError, match="「"):
        read_date(text)


@pytest.mark.parametrize(("text", "yen"), [("100000", 100_000), ("100,000", 100_000), ("１００，０００円", 100_000)])
def test_yen_with_separators_and_full_width_digits(text: str, yen: int) -> None:
    assert read_yen(text) == yen


def test_cp932_utf8_and_a_bom_are_found_and_names_are_stored_as_written() -> None:
    line = ZEST.format(ref="A1", day="令和6年4月1日", serial="S1")
    for encoding, found in (("cp932", "cp932"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")):
        read_file = read("sales.csv", _file(line, encoding=encoding))
        assert read_file.encoding == found
        [sale] = read_file.sales
        assert sale.command is not None, sale.problems
        assert sale.command.subscriber.name == "髙橋 ①子"  # no NFKC: ① stays ①
        assert sale.command.purchase_date == date(2024, 4, 1)


def test_lines_of_one_sale_are_one_contract_even_when_apart() -> None:
    ipro_header = (
        "販売店コード,受付番号,プログラム,プラン,購入日,運用開始日,氏名,電話番号,郵便番号,住所,機器種別,型番,製造番号"
    )
    lines = [
        "R1,S1,ipro,onsite-3y,2025-03-01,2025-03-10,警備 太郎,03-1234-5678,100-0001,東京都,カメラ,WV-1,C1",
        "R1,S2,ipro,onsite-3y,2025-03-01,2025-03-10,警備 次郎,03-1234-5679,100-0001,東京都,カメラ,WV-1,C2",
        "R1,S1,ipro,onsite-3y,2025-03-01,2025-03-10,警備 太郎,03-1234-5678,100-0001,東京都,レコーダー,WJ-1,R1",
    ]
    sales = read("sales.csv", _file(*lines, header=ipro_header)).sales
    first = next(s for s in sales if s.sale_ref == "S1")
    assert first.command is not None
    assert [(e.kind, e.serial) for e in first.command.equipment] == [("camera", "C1"), ("recorder", "R1")]
    assert [line.number for line in first.lines] == [2, 4]


def test_lines_of_one_sale_that_disagree_reject_the_contract_and_name_the_line() -> None:
    lines = [ZEST.format(ref="A1", day="2024-04-01", serial="S1"), ZEST.format(ref="A1", day="2024-04-02", serial="S2")]
    [sale] = read("sales.csv", _file(*lines)).sales
    assert sale.command is None
    assert [(p.line, p.column) for p in sale.problems] == [(3, "購入日")]


def test_lines_of_one_sale_that_differ_only_in_spaces_around_a_cell_are_one_contract() -> None:
    lines = [
        ZEST.format(ref="A1", day="2024-04-01", serial="S1"),
        ZEST.format(ref="A1", day=" 2024-04-01 ", serial="S2"),
    ]
    [sale] = read("sales.csv", _file(*lines)).sales
    assert sale.problems == []
    assert sale.command is not None and [e.serial for e in sale.command.equipment] == ["S1", "S2"]


def test_a_bad_value_names_its_line_and_column_as_written() -> None:
    lines = [ZEST.format(ref="A1", day="2024-13-01", serial="S1"), ZEST.format(ref="A2", day="2024-04-01", serial="")]
    bad_day, no_serial = read("sales.csv", _file(*lines)).sales
    assert [(p.line, p.column, p.code) for p in bad_day.problems] == [(2, "購入日", "invalid_contract")]
    assert [(p.line, p.column) for p in no_serial.problems] == [(3, "製造番号")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "NUL"),
        (b"\xef\xbb\xbf" + "販売店コード".encode("cp932"), "BOM"),
        ((HEADER.replace("氏名", "お名前") + "\r\n").encode("cp932"), "unknown column 「お名前」"),
        (
            (HEADER.replace(",フリガナ", "").replace(",氏名", "") + "\r\n").encode("cp932"),
            "missing required column(s): 氏名",
        ),
        ((HEADER + ",retailer\r\n").encode("cp932"), "given twice"),
        (_file("R1," * 10_000), "columns"),
        (_file('R1,"unterminated'), "not CSV"),
    ],
)
def test_a_file_that_cannot_be_read_names_the_file_and_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(FileError) as refused:
        read("sales.csv", data)
    assert str(refused.value).startswith("sales.csv") and reason in str(refused.value)


def test_rejected_lines_go_back_in_the_input_s_encoding_with_four_more_columns() -> None:
    lines = [ZEST.format(ref="A1", day="2024-13-01", serial="S1"), ZEST.format(ref="A2", day="2024-04-01", serial="S2")]
    read_file = read("sales.csv", _file(*lines))
    out = rejects(read_file, [s for s in read_file.sales if s.problems])
    rows = list(csv.reader(io.StringIO(out.decode("cp932"))))
    assert rows[0][-4:] == ["行番号", "項目", "エラー", "内容"]
    assert rows[1][:2] == ["R1", "A1"] and rows[1][-4:-1] == ["2", "購入日", "invalid_contract"]
    assert len(rows) == 2


@given(st.text(alphabet=st.sampled_from(["a", "髙", ",", '"', "\r", "\n", "\x0c", "\x85", "\u2028", " "]), max_size=40))
def test_the_file_is_split_into_lines_as_a_text_stream_splits_it(text: str) -> None:
    """The reader's line splitting (no copy of the whole text) is io.StringIO's with newline="": the line numbers in
    errors and rejects do not change."""
    assert [m.group() for m in _LINE.finditer(text)] == list(io.StringIO(text, newline=""))


def test_a_quoted_cell_across_lines_and_a_lone_carriage_return_read_as_before() -> None:
    data = _file('R1,A1,zest,kaden-5y,2024-04-01,100000,5000,"髙橋\r\n①子",,090-1234-5678,100-0001,東京都,NA-1,S1')
    found = read("sales.csv", data)
    assert [sale.lines[0].number for sale in found.sales] == [3]  # the record ends on the file's third line
    assert found.sales[0].command is not None and found.sales[0].command.subscriber.name == "髙橋\r\n①子"
