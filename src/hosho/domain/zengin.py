"""The 全銀協 (Zengin) 総合振込 file: refunds paid by bank transfer (zest 第9条 「加入者指定の銀行口座に振込む」).

Pure: bytes in, bytes out. Records of exactly 120 bytes separated by CRLF, half-width characters only (JIS X 0201,
the bytes of CP932 for ASCII and half-width katakana): a header (1), one data record (2) per transfer, a trailer (8)
with their count and total, an end record (9). Numeric fields are right-aligned and zero-filled, text fields
left-aligned and space-filled. The same batch always gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import jaconv

from hosho.domain.calendar import AnnualClosure, BusinessCalendar, Closures

RECORD = 120
ENCODING = "cp932"
HOLDER_BYTES = 30
AMOUNT_MAX = 9_999_999_999  # 振込金額: 10 digits
TOTAL_MAX = 999_999_999_999  # 合計金額: 12 digits
COUNT_MAX = 999_999  # 合計件数: 6 digits

# What a Zengin text field may hold: half-width katakana (with ﾞ and ﾟ), A–Z, 0–9, space and ( ) - . /
_ALLOWED = re.compile(r"^[ｦ-ﾟA-Z0-9 ()\-./]*$")
_SMALL_TO_LARGE = str.maketrans("ｧｨｩｪｫｬｭｮｯ", "ｱｲｳｴｵﾔﾕﾖﾂ")
# Long-vowel marks and dashes all become the hyphen the bank accepts.
_DASHES = str.maketrans({"ｰ": "-", "ー": "-", "－": "-", "‐": "-", "―": "-", "−": "-", "─": "-"})


class AccountType(IntEnum):
    """預金種目."""

    ORDINARY = 1  # 普通
    CURRENT = 2  # 当座
    SAVINGS = 4  # 貯蓄


class ZenginError(ValueError):
    """A value the file cannot carry; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def zengin_kana(text: str, *, field: str, limit: int = HOLDER_BYTES) -> str:
    """A name as the file carries it: full-width kana and hiragana to half-width katakana, small kana made large,
    letters upper case, `ー` as `-`; at most `limit` bytes. Anything else is refused with the field named."""
    converted = jaconv.hira2kata(unicodedata.normalize("NFC", text))
    converted = jaconv.z2h(converted, kana=True, digit=True, ascii=True).replace("\u3000", " ")
    converted = converted.translate(_DASHES).translate(_SMALL_TO_LARGE).upper()
    converted = " ".join(converted.split())
    if not converted:
        raise ZenginError(field, "the name is empty")
    bad = sorted({ch for ch in converted if not _ALLOWED.match(ch)})
    if bad:
        shown = "".join(bad)
        raise ZenginError(field, f"{shown!r} cannot be written in a Zengin file (カナ, A–Z, 0–9, space, ( ) - . /)")
    size = len(converted.encode(ENCODING))
    if size > limit:
        raise ZenginError(field, f"at most {limit} bytes in half-width kana; this name takes {size}")
    return converted


def fit_kana(text: str, size: int) -> str:
    """A bank's or branch's name cut to its field (the names come from the Zengin code data, already kana)."""
    try:
        kana = zengin_kana(text, field="name", limit=10_000)
    except ZenginError:
        kana = ""
    return kana.encode(ENCODING)[:size].decode(ENCODING, errors="ignore")


@dataclass(frozen=True, slots=True)
class Account:
    bank_code: str  # 4 digits
    bank_name: str  # half-width kana, as it goes in the file
    branch_code: str  # 3 digits
    branch_name: str
    account_type: AccountType
    account_number: str  # up to 7 digits
    holder: str  # 口座名義 as stored: already Zengin kana

    def __post_init__(self) -> None:
        for name, value, sizes in (
            ("bank_code", self.bank_code, (4,)),
            ("branch_code", self.branch_code, (3,)),
            ("account_number", self.account_number, range(1, 8)),
        ):
            if not (value.isascii() and value.isdigit() and len(value) in sizes):
                raise ZenginError(name, f"{name} is {max(sizes)} digits at most, got {value!r}")


@dataclass(frozen=True, slots=True)
class Transfer:
    account: Account
    amount: int
    customer_code: str  # matches the bank's answer to the refund: up to 20 characters, A–Z 0–9

    def __post_init__(self) -> None:
        if not 1 <= self.amount <= AMOUNT_MAX:
            raise ZenginError("amount", f"a transfer is 1 to {AMOUNT_MAX:,} yen")
        if not (
            1 <= len(self.customer_code) <= 20
            and self.customer_code.isascii()
            and self.customer_code.isalnum()
            and self.customer_code == self.customer_code.upper()
        ):
            raise ZenginError("customer_code", "1 to 20 characters A–Z, 0–9")


@dataclass(frozen=True, slots=True)
class Requester:
    """The provider: 依頼人コード, 依頼人名 and the account the transfers are paid from (settings)."""

    code: str  # 10 digits
    name: str  # half-width kana, at most 40 bytes
    account: Account


@dataclass(frozen=True, slots=True)
class TransferFile:
    requester: Requester
    transfer_date: date
    transfers: tuple[Transfer, ...]

    @property
    def total(self) -> int:
        return sum(t.amount for t in self.transfers)


def _number(value: int | str, size: int) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > size:
        raise ZenginError("number", f"{text!r} does not fit {size} digits")
    return text.zfill(size)


def _text(value: str, size: int) -> str:
    """A text field: every character the file allows is one byte (JIS X 0201), so characters count as bytes."""
    if len(value) > size or not _ALLOWED.match(value):
        raise ZenginError("text", f"{value!r} is not {size} bytes of JIS X 0201")
    return value.ljust(size)


def write(transfer_file: TransferFile) -> bytes:
    """The file's bytes: header, data records in the given order, trailer, end; each record ends with CRLF."""
    f = transfer_file
    if not f.transfers:
        raise ZenginError("transfers", "a file holds at least one transfer")
    if len(f.transfers) > COUNT_MAX or f.total > TOTAL_MAX:
        raise ZenginError("transfers", "too many transfers or too large a total for one file")
    own = f.requester.account
    records = [
        "".join(
            (
                "1",
                "21",
                "0",
                _number(f.requester.code, 10),
                _text(f.requester.name, 40),
                f"{f.transfer_date:%m%d}",
                _number(own.bank_code, 4),
                _text(own.bank_name, 15),
                _number(own.branch_code, 3),
                _text(own.branch_name, 15),
                str(int(own.account_type)),
                _number(own.account_number, 7),
                " " * 17,
            )
        )
    ]
    # 手形交換所番号 unused; 新規コード 0 (その他); 振込指定区分 7 (テレ振込); 識別表示 blank; 7 bytes of dummy.
    after_holder_blank = " " * 7
    for t in f.transfers:
        a = t.account
        records.append(
            "".join(
                (
                    "2",
                    _number(a.bank_code, 4),
                    _text(a.bank_name, 15),
                    _number(a.branch_code, 3),
                    _text(a.branch_name, 15),
                    "    ",
                    str(int(a.account_type)),
                    _number(a.account_number, 7),
                    _text(a.holder, 30),
                    _number(t.amount, 10),
                    "0",
                    _text(t.customer_code, 20),
                    "7",
                    " ",
                    after_holder_blank,
                )
            )
        )
    records.append(f"8{_number(len(f.transfers), 6)}{_number(f.total, 12)}{' ' * 101}")
    records.append("9" + " " * 119)
    for record in records:
        if len(record) != RECORD:
            raise ZenginError("file", f"a record of {len(record)} bytes")
    return ("\r\n".join(records) + "\r\n").encode(ENCODING)


# Banks are closed on Saturdays, Sundays, national holidays and 12/31–1/3 (銀行法施行令第5条).
BANK_CLOSURES = Closures(annual=(AnnualClosure("年末年始(銀行休業日)", (12, 31), (1, 3)),))


def check_transfer_date(day: date, banks: BusinessCalendar) -> None:
    """振込指定日 is a bank business day; another date is refused, naming the next one. `banks` is built from
    BANK_CLOSURES."""
    if day < banks.first_day or day > banks.last_day:
        raise ZenginError(
            "transfer_date", f"{day} is outside the calendar ({banks.first_day.year}–{banks.last_day.year})"
        )
    if not banks.is_business_day(day):
        following = banks.next_business_day_on_or_after(day)
        why = banks.why_closed(day) or "銀行休業日"
        raise ZenginError(
            "transfer_date", f"{day} is not a bank business day ({why}); the next one is {following.isoformat()}"
        )


# --- reading a file back (the bank's format checked field by field) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    size: int
    numeric: bool


HEADER = (
    Field("kind", 1, True),
    Field("type_code", 2, True),
    Field("code_class", 1, True),
    Field("requester_code", 10, True),
    Field("requester_name", 40, False),
    Field("transfer_date", 4, True),
    Field("bank_code", 4, True),
    Field("bank_name", 15, False),
    Field("branch_code", 3, True),
    Field("branch_name", 15, False),
    Field("account_type", 1, True),
    Field("account_number", 7, True),
    Field("dummy", 17, False),
)
DATA = (
    Field("kind", 1, True),
    Field("bank_code", 4, True),
    Field("bank_name", 15, False),
    Field("branch_code", 3, True),
    Field("branch_name", 15, False),
    Field("clearing_house", 4, False),
    Field("account_type", 1, True),
    Field("account_number", 7, True),
    Field("holder", 30, False),
    Field("amount", 10, True),
    Field("new_code", 1, True),
    Field("customer_code", 20, False),
    Field("transfer_class", 1, True),
    Field("edi", 1, False),
    Field("dummy", 7, False),
)
TRAILER = (Field("kind", 1, True), Field("count", 6, True), Field("total", 12, True), Field("dummy", 101, False))
END = (Field("kind", 1, True), Field("dummy", 119, False))
LAYOUTS = {"1": HEADER, "2": DATA, "8": TRAILER, "9": END}


def read(data: bytes) -> list[dict[str, str]]:
    """Every record as its fields (text fields without their padding); a malformed file raises ZenginError."""
    if not data.endswith(b"\r\n"):
        raise ZenginError("file", "the last record does not end with CRLF")
    lines = data[:-2].split(b"\r\n")
    records: list[dict[str, str]] = []
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD:
            raise ZenginError("file", f"record {number} has {len(line)} bytes, not {RECORD}")
        layout = LAYOUTS.get(chr(line[0]))
        if layout is None:
            raise ZenginError("file", f"record {number} is of unknown kind {chr(line[0])!r}")
        fields: dict[str, str] = {}
        at = 0
        for spec in layout:
            raw = line[at : at + spec.size].decode(ENCODING)
            at += spec.size
            if spec.numeric and not raw.isdigit():
                raise ZenginError(spec.name, f"record {number}: {spec.name} {raw!r} is not a number")
            if not spec.numeric and not _ALLOWED.match(raw):
                raise ZenginError(spec.name, f"record {number}: {spec.name} holds characters outside JIS X 0201")
            fields[spec.name] = raw if spec.numeric else raw.rstrip(" ")
        records.append(fields)
    kinds = "".join(r["kind"] for r in records)
    if not re.fullmatch(r"12+89", kinds):
        raise ZenginError("file", f"records in the order {kinds}: header, data, trailer, end expected")
    data_records = [r for r in records if r["kind"] == "2"]
    trailer = records[-2]
    if int(trailer["count"]) != len(data_records) or int(trailer["total"]) != sum(
        int(r["amount"]) for r in data_records
    ):
        raise ZenginError("file", "the trailer's count or total does not match the data records")
    return records
