"""The company calendar is operational data: the staff set a program's closures per year (service, API, console),
audited, and deadlines computed afterwards follow them; deadlines already stored do not move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.scenarios.inprocess import Service
from hosho.service import calendars, commands, keys, users
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.store import models as m
from tests.integration.test_console import CSRF, PASSWORD, SECRET, sign_in

ADMIN = Actor("総務 管理者", Role.ADMIN)
AGENT = Actor("受付 担当", Role.AGENT)
NOW = datetime(2026, 7, 1, 10, 0, tzinfo=JST)
SUMMER = commands.SetClosures(year=2026, ranges=[])


@pytest.fixture
def hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    app = create_hosho(database_url, rules=engine, clock=lambda: NOW)
    yield app
    app.dispose()


def _onsite_contract(service: Service) -> int:
    enrol = commands.Enrol.model_validate(
        {
            "program": "ipro",
            "plan": "onsite-3y",
            "purchase_date": "2025-03-01",
            "operation_start_date": "2025-03-10",
            "equipment": [
                {"kind": "camera", "model": "WV-X1", "serial": "C1"},
                {"kind": "recorder", "model": "WJ-NX1", "serial": "R1"},
            ],
            "site": {"postal_code": "100-0001"},
            "subscriber": {"name": "警備 太郎"},
        }
    )
    enrolled = service.enrol(enrol)
    assert enrolled.ok, enrolled.body
    paid = service.act(enrolled.body["id"], commands.Pay(date=date(2025, 3, 12)))
    assert paid.ok, paid.body
    return int(enrolled.body["id"])


def _request(service: Service, contract_id: int, at: str) -> dict[str, object]:
    reply = service.act(contract_id, commands.RequestRepair.model_validate({"at": at, "cause": "normal_use"}))
    assert reply.ok, reply.body
    return reply.body


def test_a_year_set_by_the_staff_moves_deadlines_computed_after_it_and_no_others(hosho: Hosho) -> None:
    service = Service(hosho, ADMIN)
    contract_id = _onsite_contract(service)
    before = _request(service, contract_id, "2026-08-13T10:00")  # the terms' summer closure, 8/13–8/16
    assert (before["received_on"], before["visit_by"]) == ("2026-08-17", "2026-08-19")

    shown = calendars.set_closures(hosho, ADMIN, "ipro", SUMMER)
    assert (shown.source, shown.ranges) == ("set", [])
    after = _request(service, contract_id, "2026-08-13T10:00")
    assert (after["received_on"], after["visit_by"]) == ("2026-08-13", "2026-08-17")
    # The case decided before the change keeps its deadline.
    contract = service.contract(contract_id).body
    assert [case["visit_by"] for case in contract["cases"]] == ["2026-08-19", "2026-08-17"]


def test_a_year_end_closure_set_in_its_year_runs_into_the_next(hosho: Hosho) -> None:
    new_year = commands.SetClosures.model_validate(
        {"year": 2026, "ranges": [{"first": "2026-12-26", "last": "2027-01-07", "name": "年末年始"}]}
    )
    calendars.set_closures(hosho, ADMIN, "ipro", new_year)
    service = Service(hosho, ADMIN)
    decided = _request(service, _onsite_contract(service), "2027-01-06T10:00")
    assert decided["received_on"] == "2027-01-08"
    assert {"date": "2027-01-07", "reason": "年末年始"} in decided["reception_skipped"]


def test_reset_returns_the_year_to_the_terms_and_both_changes_are_audited(hosho: Hosho) -> None:
    calendars.set_closures(hosho, ADMIN, "ipro", SUMMER)
    shown = calendars.set_closures(hosho, ADMIN, "ipro", commands.SetClosures(year=2026, ranges=None))
    assert shown.source == "terms"
    assert [(r.first, r.last) for r in shown.ranges][:1] == [(date(2026, 4, 29), date(2026, 5, 5))]
    with hosho.reading() as session:
        trail = session.execute(
            select(m.AuditEntry.actor, m.AuditEntry.action, m.AuditEntry.entity_id, m.AuditEntry.after).where(
                m.AuditEntry.entity == "closures:ipro"
            )
        ).all()
    assert trail == [
        ("総務 管理者", "calendar.closures_set", 2026, {"ranges": []}),
        ("総務 管理者", "calendar.closures_reset", 2026, None),
    ]


def test_only_an_admin_sets_the_calendar_and_an_unknown_program_is_not_found(hosho: Hosho) -> None:
    with pytest.raises(ServiceError) as refused:
        calendars.set_closures(hosho, AGENT, "ipro", SUMMER)
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as unknown:
        calendars.year_closures(hosho, "nope", 2026)
    assert unknown.value.code == "not_found"


def test_the_api_reads_and_sets_a_year_and_refuses_a_closure_outside_it(hosho: Hosho) -> None:
    admin = keys.create_key(hosho, role=Role.ADMIN, name="総務")
    agent = keys.create_key(hosho, role=Role.AGENT, name="受付")
    with TestClient(create_app(hosho)) as client:
        as_admin = {"Authorization": f"Bearer {admin}"}
        body = {"year": 2026, "ranges": [{"first": "2026-12-28", "last": "2027-01-04", "name": "年末年始"}]}
        answer = client.put("/v1/programs/zest/closures", json=body, headers=as_admin)
        assert answer.status_code == 200, answer.text
        read = client.get("/v1/programs/zest/closures/2026", headers={"Authorization": f"Bearer {agent}"}).json()
        assert (read["source"], read["ranges"]) == (
            "set",
            [{"first": "2026-12-28", "last": "2027-01-04", "name": "年末年始"}],
        )
        outside = {"year": 2026, "ranges": [{"first": "2027-01-02", "last": "2027-01-04"}]}
        refused = client.put("/v1/programs/zest/closures", json=outside, headers=as_admin)
        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_request")
        forbidden = client.put("/v1/programs/zest/closures", json=body, headers={"Authorization": f"Bearer {agent}"})
        assert forbidden.status_code == 403
        assert client.get("/v1/programs/zest/closures/1999", headers=as_admin).status_code == 422


@pytest.fixture
def console(hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    users.create_user(hosho, "admin", PASSWORD, "admin", "総務さん")
    users.create_user(hosho, "agent", PASSWORD, "agent", "受付さん")
    app = FastAPI()
    mount_console(app, hosho, secret_key=SECRET)
    with TestClient(app) as client:
        yield client


def test_the_console_shows_the_terms_closures_and_an_admin_sets_a_year(console: TestClient, hosho: Hosho) -> None:
    token = sign_in(console, "admin")
    page = console.get("/console/calendar?program=zest&year=2026")
    assert page.status_code == 200
    assert "規程の既定" in page.text and "2026-12-29..2027-01-03" in page.text
    saved = console.post(
        "/console/calendar",
        data={"csrf_token": token, "program": "zest", "year": "2026", "closures": "2026-12-30..2027-01-03 年末年始\n"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = calendars.year_closures(hosho, "zest", 2026)
    assert (shown.source, [(r.first, r.last, r.name) for r in shown.ranges]) == (
        "set",
        [(date(2026, 12, 30), date(2027, 1, 3), "年末年始")],
    )
    assert shown.updated_by == "user:admin"


def test_the_console_names_a_bad_line_and_stores_nothing(console: TestClient, hosho: Hosho) -> None:
    token = sign_in(console, "admin")
    answer = console.post(
        "/console/calendar",
        data={"csrf_token": token, "program": "zest", "year": "2026", "closures": "2026-12-29..2027-01-03\n12月31日\n"},
    )
    assert answer.status_code == 422
    assert "2行目「12月31日」" in answer.text
    assert calendars.year_closures(hosho, "zest", 2026).source == "terms"


def test_an_agent_reads_the_calendar_but_may_not_change_it(console: TestClient, hosho: Hosho) -> None:
    sign_in(console, "agent")
    page = console.get("/console/calendar?program=zest&year=2026")
    assert page.status_code == 200 and "変更する" not in page.text
    token = CSRF.search(page.text)
    assert token is not None
    refused = console.post(
        "/console/calendar", data={"csrf_token": token.group(1), "program": "zest", "year": "2026", "closures": ""}
    )
    assert refused.status_code == 403
    assert calendars.year_closures(hosho, "zest", 2026).source == "terms"
