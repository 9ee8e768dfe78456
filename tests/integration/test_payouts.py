"""Refund payouts on SQLite and PostgreSQL: accounts checked against the Zengin code data, batches, the file, the
bank's answer; never paid twice."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hosho.domain import zengin
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.scenarios.inprocess import Service
from hosho.service import banks, commands, payouts
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.settings import Payer
from hosho.store import models as m

FINANCE = Actor("経理 担当", Role.ADMIN)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
PAYER = Payer("0000012345", "ｶ)ﾎｼﾖｳ", "0005", "001", 1, "1234567")
ACCOUNT = commands.BankAccountIn(
    bank_code="0005", branch_code="001", account_type=1, account_number="7654", holder="ヤマダ　タロウ"
)
TRANSFER_DAY = date(2026, 12, 4)


@pytest.fixture
def hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(database_url, rules=engine, clock=lambda: NOW)
    yield app
    app.dispose()


def _contract(hosho: Hosho, number: int) -> int:
    enrolled = Service(hosho).enrol(
        commands.Enrol.model_validate(
            {
                "program": "zest",
                "plan": "kaden-5y",
                "purchase_date": "2024-04-01",
                "purchase_price": 100_000,
                "warranty_fee": 5_000,
                "equipment": [{"kind": "other", "model": "NA-1", "serial": f"S{number}"}],
                "subscriber": {"name": f"加入者 {number}"},
            }
        )
    )
    assert enrolled.ok, enrolled.body
    return int(enrolled.body["id"])


def _refund(hosho: Hosho, amount: int, account: commands.BankAccountIn | None = ACCOUNT, number: int = 1) -> int:
    contract_id = _contract(hosho, number)
    banks.ensure_snapshot(hosho)
    with hosho.transaction() as session:
        refund = payouts.open_refund(
            session, hosho, FINANCE, contract_id=contract_id, amount=amount, on=date(2026, 11, 30), account=account
        )
        assert refund is not None
        return refund.id


def _status(hosho: Hosho, refund_id: int) -> str:
    with hosho.reading() as session:
        refund = session.get(m.Refund, refund_id)
        assert refund is not None
        return refund.status


def _ledger(hosho: Hosho, refund_id: int) -> list[str]:
    with hosho.reading() as session:
        return list(
            session.execute(
                select(m.RefundEntry.kind).where(m.RefundEntry.refund_id == refund_id).order_by(m.RefundEntry.id)
            ).scalars()
        )


def test_a_refund_with_an_account_is_ready_without_one_it_waits_and_0_yen_is_none(hosho: Hosho) -> None:
    ready = _refund(hosho, 2_670)
    waiting = _refund(hosho, 3_600, None, 2)
    assert (_status(hosho, ready), _status(hosho, waiting)) == ("ready", "awaiting_account")
    contract_id = _contract(hosho, 3)
    with hosho.transaction() as session:
        none = payouts.open_refund(
            session, hosho, FINANCE, contract_id=contract_id, amount=0, on=date(2026, 11, 30), account=ACCOUNT
        )
    assert none is None
    with hosho.reading() as session:
        account = session.execute(select(m.BankAccount)).scalar_one()
    assert (account.bank_name, account.branch_name, account.holder) == ("三菱ＵＦＪ", "本店", "ﾔﾏﾀﾞ ﾀﾛｳ")
    assert (account.account_number, account.bank_kana) == ("0007654", "ﾐﾂﾋﾞｼﾕ-ｴﾌｼﾞｴｲ")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"bank_code": "9999"}, "bank_account.bank_code"),
        ({"bank_code": "05"}, "bank_account.bank_code"),
        ({"branch_code": "999"}, "bank_account.branch_code"),
        ({"account_type": 3}, "bank_account.account_type"),
        ({"account_number": "12345678"}, "bank_account.account_number"),
        ({"holder": "山田太郎"}, "bank_account.holder"),
        ({"holder": "ア" * 31}, "bank_account.holder"),
    ],
)
def test_an_account_that_cannot_be_used_is_refused_with_the_field_and_nothing_is_stored(
    hosho: Hosho, change: dict[str, object], field: str
) -> None:
    contract_id = _contract(hosho, 1)
    banks.ensure_snapshot(hosho)
    bad = ACCOUNT.model_copy(update=change)
    with pytest.raises(ServiceError) as refused, hosho.transaction() as session:
        payouts.open_refund(
            session, hosho, FINANCE, contract_id=contract_id, amount=100, on=date(2026, 11, 30), account=bad
        )
    assert (refused.value.code, refused.value.field) == ("invalid_bank_account", field)
    with hosho.reading() as session:
        assert session.execute(select(func.count()).select_from(m.Refund)).scalar_one() == 0


def test_a_batch_takes_every_ready_refund_and_its_file_reads_back(hosho: Hosho) -> None:
    ready = [_refund(hosho, amount, number=n) for n, amount in enumerate((2_670, 3_600, 1), start=1)]
    waiting = _refund(hosho, 500, None, 9)
    batch = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    assert (batch.count, batch.total) == (3, 6_271)
    assert [_status(hosho, r) for r in ready] == ["in_batch"] * 3 and _status(hosho, waiting) == "awaiting_account"
    data = payouts.batch_file(hosho, FINANCE, batch.id, PAYER)
    assert data == payouts.batch_file(hosho, FINANCE, batch.id, PAYER)  # the same bytes every time
    records = zengin.read(data)
    transfers = [r for r in records if r["kind"] == "2"]
    assert [(r["customer_code"], r["amount"], r["holder"]) for r in transfers] == [
        (payouts.customer_code(r), str(a).zfill(10), "ﾔﾏﾀﾞ ﾀﾛｳ") for r, a in zip(ready, (2_670, 3_600, 1), strict=True)
    ]
    assert records[0]["transfer_date"] == "1204" and records[-2]["total"] == "000000006271"
    assert _ledger(hosho, ready[0]) == ["owed", "account_given", "batched"]
    with pytest.raises(ServiceError) as empty:
        payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    assert empty.value.code == "conflict"


def test_a_transfer_date_that_is_not_a_bank_business_day_is_refused_naming_the_next(hosho: Hosho) -> None:
    _refund(hosho, 2_670)
    with pytest.raises(ServiceError) as refused:
        payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=date(2026, 12, 31)))
    assert (refused.value.field, "2027-01-04" in refused.value.message) == ("transfer_date", True)


def test_a_cancelled_batch_makes_its_refunds_ready_again_and_the_next_batch_takes_them(hosho: Hosho) -> None:
    refund = _refund(hosho, 2_670)
    first = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    assert payouts.cancel_batch(hosho, FINANCE, first.id).status == "cancelled"
    assert _status(hosho, refund) == "ready"
    second = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    assert (second.count, _status(hosho, refund)) == (1, "in_batch")
    with pytest.raises(ServiceError):
        payouts.batch_file(hosho, FINANCE, first.id, PAYER)


def test_the_same_answer_twice_changes_nothing_and_a_paid_refund_is_never_paid_again(hosho: Hosho) -> None:
    refund = _refund(hosho, 2_670)
    batch = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    answer = commands.BankAnswer(refund_id=refund, result="paid", date=TRANSFER_DAY)
    assert payouts.record_answer(hosho, FINANCE, batch.id, answer) is True
    assert payouts.record_answer(hosho, FINANCE, batch.id, answer) is False
    assert _ledger(hosho, refund) == ["owed", "account_given", "batched", "paid"]
    with pytest.raises(ServiceError):
        returned = commands.BankAnswer(refund_id=refund, result="returned", date=TRANSFER_DAY, reason="口座なし")
        payouts.record_answer(hosho, FINANCE, batch.id, returned)
    with pytest.raises(ServiceError):
        payouts.cancel_batch(hosho, FINANCE, batch.id)
    with pytest.raises(ServiceError):
        payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))


def test_a_returned_transfer_waits_for_a_new_account_then_is_paid_in_a_new_batch(hosho: Hosho) -> None:
    refund = _refund(hosho, 2_670)
    first = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY))
    returned = commands.BankAnswer(refund_id=refund, result="returned", date=TRANSFER_DAY, reason="口座解約済み")
    payouts.record_answer(hosho, FINANCE, first.id, returned)
    assert payouts.record_answer(hosho, FINANCE, first.id, returned.model_copy(update={"reason": "x"})) is False
    assert _status(hosho, refund) == "awaiting_account"
    payouts.give_account(hosho, FINANCE, refund, ACCOUNT.model_copy(update={"account_number": "1111111"}))
    second = payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=date(2026, 12, 7)))
    assert second.count == 1
    transfers = [r for r in zengin.read(payouts.batch_file(hosho, FINANCE, second.id, PAYER)) if r["kind"] == "2"]
    assert [r["account_number"] for r in transfers] == ["1111111"]
    with hosho.reading() as session:
        reason = session.execute(select(m.RefundEntry.data).where(m.RefundEntry.kind == "returned")).scalar_one()
    assert reason == {"reason": "口座解約済み"}


def test_only_finance_handles_payouts(hosho: Hosho) -> None:
    with pytest.raises(ServiceError) as refused:
        payouts.create_batch(hosho, Actor("受付", Role.AGENT), commands.CreateBatch(transfer_date=TRANSFER_DAY))
    assert refused.value.code == "forbidden"


def test_two_batches_created_at_once_share_no_refund(hosho: Hosho) -> None:
    refunds = [_refund(hosho, 100 + n, number=n) for n in range(30)]
    made: list[payouts.BatchView] = []
    errors: list[ServiceError] = []

    def create() -> None:
        try:
            made.append(payouts.create_batch(hosho, FINANCE, commands.CreateBatch(transfer_date=TRANSFER_DAY)))
        except ServiceError as error:
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(batch.count for batch in made) == len(refunds)
    assert all(error.code == "conflict" for error in errors)
    with hosho.reading() as session:
        batched = session.execute(
            select(m.RefundEntry.refund_id, func.count())
            .where(m.RefundEntry.kind == "batched")
            .group_by(m.RefundEntry.refund_id)
        ).all()
    assert sorted(r for r, _ in batched) == sorted(refunds) and {n for _, n in batched} == {1}


def test_the_cli_writes_the_file_and_ends_with_the_count_and_total(
    hosho: Hosho, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hosho.cli import main

    _refund(hosho, 2_670)
    _refund(hosho, 3_600, number=2)
    for name, value in (
        ("CODE", PAYER.code),
        ("NAME", "カ)ホショウ"),
        ("BANK", PAYER.bank_code),
        ("BRANCH", PAYER.branch_code),
        ("ACCOUNT_TYPE", "1"),
        ("ACCOUNT", PAYER.account_number),
    ):
        monkeypatch.setenv(f"HOSHO_PAYER_{name}", value)
    out = tmp_path / "furikomi.txt"
    assert (
        main(["payouts", "create", "--transfer-date", "2026-12-04", "--out", str(out), "--database-url", database_url])
        == 0
    )
    assert capsys.readouterr().out.splitlines()[-1] == f"2 transfers, total 6,270円, {out}"
    assert zengin.read(out.read_bytes())[-2]["count"] == "000002"
    assert (
        main(["payouts", "create", "--transfer-date", "2026-12-04", "--out", str(out), "--database-url", database_url])
        == 2
    )


def test_the_finance_staff_run_a_payout_through_the_api(hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from hosho.api.app import create_app
    from hosho.service import keys

    for name, value in (("CODE", PAYER.code), ("NAME", "カ)ホショウ"), ("BANK", "0005"), ("BRANCH", "001")):
        monkeypatch.setenv(f"HOSHO_PAYER_{name}", value)
    monkeypatch.setenv("HOSHO_PAYER_ACCOUNT_TYPE", "1")
    monkeypatch.setenv("HOSHO_PAYER_ACCOUNT", PAYER.account_number)
    waiting = _refund(hosho, 2_670, None)
    finance = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.ADMIN, name='経理')}"}
    agent = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.AGENT, name='受付')}"}
    with TestClient(create_app(hosho)) as client:
        listed = client.get("/v1/refunds?status=awaiting_account&subscriber=加入者", headers=finance).json()
        assert [item["id"] for item in listed["items"]] == [waiting]
        bad = client.put(
            f"/v1/refunds/{waiting}/bank-account", json={**ACCOUNT.model_dump(), "holder": "山田"}, headers=finance
        )
        assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
            422,
            "invalid_bank_account",
            "bank_account.holder",
        )
        given = client.put(f"/v1/refunds/{waiting}/bank-account", json=ACCOUNT.model_dump(), headers=finance).json()
        assert (given["status"], given["account"]["bank_name"], given["account"]["holder"]) == (
            "ready",
            "三菱ＵＦＪ",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
        )
        assert client.post("/v1/payout-batches", json={"transfer_date": "2026-12-04"}, headers=agent).status_code == 403
        saturday = client.post("/v1/payout-batches", json={"transfer_date": "2026-12-05"}, headers=finance)
        assert (saturday.status_code, saturday.json()["field"]) == (422, "transfer_date")
        batch = client.post("/v1/payout-batches", json={"transfer_date": "2026-12-04"}, headers=finance).json()
        file = client.get(f"/v1/payout-batches/{batch['id']}/file", headers=finance)
        assert file.headers["content-type"] == "application/octet-stream"
        assert zengin.read(file.content)[1]["amount"] == "0000002670"
        answer = {"refund_id": waiting, "result": "paid", "date": "2026-12-04"}
        paid = client.post(f"/v1/payout-batches/{batch['id']}/answers", json=answer, headers=finance).json()
        assert [entry["kind"] for entry in paid["ledger"]] == ["owed", "account_given", "batched", "paid"]
        again = client.post(f"/v1/payout-batches/{batch['id']}/answers", json=answer, headers=finance).json()
        assert again["ledger"] == paid["ledger"]


def test_the_finance_staff_pay_a_refund_in_the_console(hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from hosho.console import mount_console
    from hosho.service import users
    from tests.integration.test_console import PASSWORD, SECRET, sign_in

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    for name, value in (("CODE", PAYER.code), ("NAME", "カ)ホショウ"), ("BANK", "0005"), ("BRANCH", "001")):
        monkeypatch.setenv(f"HOSHO_PAYER_{name}", value)
    monkeypatch.setenv("HOSHO_PAYER_ACCOUNT_TYPE", "1")
    monkeypatch.setenv("HOSHO_PAYER_ACCOUNT", PAYER.account_number)
    users.create_user(hosho, "keiri", PASSWORD, "admin", "経理さん")
    users.create_user(hosho, "agent", PASSWORD, "agent", "受付さん")
    refund = _refund(hosho, 2_670, None)
    app = FastAPI()
    mount_console(app, hosho, secret_key=SECRET)
    with TestClient(app) as client:
        token = sign_in(client, "keiri")
        page = client.get("/console/payouts")
        assert page.status_code == 200 and "口座の連絡待ち(1件)" in page.text and "加入者 1" in page.text
        account = {"bank_code": "0005", "branch_code": "001", "account_type": "1", "account_number": "7654"}
        wrong = client.post(
            f"/console/payouts/refunds/{refund}/account", data={"csrf_token": token, **account, "holder": "山田太郎"}
        )
        assert wrong.status_code == 422 and "口座名義(カナ): この口座には振り込めません" in wrong.text
        given = client.post(
            f"/console/payouts/refunds/{refund}/account",
            data={"csrf_token": token, **account, "holder": "ヤマダ タロウ"},
            follow_redirects=False,
        )
        assert given.status_code == 303 and _status(hosho, refund) == "ready"
        saturday = client.post("/console/payouts/batches", data={"csrf_token": token, "transfer_date": "2026-12-05"})
        assert saturday.status_code == 422 and "銀行の営業日を指定してください" in saturday.text
        made = client.post(
            "/console/payouts/batches",
            data={"csrf_token": token, "transfer_date": "2026-12-04"},
            follow_redirects=False,
        )
        assert made.status_code == 303 and _status(hosho, refund) == "in_batch"
        with hosho.reading() as session:
            batch_id = session.execute(select(m.PayoutBatch.id)).scalar_one()
        file = client.get(f"/console/payouts/batches/{batch_id}/file")
        assert zengin.read(file.content)[1]["holder"] == "ﾔﾏﾀﾞ ﾀﾛｳ"
        answered = client.post(
            f"/console/payouts/batches/{batch_id}/answers",
            data={"csrf_token": token, "refund_id": str(refund), "result": "returned", "date": "2026-12-04"},
        )
        assert answered.status_code == 422 and "理由" in answered.text
        client.post(
            f"/console/payouts/batches/{batch_id}/answers",
            data={
                "csrf_token": token,
                "refund_id": str(refund),
                "result": "returned",
                "date": "2026-12-04",
                "reason": "口座なし",
            },
        )
        assert _status(hosho, refund) == "awaiting_account"
        assert client.get(f"/console/payouts/refunds/{2**63}").status_code == 404
        client.post("/console/logout", data={"csrf_token": token})
        sign_in(client, "agent")
        assert client.get("/console/payouts").status_code == 403
