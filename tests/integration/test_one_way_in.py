"""One way in: the API and an in-process caller send the same commands and get the same answers and refusals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from hosho.api.app import create_app
from hosho.api.problems import STATUSES
from hosho.service import cases, contracts, keys, refunds
from hosho.service.commands import (
    Cancel,
    Enrol,
    EquipmentItem,
    Estimate,
    ItemArrived,
    Pay,
    RequestRepair,
    Site,
    Subscriber,
)
from hosho.service.context import SYSTEM, Hosho, Role, ServiceError
from tests.integration.builders import item, zest_enrolment


class Door:
    """The API over HTTP with an agent's key, next to the service called in-process."""

    def __init__(self, hosho: Hosho, client: TestClient) -> None:
        self.hosho, self.client = hosho, client
        key = keys.create_key(hosho, role=Role.AGENT, name="door")
        self.headers = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, command: BaseModel) -> Any:
        return self.client.post(path, json=command.model_dump(mode="json"), headers=self.headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.headers)


@pytest.fixture
def door(hosho: Hosho) -> Iterator[Door]:
    with TestClient(create_app(hosho)) as client:
        yield Door(hosho, client)


def _paid(hosho: Hosho, command: Enrol, on: date) -> int:
    created, _ = contracts.enroll(hosho, SYSTEM, command)
    contracts.pay_fee(hosho, SYSTEM, created.id, Pay(date=on))
    return created.id


def _sendback(hosho: Hosho) -> int:
    """An ipro send-back pack, paid, in cover from 2026-03-01 (after the maker's year)."""
    command = Enrol(
        program="ipro",
        plan="sendback-4y",
        purchase_date=date(2025, 3, 1),
        operation_start_date=date(2025, 3, 1),
        equipment=[
            EquipmentItem(kind="camera", model="WV-X86530", serial="C1"),
            EquipmentItem(kind="recorder", model="WJ-NX510", serial="R1"),
        ],
        site=Site(postal_code="100-0001"),
        subscriber=Subscriber(name="田中 一郎"),
    )
    return _paid(hosho, command, date(2025, 3, 2))


def _refusal(call: Callable[[], object]) -> tuple[str, str | None]:
    with pytest.raises(ServiceError) as refused:
        call()
    return refused.value.code, refused.value.field


def _problem(response: Any) -> tuple[str, str | None]:
    body = response.json()
    assert response.status_code == STATUSES[body["code"]], body
    return body["code"], body["field"]


FRIDAY_EVENING = "2026-11-20T18:00:00+09:00"  # after hours; the weekend and 勤労感謝の日 (23rd) follow


def test_a_word_outside_the_vocabulary_is_refused_alike_in_process_and_over_http(door: Door) -> None:
    contract_id = _paid(door.hosho, zest_enrolment(), date(2024, 4, 1))
    command = RequestRepair(at=FRIDAY_EVENING, cause="gremlins")  # type: ignore[arg-type]
    path = f"/v1/contracts/{contract_id}/repair-requests"
    in_process = _refusal(lambda: cases.request_repair(door.hosho, SYSTEM, contract_id, command))
    assert in_process == _problem(door.post(path, command)) == ("invalid_request", "cause")
    preview = _refusal(lambda: cases.preview_repair(door.hosho, SYSTEM, contract_id, command))
    assert preview == _problem(door.post(path + "/preview", command)) == ("invalid_request", "cause")


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (zest_enrolment(equipment=item("SN-1", kind="toaster")), ("invalid_contract", "equipment.0.kind")),
        (zest_enrolment(plan="kaden-99y"), ("invalid_contract", "plan")),
        (zest_enrolment(program="ipro", plan="onsite-5y"), ("invalid_contract", "operation_start_date")),
        (zest_enrolment(retailer="NOBODY"), ("invalid_contract", "retailer")),
    ],
)
def test_a_refused_enrolment_has_the_same_code_and_field_in_process_and_over_http(
    door: Door, command: Enrol, refused: tuple[str, str]
) -> None:
    in_process = _refusal(lambda: contracts.enroll(door.hosho, SYSTEM, command))
    assert in_process == _problem(door.post("/v1/contracts", command)) == refused


def test_a_refusal_by_the_state_of_the_contract_is_alike_in_process_and_over_http(door: Door) -> None:
    created, _ = contracts.enroll(door.hosho, SYSTEM, zest_enrolment())
    cancel = Cancel(date=date(2025, 4, 1))
    path = f"/v1/contracts/{created.id}/cancellation"
    in_process = _refusal(lambda: refunds.cancel_contract(door.hosho, SYSTEM, created.id, cancel))
    assert in_process == _problem(door.post(path, cancel)) == ("not_paid", None)
    late_case = ItemArrived(date=date(2026, 1, 5))
    missing = _refusal(lambda: cases.record_event(door.hosho, SYSTEM, 999_999, late_case))
    assert missing == _problem(door.post("/v1/cases/999999/events", late_case)) == ("not_found", None)


def test_an_answer_in_process_is_the_api_s_json_field_for_field(door: Door) -> None:
    hosho = door.hosho
    contract_id = _sendback(hosho)
    request = RequestRepair(at=FRIDAY_EVENING, cause="normal_use")  # type: ignore[arg-type]
    path = f"/v1/contracts/{contract_id}"

    preview = cases.preview_repair(hosho, SYSTEM, contract_id, request)
    assert preview.model_dump(mode="json") == door.post(f"{path}/repair-requests/preview", request).json()
    over_http = door.post(f"{path}/repair-requests", request).json()
    # Reception waits for Tuesday the 24th, passing over the days it was closed, each with its reason.
    assert over_http["received_on"] == "2026-11-24"
    assert [(day["date"], day["reason"]) for day in over_http["reception_skipped"]] == [
        ("2026-11-21", "土曜日"),
        ("2026-11-22", "日曜日"),
        ("2026-11-23", "勤労感謝の日"),
    ]
    assert cases.open_case(hosho, SYSTEM, contract_id) == over_http["case_id"]

    arrived = cases.record_event(hosho, SYSTEM, over_http["case_id"], ItemArrived(date=date(2026, 11, 27)))
    assert arrived.deadline is not None
    assert [(day.date, day.reason) for day in arrived.deadline.skipped] == [
        (date(2026, 11, 28), "土曜日"),
        (date(2026, 11, 29), "日曜日"),
    ]
    estimate = Estimate(date=date(2026, 12, 1), amount=20_000)
    assert door.post(f"/v1/cases/{over_http['case_id']}/events", estimate).json()["estimate_answer"]["outcome"] == (
        "repair"
    )
    assert cases.board(hosho, SYSTEM)[0].model_dump(mode="json") == door.get("/v1/cases").json()[0]

    card = contracts.get(hosho, SYSTEM, contract_id)
    assert card.model_dump(mode="json") == door.get(path).json()
    refund = refunds.preview(hosho, SYSTEM, contract_id, Cancel(date=date(2027, 1, 5)))
    assert refund.model_dump(mode="json") == door.get(f"{path}/refund-preview", date="2027-01-05").json()
    trail = [entry.model_dump(mode="json") for entry in contracts.audit_trail(hosho, SYSTEM, contract_id)]
    assert trail == door.get(f"{path}/audit").json()


def test_the_open_case_is_none_without_a_covered_request_and_an_unknown_contract_is_not_found(door: Door) -> None:
    contract_id = _sendback(door.hosho)
    assert cases.open_case(door.hosho, SYSTEM, contract_id) is None
    assert _refusal(lambda: cases.open_case(door.hosho, SYSTEM, 999_999)) == ("not_found", None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "estimate", "amount": -1}, "amount"),
        ({"kind": "shipped", "date": "2026-01-05", "amount": 3}, "amount"),
        ({"kind": "teleported", "date": "2026-01-05"}, "kind"),
        ({"date": "2026-01-05"}, "kind"),
    ],
)
def test_a_bad_case_event_names_the_field_as_the_body_writes_it(door: Door, body: dict[str, Any], field: str) -> None:
    answer = door.client.post("/v1/cases/1/events", json=body, headers=door.headers)
    assert (answer.status_code, answer.json()["code"], answer.json()["field"]) == (422, "invalid_request", field)
