"""`hosho check --api`: every scenario run through the HTTP API, on SQLite and PostgreSQL, answers as in-process.

The service runs in-process behind FastAPI's TestClient (an httpx client), so every step is a real HTTP request
handled by the API and stored in the test's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.engine import Engine
from hosho.programs.yamlio import read_yaml
from hosho.scenarios import model as m
from hosho.scenarios.http_runner import Http, executor_for
from hosho.scenarios.runner import Abort, Outcome, check_file, report, run_file, scenario_files
from hosho.service import contracts, keys
from hosho.service.context import SYSTEM, Hosho, Role, create_hosho
from tests.conftest import SCENARIOS, SPEC_EXAMPLES
from tests.integration.databases import DATABASES, fresh_database

ALL = sorted(scenario_files([SCENARIOS])) + (sorted(SPEC_EXAMPLES.glob("*.yaml")) if SPEC_EXAMPLES.is_dir() else [])
OVERRIDES = [path for path in ALL if "calendar" in read_yaml(path).data]
FILES = [path for path in ALL if path not in OVERRIDES]


@dataclass
class Api:
    hosho: Hosho
    client: TestClient


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Api]:
    """One service per database for the module: scenarios make contracts of their own, so they can share it."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        hosho = create_hosho(url, rules=engine)
        key = keys.create_key(hosho, role=Role.AGENT, name="scenarios")
        with TestClient(create_app(hosho), headers={"Authorization": f"Bearer {key}"}) as client:
            yield Api(hosho, client)
        hosho.dispose()


def _lines(outcome: Outcome) -> list[str]:
    return [str(line) for line in (*outcome.problems, *outcome.failures)]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_a_scenario_through_the_api_passes_as_it_does_in_process(api: Api, engine: Engine, path: Path) -> None:
    through_api = check_file(path, engine.catalog, executor_for(api.client))
    in_process = run_file(path, engine)
    assert _lines(through_api) == _lines(in_process) == []
    assert [r.action for r in through_api.results] == [r.action for r in in_process.results]


def test_wrong_expectations_fail_with_the_same_lines_through_the_api(api: Api, engine: Engine, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        """\
title: 期待が誤っているシナリオ
program: zest
contract: {plan: kaden-5y, purchase_date: 2023-09-01, purchase_price: 100000, warranty_fee: 5000}
expect_enrollment: {status: active, coverage_start: 2024-09-02, consumable_replacement: {count: 1}}
steps:
  - pay: {date: 2023-09-01}
    expect: {certificate: false, clauses: [第99条]}
  - repair_request: {at: 2025-10-04T10:00, cause: relocation_or_drop}
    expect: {decision: covered, received_on: 2025-10-04}
  - repair_estimate: {amount: 1000}
    expect: {outcome: repair}
  - cancel: {date: 2025-04-01, reason: customer, transfer_fee: 330}
    expect: {refund: 2671, status: active}
  - cancel: {date: 2025-04-02}
    expect: {error: invalid_contract}
""",
        encoding="utf-8",
    )
    through_api = check_file(wrong, engine.catalog, executor_for(api.client))
    in_process = run_file(wrong, engine)
    assert len(_lines(in_process)) == 11
    assert _lines(through_api) == _lines(in_process)
    printed: list[str] = []
    assert report([through_api], printed.append) == (0, 1)
    assert printed[-1] == "0 passed, 1 failed"


@pytest.mark.parametrize("path", OVERRIDES[:1], ids=_id)
def test_a_calendar_override_cannot_run_through_the_api_and_fails_with_the_reason(
    api: Api, engine: Engine, path: Path
) -> None:
    outcome = check_file(path, engine.catalog, executor_for(api.client))
    assert not outcome.passed
    assert _lines(outcome) == [
        f"{path}: calendar: closures cannot be run through the API (company closures are program data); "
        "check this scenario in-process, without --api"
    ]


def test_every_step_is_an_api_call_stored_in_the_service_database(api: Api, engine: Engine) -> None:
    executors: list[Http] = []

    def make(scenario: m.Scenario) -> Http:
        executors.append(executor_for(api.client)(scenario))
        return executors[-1]

    outcome = check_file(SCENARIOS / "zest" / "cap-one-yen-above-estimate-is-replaced.yaml", engine.catalog, make)
    assert outcome.passed, _lines(outcome)
    contract_id = executors[0].contract_id
    assert contract_id is not None
    trail = [entry.action for entry in contracts.audit_trail(api.hosho, SYSTEM, contract_id)]
    # The refused cancellation at the end changed nothing, so it is not in the trail.
    assert trail == ["contract.enrolled", "contract.paid", "case.requested", "case.estimate", "case.requested"]
    stored = contracts.get(api.hosho, SYSTEM, contract_id)
    assert (stored.status, stored.subscriber.name) == ("ended", "シナリオ 太郎")


def test_a_refused_key_stops_the_run_instead_of_failing_every_file(api: Api, engine: Engine) -> None:
    anonymous = TestClient(api.client.app)
    with pytest.raises(Abort, match="refused the key"):
        check_file(FILES[0], engine.catalog, executor_for(anonymous))
