"""The daily work (notices.md) on SQLite and PostgreSQL: each notice on its day, exactly once, caught up after
downtime; expiry the day after coverage_end; nothing for a cancelled contract; `advance` for testing services only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hosho.api.app import create_app
from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from hosho.programs.yamlio import LoadError, read_yaml
from hosho.scenarios.inprocess import Service
from hosho.scenarios.model import parse_scenario
from hosho.service import commands, contracts, keys, notices, refunds
from hosho.service.context import SYSTEM, Actor, Hosho, Role, ServiceError, create_hosho
from hosho.store import models as m
from tests.integration.builders import zest_enrolment

AGENT = Actor("受付 担当", Role.AGENT)


@pytest.fixture
def hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(database_url, rules=engine, testing=True)
    yield app
    app.dispose()


def _zest(hosho: Hosho, *, email: str | None = "yamada@example.jp", paid: bool = True) -> int:
    """kaden-5y bought 2024-04-01: coverage_end 2029-03-31."""
    application = zest_enrolment()
    application = application.model_copy(
        update={"subscriber": application.subscriber.model_copy(update={"email": email})}
    )
    enrolled, _ = contracts.enroll(hosho, SYSTEM, application)
    if paid:
        contracts.pay_fee(hosho, SYSTEM, enrolled.id, commands.Pay(date=date(2024, 4, 1)))
    return enrolled.id


def _ipro(service: Service, *, purchase: str = "2024-02-29", plan: str = "onsite-5y") -> int:
    enrol = commands.Enrol.model_validate(
        {
            "program": "ipro",
            "plan": plan,
            "purchase_date": purchase,
            "operation_start_date": purchase,
            "equipment": [
                {"kind": "camera", "model": "WV-X1", "serial": "C1"},
                {"kind": "recorder", "model": "WJ-NX1", "serial": "R1"},
            ],
            "site": {"postal_code": "100-0001"},
            "subscriber": {"name": "警備 太郎", "email": "keibi@example.jp"},
        }
    )
    enrolled = service.enrol(enrol)
    assert enrolled.ok, enrolled.body
    paid = service.act(enrolled.body["id"], commands.Pay(date=date.fromisoformat(purchase)))
    assert paid.ok, paid.body
    return int(enrolled.body["id"])


def _kinds(hosho: Hosho, contract_id: int) -> list[tuple[str, date, str]]:
    return [(n.kind, n.on, n.channel) for n in notices.of_contract(hosho, SYSTEM, contract_id)]


def _status(hosho: Hosho, contract_id: int) -> str:
    return contracts.get(hosho, SYSTEM, contract_id).status


def test_the_certificate_notice_is_produced_with_the_payment_by_email_or_by_post(hosho: Hosho) -> None:
    by_email = _zest(hosho)
    by_post = _zest(hosho, email=None)
    unpaid = _zest(hosho, paid=False)
    assert _kinds(hosho, by_email) == [("certificate", date(2024, 4, 1), "email")]
    assert _kinds(hosho, by_post) == [("certificate", date(2024, 4, 1), "post")]
    assert _kinds(hosho, unpaid) == []


def test_coverage_ending_comes_30_days_before_the_end_once_and_expiry_the_day_after_the_end(hosho: Hosho) -> None:
    contract = _zest(hosho)
    notices.run_daily(hosho, today=date(2029, 2, 28))
    assert _kinds(hosho, contract) == [("certificate", date(2024, 4, 1), "email")]
    first = notices.run_daily(hosho, today=date(2029, 3, 1))
    again = notices.run_daily(hosho, today=date(2029, 3, 1))
    assert first.produced["coverage_ending"] == 1
    assert again.first is None and again.produced == {}
    assert _kinds(hosho, contract)[1:] == [("coverage_ending", date(2029, 3, 1), "email")]
    notices.run_daily(hosho, today=date(2029, 3, 31))
    assert _status(hosho, contract) == "active"
    expired = notices.run_daily(hosho, today=date(2029, 4, 1))
    assert expired.expired == 1
    assert _status(hosho, contract) == "expired"
    trail = contracts.audit_trail(hosho, SYSTEM, contract)
    assert trail[-1].action == "contract.expired"
    assert trail[-1].before == {"status": "active", "coverage_end": "2029-03-31"}


def test_days_missed_while_the_service_was_down_are_caught_up_each_notice_once(hosho: Hosho) -> None:
    contract = _zest(hosho)
    notices.run_daily(hosho, today=date(2029, 2, 20))
    # Down from 21 February to 5 April: one run does the missed days, each notice on its own day.
    caught_up = notices.run_daily(hosho, today=date(2029, 4, 5))
    assert (caught_up.first, caught_up.last) == (date(2029, 2, 21), date(2029, 4, 5))
    assert _kinds(hosho, contract)[1:] == [("coverage_ending", date(2029, 3, 1), "email")]
    assert _status(hosho, contract) == "expired"


def test_the_first_run_ever_does_today_only(hosho: Hosho) -> None:
    contract = _zest(hosho)
    done = notices.run_daily(hosho, today=date(2029, 3, 2))
    assert done.first == date(2029, 3, 2)
    assert _kinds(hosho, contract)[1:] == []


def test_a_subscriber_without_an_address_is_called_instead(hosho: Hosho) -> None:
    contract = _zest(hosho, email=None)
    notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2029, 3, 1)))
    assert _kinds(hosho, contract)[1:] == [("coverage_ending", date(2029, 3, 1), "call")]


def test_a_cancelled_contract_gets_no_more_notices_and_does_not_expire(hosho: Hosho) -> None:
    contract = _zest(hosho)
    refunds.cancel_contract(
        hosho, SYSTEM, contract, commands.Cancel(date=date(2026, 1, 5), reason="customer", transfer_fee=0)
    )
    notices.run_daily(hosho, today=date(2029, 2, 1))
    notices.run_daily(hosho, today=date(2029, 5, 1))
    assert _kinds(hosho, contract) == [("certificate", date(2024, 4, 1), "email")]
    assert _status(hosho, contract) == "cancelled"


def test_the_consumable_replacement_of_a_29_february_purchase_is_90_days_before_28_february(hosho: Hosho) -> None:
    service = Service(hosho)
    contract = _ipro(service, purchase="2024-02-29")
    answer = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2026, 11, 29)))
    assert [n.kind for n in answer.notices] == ["certificate"]
    answer = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2026, 11, 30)))
    assert [(n.kind, n.on, n.about) for n in answer.notices][1:] == [
        ("consumable_replacement", date(2026, 11, 30), date(2027, 2, 28))
    ]


def test_a_plan_without_a_consumable_replacement_gets_no_such_notice(hosho: Hosho) -> None:
    service = Service(hosho)
    contract = _ipro(service, purchase="2024-04-01", plan="onsite-3y")
    answer = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2027, 4, 1)))
    assert [n.kind for n in answer.notices] == ["certificate", "coverage_ending"]


def _onsite_case(hosho: Hosho) -> tuple[Service, int, int, date]:
    service = Service(hosho)
    contract = _ipro(service, purchase="2025-03-02", plan="onsite-3y")
    # Monday 2025-06-02 at 10:00: the visit is due by the 翌々営業日, Wednesday 4 June.
    decided = service.act(contract, commands.RequestRepair(at="2025-06-02T10:00", cause="normal_use"))
    assert decided.ok, decided.body
    assert decided.body["visit_by"] == "2025-06-04"
    case_id = service.contract(contract).body["cases"][-1]["id"]
    return service, contract, case_id, date(2025, 6, 4)


def test_an_open_case_past_its_visit_day_is_a_breach_for_the_repair_desk_the_day_after(hosho: Hosho) -> None:
    _, contract, case_id, visit_by = _onsite_case(hosho)
    on_the_day = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=visit_by))
    assert [n.kind for n in on_the_day.notices] == ["certificate"]
    after = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2025, 6, 5)))
    breach = after.notices[-1]
    assert (breach.kind, breach.on, breach.about, breach.channel, breach.case_id) == (
        "sla_breach",
        date(2025, 6, 5),
        visit_by,
        "desk",
        case_id,
    )


def test_a_visit_made_by_its_day_is_no_breach(hosho: Hosho) -> None:
    service, contract, case_id, visit_by = _onsite_case(hosho)
    done = service.case_event(case_id, commands.Progress(kind="visit_done", date=visit_by))
    assert done.ok, done.body
    answer = notices.advance(hosho, SYSTEM, contract, commands.Advance(to=date(2025, 7, 1)))
    assert [n.kind for n in answer.notices] == ["certificate"]


def test_advance_is_refused_by_a_production_service_and_to_other_roles(database_url: str, engine: Engine) -> None:
    production = create_hosho(database_url, rules=engine)
    try:
        contract = _zest(production)
        with pytest.raises(ServiceError) as refused:
            notices.advance(production, SYSTEM, contract, commands.Advance(to=date(2029, 4, 1)))
        assert refused.value.code == "not_found"
        testing = replace(production, testing=True)
        with pytest.raises(ServiceError) as refused:
            notices.advance(testing, AGENT, contract, commands.Advance(to=date(2029, 4, 1)))
        assert refused.value.code == "forbidden"
        assert _status(production, contract) == "active"
    finally:
        production.dispose()


def test_two_daily_runs_at_once_produce_every_notice_once(hosho: Hosho) -> None:
    made = [_zest(hosho) for _ in range(5)]
    notices.run_daily(hosho, today=date(2029, 2, 1))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            notices.run_daily(hosho, today=date(2029, 4, 1))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with hosho.reading() as session:
        count = session.execute(
            select(func.count()).select_from(m.Notice).where(m.Notice.kind == "coverage_ending")
        ).scalar_one()
        expired = session.execute(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "contract.expired")
        ).scalar_one()
    assert (count, expired) == (len(made), len(made))


def test_the_advance_route_is_404_on_a_production_service_and_403_to_an_agent(
    database_url: str, engine: Engine
) -> None:
    production = create_hosho(database_url, rules=engine)
    testing = replace(production, testing=True)
    try:
        contract = _zest(production)
        admin = keys.create_key(production, role=Role.ADMIN, name="admin")
        agent = keys.create_key(production, role=Role.AGENT, name="agent")
        body = {"to": "2029-04-01"}
        with TestClient(create_app(production)) as client:
            refused = client.post(f"/v1/contracts/{contract}/advance", json=body, headers=_bearer(admin))
            assert refused.status_code == 404
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["code"] == "not_found"
        with TestClient(create_app(testing)) as client:
            forbidden = client.post(f"/v1/contracts/{contract}/advance", json=body, headers=_bearer(agent))
            assert forbidden.status_code == 403
            for wrong in ("2029-13-01", "9999-12-31"):
                bad = client.post(f"/v1/contracts/{contract}/advance", json={"to": wrong}, headers=_bearer(admin))
                assert (bad.status_code, bad.json()["field"]) == (422, "to")
            done = client.post(f"/v1/contracts/{contract}/advance", json=body, headers=_bearer(admin))
            assert done.status_code == 200
            assert done.json()["status"] == "expired"
            listed = client.get(f"/v1/contracts/{contract}/notices", headers=_bearer(agent)).json()
            assert [(n["kind"], n["on"]) for n in listed] == [
                ("certificate", "2024-04-01"),
                ("coverage_ending", "2029-03-01"),
            ]
    finally:
        production.dispose()


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_scenario_expecting_an_unknown_notice_kind_is_reported_with_its_line(
    catalog: Catalog, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "title: 誤り\nprogram: zest\ncontract: {plan: kaden-5y, purchase_date: 2024-04-01, purchase_price: 1000}\n"
        "steps:\n  - advance: {to: 2029-04-01}\n    expect:\n      notices: [{kind: reminder, on: 2029-03-01}]\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError) as failed:
        parse_scenario(read_yaml(path), catalog)
    [problem] = failed.value.problems
    assert problem.line == 7
    assert "unknown notice kind 'reminder'" in problem.message
