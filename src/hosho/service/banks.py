"""Bank accounts for refunds: bank and branch codes checked against a dated snapshot of the Zengin code data.

The data comes from the `zengin-code` package and is loaded into the database once per snapshot (on first use), so
that the names a refund was paid with stay readable after the package moves on.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from importlib import resources

from pydantic import BaseModel
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hosho.domain import zengin
from hosho.service.commands import BankAccountIn
from hosho.service.context import Hosho, ServiceError
from hosho.store import models as m

CODE = "invalid_bank_account"


@cache
def _package_data() -> tuple[date, dict[str, dict[str, str]], dict[str, dict[str, dict[str, str]]]]:
    folder = resources.files("zengin_code") / "source-data" / "data"
    stamp = (folder / "updated_at").read_text(encoding="utf-8").strip()
    snapshot = date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
    banks: dict[str, dict[str, str]] = json.loads((folder / "banks.json").read_text(encoding="utf-8"))
    branches = {code: json.loads((folder / "branches" / f"{code}.json").read_text(encoding="utf-8")) for code in banks}
    return snapshot, banks, branches


_loaded: set[tuple[str, date]] = set()


def ensure_snapshot(hosho: Hosho) -> date:
    """The snapshot in use: the package's, loaded into the database if it is not there yet. Call it before a
    transaction that checks an account (on SQLite a second transaction inside the first would wait for it)."""
    snapshot, banks, branches = _package_data()
    where = (hosho.db.url.render_as_string(hide_password=True), snapshot)
    if where in _loaded:
        return snapshot
    with hosho.reading() as session:
        present = session.execute(
            select(func.count()).select_from(m.ZenginBank).where(m.ZenginBank.snapshot == snapshot)
        ).scalar_one()
    if present:
        _loaded.add(where)
        return snapshot
    try:
        with hosho.transaction() as session:
            session.execute(
                insert(m.ZenginBank),
                [{"snapshot": snapshot, "code": c, "name": b["name"], "kana": b["kana"]} for c, b in banks.items()],
            )
            session.execute(
                insert(m.ZenginBranch),
                [
                    {"snapshot": snapshot, "bank_code": bank, "code": code, "name": b["name"], "kana": b["kana"]}
                    for bank, items in branches.items()
                    for code, b in items.items()
                ],
            )
    except IntegrityError:
        pass  # another worker loaded it at the same moment
    _loaded.add(where)
    return snapshot


class AccountView(BaseModel):
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: int
    account_number: str
    holder: str
    snapshot: date


def checked_account(
    hosho: Hosho, session: Session, given: BankAccountIn, *, field: str, snapshot: date
) -> m.BankAccount:
    """The account as it will be stored and paid: codes found in the snapshot (`ensure_snapshot`, called before the
    transaction), the holder in Zengin kana."""
    _formats(given, field)
    bank = session.get(m.ZenginBank, (snapshot, given.bank_code))
    if bank is None:
        raise ServiceError(CODE, f"no bank {given.bank_code} in the Zengin code data", field=f"{field}.bank_code")
    branch = session.get(m.ZenginBranch, (snapshot, given.bank_code, given.branch_code))
    if branch is None:
        raise ServiceError(
            CODE, f"no branch {given.branch_code} of bank {given.bank_code}", field=f"{field}.branch_code"
        )
    try:
        holder = zengin.zengin_kana(given.holder, field=f"{field}.holder")
    except zengin.ZenginError as error:
        raise ServiceError(CODE, error.message, field=error.field) from None
    return m.BankAccount(
        bank_code=bank.code,
        bank_name=bank.name,
        bank_kana=zengin.fit_kana(bank.kana, 15),
        branch_code=branch.code,
        branch_name=branch.name,
        branch_kana=zengin.fit_kana(branch.kana, 15),
        account_type=int(given.account_type),
        account_number=given.account_number.zfill(7),
        holder=holder,
        snapshot=snapshot,
        created_at=hosho.clock(),
    )


def _formats(given: BankAccountIn, field: str) -> None:
    for name, value, pattern, say in (
        ("bank_code", given.bank_code, r"\d{4}", "4 digits"),
        ("branch_code", given.branch_code, r"\d{3}", "3 digits"),
        ("account_number", given.account_number, r"\d{1,7}", "1 to 7 digits"),
    ):
        if not re.fullmatch(pattern, value):
            raise ServiceError(CODE, f"{name} is {say}, got {value!r}", field=f"{field}.{name}")
    if given.account_type not in {t.value for t in zengin.AccountType}:
        raise ServiceError(CODE, "account_type is 1 (普通), 2 (当座) or 4 (貯蓄)", field=f"{field}.account_type")


def view(account: m.BankAccount) -> AccountView:
    return AccountView(
        bank_code=account.bank_code,
        bank_name=account.bank_name,
        branch_code=account.branch_code,
        branch_name=account.branch_name,
        account_type=account.account_type,
        account_number=account.account_number,
        holder=account.holder,
        snapshot=account.snapshot,
    )
