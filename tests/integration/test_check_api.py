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
from hosho.scenarios.http_runner import Http
from hosho.scenarios.inprocess import Service, scratch_service
from hosho.scenarios.runner import Abort, Outcome, Reply, check_file, scenario_files
from hosho.service import calendars, commands, contracts, keys
from hosho.service.context import SYSTEM, Hosho, Role, create_hosho
from tests.conftest import SCENARIOS, SPEC_EXAMPLES
from tests.integration.databases import DATABASES, fresh_database

ALL = sorted(scenario_files([SCENARIOS])) + (sorted(SPEC_EXAMPLES.glob("*.yaml")) if SPEC_EXAMPLES.is_dir() else [])
OVERRIDES = [path for path in ALL if "calendar" in read_yaml(path).data]


@dataclass
class Api:
    hosho: Hosho
    client: TestClient


@pytest.fixture(scope="module", params=DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Api]:
    """One service per database for the module: scenarios make contracts of their own, so they can share it."""
    with fresh_database(request.param, tmp_path_factory.mktemp(request.param)) as url:
        # A testing service (HOSHO_TESTING=1): scenarios advance the days.
        hosho = create_hosho(url, rules=engine, testing=True)
        # An admin key, as `hosho check --api` needs for scenarios with a calendar block.
        key = keys.create_key(hosho, role=Role.ADMIN, name="scenarios")
        with TestClient(create_app(hosho), headers={"Authorization": f"Bearer {key}"}) as client:
            yield Api(hosho, client)
        hosho.dispose()


@pytest.fixture(scope="module")
def here(engine: Engine) -> Iterator[Service]:
    """The in-process transport, on its own scratch database."""
    with scratch_service(engine) as service:
        yield service


def _lines(outcome: Outcome) -> list[str]:
    return [str(line) for line in (*outcome.problems, *outcome.failures)]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_a_scenario_through_the_api_passes_as_it_does_in_process(
    api: Api, here: Service, engine: Engine, path: Path
) -> None:
    through_api = check_file(path, engine.catalog, Http(api.client))
    in_process = check_file(path, engine.catalog, here)
    assert _lines(through_api) == _lines(in_process)
    assert through_api.passed, _lines(through_api)


def test_wrong_expectations_fail_with_the_same_lines_through_the_api(
    api: Api, here: Service, engine: Engine, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        """title: 期待値の誤り
program: zest
contract: {plan: kaden-5y, purchase_date: 2024-04-01, purchase_price: 100000, warranty_fee: 5000}
expect_enrollment: {coverage_start: 2025-04-02}
steps:
  - pay: {date: 2024-04-01}
    expect: {certificate: false, status: pending}
  - repair_request: {at: "2025-03-20T16:00", cause: relocation_or_drop}
    expect: {decision: covered, clauses: [第6条(11)]}
  - cancel: {date: 2025-04-01, transfer_fee: 330}
    expect: {refund: 2670.0}
  - cancel: {date: 2025-04-02}
""",
        encoding="utf-8",
    )
    through_api = check_file(wrong, engine.catalog, Http(api.client))
    in_process = check_file(wrong, engine.catalog, here)
    assert _lines(through_api) == _lines(in_process)
    assert len(_lines(in_process)) == 7, _lines(in_process)
    assert f"{wrong}: step 4 (cancel): error: expected no refusal, got contract_not_active" in _lines(in_process)


@pytest.mark.parametrize("path", OVERRIDES[:2], ids=_id)
def test_a_calendar_block_goes_through_the_company_calendar_and_is_undone(api: Api, engine: Engine, path: Path) -> None:
    program = read_yaml(path).data["program"]
    before = [calendars.year_closures(api.hosho, program, year) for year in range(2024, 2029)]
    outcome = check_file(path, engine.catalog, Http(api.client))
    assert outcome.passed, _lines(outcome)
    assert [calendars.year_closures(api.hosho, program, year) for year in range(2024, 2029)] == before
    with api.hosho.reading() as session:
        from sqlalchemy import select

        from hosho.store import models

        actions = session.execute(
            select(models.AuditEntry.action).where(models.AuditEntry.entity == f"closures:{program}")
        ).scalars()
        assert {"calendar.closures_set", "calendar.closures_reset"} <= set(actions)


class Recording(Http):
    """The HTTP transport, remembering the contracts it enrolled."""

    def __init__(self, client: TestClient):
        super().__init__(client)
        self.enrolled: list[int] = []

    def enrol(self, command: commands.Enrol) -> Reply:
        reply = super().enrol(command)
        if reply.ok:
            self.enrolled.append(reply.body["id"])
        return reply


def test_every_step_is_an_api_call_stored_in_the_service_database(api: Api, engine: Engine) -> None:
    transport = Recording(api.client)
    outcome = check_file(SCENARIOS / "zest" / "cap-one-yen-above-estimate-is-replaced.yaml", engine.catalog, transport)
    assert outcome.passed, _lines(outcome)
    [contract_id] = transport.enrolled
    trail = [entry.action for entry in contracts.audit_trail(api.hosho, SYSTEM, contract_id)]
    # The refused cancellation at the end changed nothing, so it is not in the trail.
    assert trail == ["contract.enrolled", "contract.paid", "case.requested", "case.estimate", "case.requested"]
    stored = contracts.get(api.hosho, SYSTEM, contract_id)
    assert (stored.status, stored.subscriber.name) == ("ended", "シナリオ 太郎")


def test_a_refused_key_stops_the_run_instead_of_failing_every_file(api: Api, engine: Engine) -> None:
    anonymous = TestClient(api.client.app)
    with pytest.raises(Abort, match="refused the key"):
        check_file(ALL[0], engine.catalog, Http(anonymous))
