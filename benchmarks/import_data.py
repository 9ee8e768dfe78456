"""Retailer files for the import's benchmark and reliability tests: zest single-line contracts and ipro systems of
three lines (camera, camera, recorder), about 2 % bad lines, written as a retailer's Excel would (CP932, CRLF).

Two contracts in a hundred have one bad line (a date that is not one, or an item without its serial): its whole contract
is rejected. One ipro system in ten has its recorder's line at the end of the file, apart from its cameras.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "販売店コード,受付番号,プログラム,プラン,購入日,運用開始日,購入金額,保証料,氏名,フリガナ,電話番号,"
    "郵便番号,住所,メールアドレス,機器種別,型番,製造番号"
)
ZEST = "{r},Z{n:08d},zest,kaden-5y,{day},,{price},{fee},山田 {n}号,ヤマダ,090-{a:04d}-{b:04d},100-0001,東京都千代田区千代田{n},{mail},,NA-{m},S{n:09d}"  # noqa: E501
IPRO = "{r},I{n:08d},ipro,onsite-3y,2025-03-01,2025-03-10,,,警備 {n}号,,03-{a:04d}-{b:04d},100-0001,東京都港区{n},,{kind},{model},{serial}"  # noqa: E501
BAD = (0, 27)  # of every 100 contracts: one zest and one ipro system are bad


@dataclass(frozen=True, slots=True)
class Generated:
    lines: int  # item lines (the header not counted)
    contracts: int
    good: int  # contracts a first import stores
    items: int  # equipment rows of the good contracts
    bad_lines: int  # lines of the rejected contracts


def generate(path: Path, lines: int, *, retailer: str = "R1", encoding: str = "cp932") -> Generated:
    """About `lines` item lines (a whole last system may add two)."""
    written = contracts = good = items = bad_lines = 0
    apart: list[str] = []
    with path.open("w", encoding=encoding, newline="") as out:
        out.write(HEADER + "\r\n")
        n = 0
        while written + len(apart) < lines:
            n += 1
            contracts += 1
            bad = n % 100 in BAD
            a, b = n // 10_000 % 10_000, n % 10_000
            if n % 10 < 7:
                day = "2024-13-01" if bad else ("令和6年4月1日" if n % 3 == 0 else "2024-04-01")
                price = "１２８，０００円" if n % 5 == 0 else "128000"
                mail = f"u{n}@example.jp" if n % 2 else ""
                line = ZEST.format(r=retailer, n=n, day=day, price=price, fee=6400, a=a, b=b, mail=mail, m=n % 97)
                out.write(line + "\r\n")
                written += 1
                good, items, bad_lines = (good, items, bad_lines + 1) if bad else (good + 1, items + 1, bad_lines)
                continue
            recorder = "" if bad else f"R{n:09d}"
            system = [
                IPRO.format(r=retailer, n=n, a=a, b=b, kind="カメラ", model="WV-S1136", serial=f"C{n:09d}a"),
                IPRO.format(r=retailer, n=n, a=a, b=b, kind="カメラ", model="WV-S1136", serial=f"C{n:09d}b"),
                IPRO.format(r=retailer, n=n, a=a, b=b, kind="レコーダー", model="WJ-NX510", serial=recorder),
            ]
            out.write("".join(line + "\r\n" for line in system[:2]))
            written += 2
            if n % 10 == 9:
                apart.append(system[2])
            else:
                out.write(system[2] + "\r\n")
                written += 1
            good, items, bad_lines = (good, items, bad_lines + 3) if bad else (good + 1, items + 3, bad_lines)
        out.write("".join(line + "\r\n" for line in apart))
        written += len(apart)
    return Generated(written, contracts, good, items, bad_lines)
