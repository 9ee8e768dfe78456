"""Reading a retailer's file (import.md): its encoding, its header, its lines grouped into contracts, and each
contract as the enrolment command the API takes (`service.commands.Enrol`).

Nothing here touches the database: a file is bytes in, contracts and rejections out. The rules of the terms are not
applied here either: each contract goes through the same enrolment as the API's (the service does that).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from pydantic import ValidationError

from hosho.imports.values import narrow, read_count, read_date, read_yen
from hosho.service import commands as c


class FileError(Exception):
    """The whole file cannot be read: nothing is stored. The message names the file and, where there is one, the
    line."""


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name: str  # 列名 as the spec's table writes it
    required: bool
    contract: bool = True  # False for the columns of one equipment item


COLUMNS = (
    Column("retailer", "販売店コード", True),
    Column("sale_ref", "受付番号", True),
    Column("program", "プログラム", True),
    Column("plan", "プラン", True),
    Column("applied_on", "申込日", False),
    Column("purchase_date", "購入日", True),
    Column("operation_start_date", "運用開始日", False),
    Column("purchase_price", "購入金額", False),
    Column("warranty_fee", "保証料", False),
    Column("manufacturer_warranty_months", "メーカー保証月数", False),
    Column("repair_cap", "修理上限金額", False),
    Column("name", "氏名", True),
    Column("name_kana", "フリガナ", False),
    Column("phone", "電話番号", True),
    Column("postal_code", "郵便番号", True),
    Column("address", "住所", True),
    Column("email", "メールアドレス", False),
    Column("equipment_kind", "機器種別", False, contract=False),
    Column("model", "型番", True, contract=False),
    Column("serial", "製造番号", True, contract=False),
    Column("paid_on", "入金日", False),
)
BY_HEADER = {**{col.id: col for col in COLUMNS}, **{col.name: col for col in COLUMNS}}
KINDS = {"カメラ": "camera", "レコーダー": "recorder", "SDレコーダー": "sd_recorder", "その他": "other"}
MAX_COLUMNS = len(COLUMNS) + 10  # a line far wider than any header is refused, not parsed
MAX_FIELD = 1_000  # characters in one cell


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # "utf-8-sig", "utf-8" or "cp932": the rejects file is written back in it


def decode(name: str, data: bytes) -> Decoded:
    """BOM → UTF-8 → CP932 (Windows-31J, never Python's narrower `shift_jis`)."""
    if b"\x00" in data:
        raise FileError(f"{name}: NUL bytes: not a text file")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileError(f"{name}: starts with a UTF-8 BOM but is not UTF-8 (byte {exc.start + 3})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(f"{name}: UTF-16 is not accepted: save the file as UTF-8 or CP932 (Excel: CSV)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp932"), "cp932")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(f"{name}:{line}: neither UTF-8 nor CP932 (Windows-31J)") from None


@dataclass(slots=True)
class Problem:
    line: int
    column: str  # as written in the file's header; "" for the line as a whole
    code: str
    message: str  # Japanese


@dataclass(slots=True)
class Line:
    number: int  # physical line of the file where the record ends, header = 1
    source: str  # the record as written (its physical lines with their ends): `cells_of` reads it

    @property
    def raw(self) -> list[str]:
        """The cells as written, in the header's order."""
        return cells_of(self.source)


@dataclass(slots=True)
class Sale:
    """One contract: the lines sharing (販売店コード, 受付番号), with what was read from them."""

    retailer: str
    sale_ref: str
    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    command: c.Enrol | None = None
    paid_on: Any = None


@dataclass(slots=True)
class ReadFile:
    encoding: str
    header: list[str]
    headers: dict[str, str]  # column id → the header as written
    sales: list[Sale]


def read(name: str, data: bytes) -> ReadFile:
    """The whole file at once, its contracts in the order of their first line, each with its command (`build`)."""
    read_file, sales, _ = stream(name, data)
    read_file.sales = sorted(sales, key=lambda sale: sale.lines[0].number)
    for sale in read_file.sales:
        build(sale, read_file.headers)
    return read_file


def stream(name: str, data: bytes) -> tuple[ReadFile, Iterator[Sale], int]:
    """The file's header, its contracts one by one in the order of their last line, and the number of item lines.
    A contract's command is not built here (`build`: an import does it where its rules are applied).

    The whole file is parsed once before this returns, so that a file that cannot be read is refused before any
    contract is taken from it. That pass keeps where each record is in the text and which records each contract
    has; a contract's lines are cut from the text only when it is taken: memory holds the text and that index, not
    the file's cells.
    """
    decoded = decode(name, data)
    text = decoded.text
    ends = array("q")  # where the last physical line taken by the reader ends: `_rows` keeps it here
    rows = _rows(name, text, ends)
    try:
        header = next(rows)
    except StopIteration:
        raise FileError(f"{name}: the file is empty (a header line is expected)") from None
    _check_header(name, header)
    ids = column_ids(header)
    retailer_at, sale_at = ids.index("retailer"), ids.index("sale_ref")  # both required: _check_header
    numbers, starts, stops = array("q"), array("q"), array("q")
    members: dict[tuple[str, str], list[Any]] = {}  # key → [key, index of each of its records…]
    of_record: list[list[Any]] = []  # each record's entry in `members`
    start = ends[0]
    for number, raw in rows:
        stop = ends[0]
        if not "".join(raw).strip():  # a blank line (every cell empty or spaces)
            start = stop
            continue
        if len(raw) > len(header):
            raise FileError(f"{name}:{number}: {len(raw)} columns, the header has {len(header)}")
        key = (_cell(raw, retailer_at), _cell(raw, sale_at))
        entry = members.get(key)
        if entry is None:
            entry = members[key] = [key]
        entry.append(len(numbers))
        of_record.append(entry)
        numbers.append(number)
        starts.append(start)
        stops.append(stop)
        start = stop
    read_file = ReadFile(decoded.encoding, header, column_headers(tuple(header)), [])
    lines = len(numbers)
    del members
    return read_file, _sales(text, of_record, numbers, starts, stops), lines


def _cell(raw: list[str], index: int) -> str:
    return raw[index].strip() if index < len(raw) else ""


def _sales(text: str, of_record: list[list[Any]], numbers: Any, starts: Any, stops: Any) -> Iterator[Sale]:
    """Each contract when its last record comes, with its lines cut from the text."""
    for index, entry in enumerate(of_record):
        if entry[-1] != index:
            continue
        key = entry[0]
        lines = [Line(numbers[i], text[starts[i] : stops[i]]) for i in entry[1:]]
        yield Sale(key[0], key[1], lines)


@lru_cache(maxsize=16)
def _column_ids(header: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(BY_HEADER[h].id for h in header)


@lru_cache(maxsize=16)
def column_headers(header: tuple[str, ...]) -> dict[str, str]:
    """Column id → the header as written, in the header's order, for a (checked) header. Not to be changed: shared."""
    return {BY_HEADER[h].id: h for h in header}


def column_ids(header: list[str]) -> tuple[str, ...]:
    """The column ids of a (checked) header, in its order: one tuple shared by every line of the file."""
    return _column_ids(tuple(header))


def cells_of(source: str) -> list[str]:
    """A record's cells, read as the file's pass read them (`source` is one record, as `Line.source` holds it)."""
    return next(csv.reader(map(re.Match.group, _LINE.finditer(source)), strict=True))


# A physical line with its end, split as io.StringIO(text, newline="") splits it (\r\n, \r or \n), without its copy
# of the whole text (four bytes a character: about 500 MB for a million lines).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _rows(name: str, text: str, ends: Any) -> Iterator[Any]:
    """The records of the text, each with the physical line where it ends. `ends[0]` is kept at the end (offset in
    the text) of the last physical line the reader took: the reader takes lines only as a record needs them."""

    def physical() -> Iterator[str]:
        for match in _LINE.finditer(text):
            ends[0] = match.end()
            yield match.group()

    ends.append(0)
    reader = csv.reader(physical(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise FileError(f"{name}:1: not CSV: {exc}") from None
    yield header
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileError(f"{name}:{reader.line_num}: not CSV: {exc}") from None
        if len(raw) > MAX_COLUMNS:
            raise FileError(f"{name}:{reader.line_num}: {len(raw)} columns, far more than the header's")
        if raw and max(map(len, raw)) > MAX_FIELD:
            raise FileError(f"{name}:{reader.line_num}: a cell longer than {MAX_FIELD} characters")
        # The physical line where this record ends (quoted cells may span lines); the header is line 1.
        yield reader.line_num, raw


def _check_header(name: str, header: list[str]) -> None:
    seen: dict[str, str] = {}
    for text in header:
        column = BY_HEADER.get(text.strip())
        if column is None:
            raise FileError(f"{name}:1: unknown column 「{text}」")
        if column.id in seen:
            raise FileError(f"{name}:1: column 「{column.name}」 given twice (「{seen[column.id]}」 and 「{text}」)")
        seen[column.id] = text
    missing = [col.name for col in COLUMNS if col.required and col.id not in seen]
    if missing:
        raise FileError(f"{name}:1: missing required column(s): {'、'.join(missing)}")
    header[:] = [h.strip() for h in header]


CONTRACT_IDS = [col.id for col in COLUMNS if col.contract]


def _with_ids(ids: tuple[str, ...], raw: list[str]) -> dict[str, str]:
    """Column id → text as written (a short line's missing cells are empty)."""
    return dict(zip(ids, raw if len(raw) >= len(ids) else raw + [""] * (len(ids) - len(raw)), strict=False))


@lru_cache(maxsize=16)
def _contract_cells(columns: tuple[str, ...]) -> Callable[[dict[str, str]], Any]:
    """A line's contract cells as written, for a file with these columns (those it lacks are empty on every line)."""
    present = [column for column in CONTRACT_IDS if column in columns]  # the required ones at least: two or more
    return itemgetter(*present)


# The cells read into values (imports.values) before the command is built: dates, yen and counts as written.
_READ = (
    ("applied_on", read_date),
    ("purchase_date", read_date),
    ("operation_start_date", read_date),
    ("purchase_price", read_yen),
    ("warranty_fee", read_yen),
    ("repair_cap", read_yen),
    ("manufacturer_warranty_months", read_count),
    ("paid_on", read_date),
)


def build(sale: Sale, headers: dict[str, str]) -> None:
    """The contract's enrolment command (`sale.command`), or the problems of its lines (one bad line rejects the
    contract)."""
    ids = tuple(headers)  # the header's column ids in its order
    first = sale.lines[0]
    rows = [_with_ids(ids, line.raw) for line in sale.lines]
    cells = rows[0]
    same = _contract_cells(ids)
    for line, other in zip(sale.lines[1:], rows[1:], strict=True):
        if same(other) == same(cells):  # written alike: alike once trimmed too
            continue
        for column in CONTRACT_IDS:
            if other.get(column, "").strip() != cells.get(column, "").strip():
                sale.problems.append(
                    Problem(
                        line.number,
                        headers.get(column, column),
                        "invalid_contract",
                        f"同じ受付番号の{first.number}行目と内容が異なります",
                    )
                )
    if sale.problems:
        return
    values: dict[str, Any] = {}
    for column, reader in _READ:
        text = cells.get(column, "").strip()
        if not text:
            continue
        try:
            values[column] = reader(text)
        except ValueError as exc:
            sale.problems.append(Problem(first.number, headers.get(column, column), "invalid_contract", str(exc)))
    sale.paid_on = values.pop("paid_on", None)
    equipment = []
    for item in rows:
        kind = item.get("equipment_kind", "").strip() or "other"
        model, serial = item.get("model", ""), item.get("serial", "")
        equipment.append({"kind": KINDS.get(kind, kind), "model": model, "serial": serial})
    if sale.problems:
        return
    body = {
        "program": cells["program"].strip(),
        "plan": cells["plan"].strip(),
        **values,
        "equipment": equipment,
        "site": {"postal_code": narrow(cells["postal_code"].strip())},
        "retailer": sale.retailer or None,
        "subscriber": {
            "name": cells["name"],
            "name_kana": cells.get("name_kana") or None,
            "phone": narrow(cells["phone"].strip()) or None,
            "email": (cells.get("email") or "").strip() or None,
            "postal_code": narrow(cells["postal_code"].strip()) or None,
            "address": cells["address"] or None,
        },
    }
    try:
        sale.command = c.Enrol.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            location = [str(part) for part in error["loc"]]
            column, number = _column_of(location, sale)
            sale.problems.append(Problem(number, headers.get(column, column), "invalid_contract", _message(error)))


def _column_of(location: list[str], sale: Sale) -> tuple[str, int]:
    """The file's column and line behind a field of the command (equipment.2.serial → 製造番号 of the 3rd line)."""
    if location[:1] == ["equipment"] and len(location) >= 3 and location[1].isdigit():
        item = int(location[1])
        column = {"kind": "equipment_kind"}.get(location[2], location[2])
        return column, sale.lines[min(item, len(sale.lines) - 1)].number
    if location[:1] in (["subscriber"], ["site"]) and len(location) >= 2:
        return location[1], sale.lines[0].number
    return (location[0] if location else ""), sale.lines[0].number


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "string_too_long":
        return f"{error['ctx']['max_length']}文字以内で入力してください"
    if kind in ("string_too_short", "missing"):
        return "入力してください"
    if kind == "string_pattern_mismatch":
        return "形式が正しくありません"
    if kind in ("less_than_equal", "greater_than_equal"):
        return "範囲外の値です"
    return f"値が正しくありません({error['msg']})"


def rejects(read_file: ReadFile, sales: list[Sale]) -> bytes:
    """The rejected lines in the input's encoding: the original columns plus 行番号, 項目, エラー, 内容."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*read_file.header, "行番号", "項目", "エラー", "内容"])
    for sale in sales:
        by_line: dict[int, list[Problem]] = {}
        for problem in sale.problems:
            by_line.setdefault(problem.line, []).append(problem)
        for line in sale.lines:
            found = by_line.get(line.number) or [
                Problem(line.number, "", "contract_rejected", "同じ契約の別の行に誤りがあります")
            ]
            first = found[0]
            raw = line.raw
            padded = raw + [""] * (len(read_file.header) - len(raw))
            writer.writerow([*padded, line.number, first.column, first.code, "、".join(p.message for p in found)])
    encoding = "cp932" if read_file.encoding == "cp932" else read_file.encoding
    return out.getvalue().encode(encoding, errors="replace")
