"""A third program is data only: a made-up commercial-refrigerator service under tests/fixtures/programs, with its
own equipment, whole-system roles, reception hours (a lunch break, Saturday mornings), clauses and causes, loaded
beside the shipped programs and checked by its own scenarios, with no line of code naming it."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.engine import Engine
from hosho.programs.catalog import load_catalog
from hosho.scenarios.http_runner import Http
from hosho.scenarios.inprocess import Service, scratch_service
from hosho.scenarios.runner import check_file, scenario_files
from hosho.service import keys, users
from hosho.service.context import Hosho, Role
from tests.conftest import ROOT

PROGRAMS = ROOT / "tests" / "fixtures" / "programs"
SCENARIOS = sorted(scenario_files([PROGRAMS / "hokusei" / "scenarios"]))


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The shipped programs and the made-up one (overrides the session engine for this module's `hosho`)."""
    return Engine(load_catalog(extra=[PROGRAMS]))


def test_the_third_program_brings_scenarios_for_each_of_its_rules() -> None:
    names = {path.stem for path in SCENARIOS}
    assert {
        "enrolment-whole-system-5y-with-periodic-replacement",
        "enrolment-cabinet-without-condensing-unit-refused",
        "reception-saturday-morning-and-lunch-break",
        "reception-over-year-end-and-golden-week-holidays",
        "not-covered-requests-cite-their-clause",
    } <= names


@pytest.fixture(scope="module")
def here(engine: Engine) -> Iterator[Service]:
    with scratch_service(engine) as service:
        yield service


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_a_scenario_of_the_third_program_passes(here: Service, engine: Engine, path: Path) -> None:
    outcome = check_file(path, engine.catalog, here)
    assert outcome.passed, "\n".join(map(str, [*outcome.problems, *outcome.failures]))
    assert outcome.results, "the scenario ran no step"


def test_the_third_programs_scenarios_pass_through_the_api_too(hosho: Hosho, engine: Engine) -> None:
    key = keys.create_key(hosho, role=Role.ADMIN, name="scenarios")
    with TestClient(create_app(hosho), headers={"Authorization": f"Bearer {key}"}) as client:
        for path in SCENARIOS:
            through_api = check_file(path, engine.catalog, Http(client))
            assert [str(line) for line in (*through_api.problems, *through_api.failures)] == [], path.name
            assert through_api.results


def test_without_its_folder_the_third_program_is_unknown() -> None:
    shipped = Engine(load_catalog())
    with scratch_service(shipped) as service:
        outcome = check_file(PROGRAMS / "hokusei" / "scenarios" / "transfer-ends-cover.yaml", shipped.catalog, service)
    assert not outcome.passed
    assert any("unknown program 'hokusei'" in str(problem) for problem in outcome.problems)


@pytest.fixture
def agent(hosho: Hosho) -> Iterator[tuple[TestClient, dict[str, str]]]:
    key = keys.create_key(hosho, role=Role.AGENT, name="callcenter")
    with TestClient(create_app(hosho)) as client:
        yield client, {"Authorization": f"Bearer {key}"}


def _fridge(*equipment: tuple[str, str]) -> dict[str, object]:
    return {
        "program": "hokusei",
        "plan": "onsite-5y",
        "purchase_date": "2025-04-01",
        "purchase_price": 800_000,
        "operation_start_date": "2025-04-10",
        "equipment": [{"kind": kind, "model": "M-1", "serial": serial} for kind, serial in equipment],
        "site": {"postal_code": "100-0001"},
        "subscriber": {"name": "北星 花子", "phone": "03-0000-1111"},
    }


def test_the_service_prints_the_third_programs_own_certificate(agent: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = agent
    body = _fridge(("refrigerator", "RF-1"), ("condensing_unit", "CU-1"), ("temp_logger", "TL-1"))
    created = client.post("/v1/contracts", json=body, headers=headers)
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    unpaid = client.get(f"/v1/contracts/{cid}/certificate.pdf", headers=headers)
    assert (unpaid.status_code, unpaid.json()["clauses"]) == (409, ["第1条"])
    paid = client.post(f"/v1/contracts/{cid}/payment", json={"date": "2025-04-12"}, headers=headers)
    assert paid.status_code == 200, paid.json()
    pdf = client.get(f"/v1/contracts/{cid}/certificate.pdf", headers=headers)
    assert pdf.status_code == 200
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(BytesIO(pdf.content)).pages)
    for expected in ("業務用冷蔵庫保守契約証", "コンデンシングユニット", "温度記録計", "2027年4月1日(木)前後に1回"):
        assert expected in text, expected
    assert "保守パック" not in text and "延長保証" not in text


def test_the_service_refuses_a_cabinet_without_its_condensing_unit(agent: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = agent
    refused = client.post("/v1/contracts", json=_fridge(("refrigerator", "RF-1")), headers=headers)
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["clauses"]) == ("whole_system_required", ["第2条第1項"])
    camera = client.post("/v1/contracts", json=_fridge(("camera", "C-1"), ("condensing_unit", "CU-1")), headers=headers)
    assert (camera.status_code, camera.json()["code"], camera.json()["field"]) == (
        422,
        "invalid_contract",
        "equipment.0.kind",
    )


def test_the_console_shows_the_third_programs_equipment_in_its_words(
    agent: tuple[TestClient, dict[str, str]], hosho: Hosho, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers = agent
    body = _fridge(("freezer", "FZ-1"), ("condensing_unit", "CU-1"))
    cid = client.post("/v1/contracts", json=body, headers=headers).json()["id"]
    monkeypatch.setattr(users, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    users.create_user(hosho, "sato", "correct horse battery", "agent", "佐藤")
    app = FastAPI()
    mount_console(app, hosho, secret_key=b"0123456789abcdef0123456789abcdef")
    with TestClient(app) as console:
        login = console.get("/console/login").text
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": "sato", "password": "correct horse battery", "csrf_token": token}
        assert console.post("/console/login", data=form, follow_redirects=False).status_code == 303
        page = console.get(f"/console/contracts/{cid}")
    assert page.status_code == 200
    assert "<td>業務用冷凍庫</td>" in page.text and "<td>コンデンシングユニット</td>" in page.text
