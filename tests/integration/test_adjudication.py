"""After intake, on SQLite and PostgreSQL: diagnosis, a supervisor's review, disputes, and the item a request names."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.service import adjudication, cases, contracts, keys
from hosho.service.commands import (
    DecideDispute,
    DecideReview,
    Diagnosis,
    Enrol,
    EquipmentItem,
    MakerReplacement,
    OpenDispute,
    Pay,
    Progress,
    RequestRepair,
    Site,
)
from hosho.service.context import Actor, Hosho, Role, ServiceError
from tests.integration.builders import zest_enrolment

ADMIN = Actor("admin", Role.ADMIN)
AGENT = Actor("agent", Role.AGENT)
SUPERVISOR = Actor("supervisor", Role.SUPERVISOR)
TECHNICIAN = Actor("technician", Role.TECHNICIAN)


def _paid(hosho: Hosho, command: Enrol) -> int:
    view, _ = contracts.enroll(hosho, ADMIN, command)
    contracts.pay_fee(hosho, ADMIN, view.id, Pay(date=date(2024, 4, 1)))
    return view.id


def _under_review(hosho: Hosho) -> tuple[int, int]:
    """A zest contract whose maker replacement was not reported, and a request that waits for review."""
    contract_id = _paid(hosho, zest_enrolment())
    contracts.replace_by_maker(hosho, ADMIN, contract_id, MakerReplacement(date=date(2024, 5, 10), reported=False))
    decision = cases.request_repair(
        hosho, AGENT, contract_id, RequestRepair(at=datetime(2026, 6, 10, 10, 0), cause="normal_use")
    )
    assert decision.decision == "review"
    assert decision.case_id is not None
    return contract_id, decision.case_id


def _ipro(**changes: Any) -> Enrol:
    return Enrol(
        program="ipro",
        plan="onsite-3y",
        purchase_date=date(2024, 3, 1),
        operation_start_date=date(2024, 3, 10),
        subscriber={"name": "監視 次郎"},
        equipment=[
            EquipmentItem(kind="camera", model="WV-X86530", serial="C-100"),
            EquipmentItem(kind="recorder", model="WJ-NX510", serial="R-200"),
        ],
        site=Site(postal_code="100-0001"),
        **changes,
    )


def test_a_review_waits_in_the_queue_until_a_supervisor_decides_it_with_a_note(hosho: Hosho) -> None:
    contract_id, case_id = _under_review(hosho)
    assert [case.id for case in adjudication.queue(hosho, SUPERVISOR)] == [case_id]

    decided = adjudication.decide_review(
        hosho, SUPERVISOR, case_id, DecideReview(date=date(2026, 6, 11), decision="covered", note="同型の代替品")
    )

    assert (decided.decision, decided.covered, decided.state, decided.review) == ("covered", True, "open", "decided")
    assert "第4条第1項(2)" in [clause.label for clause in decided.clauses]
    assert adjudication.queue(hosho, SUPERVISOR) == []
    event = decided.events[-1]
    assert (event.kind, event.data and event.data["note"], event.data and event.data["by"]) == (
        "review_decided",
        "同型の代替品",
        "supervisor",
    )
    trail = [entry.action for entry in contracts.audit_trail(hosho, ADMIN, contract_id)]
    assert trail[-1] == "case.review_decided"


def test_an_agent_cannot_decide_a_review_and_a_second_decision_is_refused(hosho: Hosho) -> None:
    _, case_id = _under_review(hosho)
    decide = DecideReview(date=date(2026, 6, 11), decision="not_covered", note="別機種")
    with pytest.raises(ServiceError) as refused:
        adjudication.decide_review(hosho, AGENT, case_id, decide)
    assert refused.value.code == "forbidden"

    adjudication.decide_review(hosho, ADMIN, case_id, decide)
    with pytest.raises(ServiceError) as twice:
        adjudication.decide_review(hosho, SUPERVISOR, case_id, decide)
    assert twice.value.code == "review_already_decided"


def test_a_diagnosis_that_does_not_reproduce_closes_the_case_and_a_repair_is_then_refused(hosho: Hosho) -> None:
    contract_id = _paid(hosho, zest_enrolment(plan="aircon-8y"))
    decision = cases.request_repair(
        hosho, AGENT, contract_id, RequestRepair(at=datetime(2026, 6, 10, 10, 0), cause="normal_use")
    )
    assert decision.case_id is not None

    found = adjudication.diagnose(
        hosho, TECHNICIAN, decision.case_id, Diagnosis(date=date(2026, 6, 12), reproduced=False, note="異音なし")
    )

    assert (found.decision, found.covered, found.state) == ("not_covered", False, "closed")
    assert [clause.label for clause in found.clauses][:1] == ["第6条(18)"]
    assert cases.open_case(hosho, ADMIN, contract_id) is None


def test_a_dispute_is_dated_on_the_case_and_shown_in_the_queue_until_decided(hosho: Hosho) -> None:
    contract_id = _paid(hosho, zest_enrolment())
    decision = cases.request_repair(
        hosho, AGENT, contract_id, RequestRepair(at=datetime(2026, 6, 10, 10, 0), cause="impact_or_water")
    )
    assert decision.case_id is not None
    case_id = decision.case_id
    with pytest.raises(ServiceError) as retailer_refused:
        adjudication.open_dispute(
            hosho, Actor("shop", Role.RETAILER), case_id, OpenDispute(date=date(2026, 6, 11), note="x")
        )
    assert retailer_refused.value.code in {"forbidden", "not_found"}

    adjudication.open_dispute(hosho, AGENT, case_id, OpenDispute(date=date(2026, 6, 11), note="落としていない"))
    assert [case.dispute for case in adjudication.queue(hosho, SUPERVISOR)] == ["open"]
    final = adjudication.decide_dispute(
        hosho, SUPERVISOR, case_id, DecideDispute(date=date(2026, 6, 20), decision="covered", note="第三者意見")
    )

    assert (final.decision, final.covered, final.state, final.dispute) == ("covered", True, "open", "closed")
    assert [event.kind for event in final.events] == ["requested", "dispute_opened", "dispute_decided"]
    assert [event.date for event in final.events[1:]] == [date(2026, 6, 11), date(2026, 6, 20)]
    assert adjudication.queue(hosho, SUPERVISOR) == []


def test_a_request_names_its_item_and_a_replacement_records_the_new_serial(hosho: Hosho) -> None:
    contract_id = _paid(hosho, _ipro())
    camera_card = cases.request_repair(
        hosho,
        AGENT,
        contract_id,
        RequestRepair(at=datetime(2026, 6, 10, 10, 0), cause="normal_use", part="sd_card", item="C-100"),
    )
    recorder_card = cases.request_repair(
        hosho,
        AGENT,
        contract_id,
        RequestRepair(at=datetime(2026, 6, 10, 11, 0), cause="normal_use", part="sd_card", item="R-200"),
    )
    assert (camera_card.decision, recorder_card.decision) == ("covered", "not_covered")
    assert camera_card.case_id is not None

    cases.record_event(
        hosho, TECHNICIAN, camera_card.case_id, Progress(kind="replaced", date=date(2026, 6, 12), serial="C-101")
    )

    view = contracts.get(hosho, ADMIN, contract_id)
    assert [item.serial for item in view.equipment] == ["C-101", "R-200"]
    assert [case.item_serial for case in view.cases] == ["C-100", "R-200"]
    replaced = view.cases[0].events[-1]
    assert replaced.data == {"serial": "C-101", "old_serial": "C-100", "new_serial": "C-101"}


def test_over_http_only_a_supervisor_or_an_admin_decides_a_review(hosho: Hosho) -> None:
    _, case_id = _under_review(hosho)
    agent = keys.create_key(hosho, role=Role.AGENT, name="agent")
    supervisor = keys.create_key(hosho, role=Role.SUPERVISOR, name="supervisor")
    body = {"date": "2026-06-11", "decision": "covered", "note": "同型の代替品"}
    with TestClient(create_app(hosho)) as client:
        refused = client.post(
            f"/v1/cases/{case_id}/review-decision", json=body, headers={"Authorization": f"Bearer {agent}"}
        )
        decided = client.post(
            f"/v1/cases/{case_id}/review-decision", json=body, headers={"Authorization": f"Bearer {supervisor}"}
        )
        twice = client.post(
            f"/v1/cases/{case_id}/review-decision", json=body, headers={"Authorization": f"Bearer {supervisor}"}
        )
        queue = client.get("/v1/cases/review-queue", headers={"Authorization": f"Bearer {supervisor}"})
    assert refused.status_code == 403
    assert (decided.status_code, decided.json()["decision"]) == (200, "covered")
    assert (twice.status_code, twice.json()["code"]) == (409, "review_already_decided")
    assert queue.json() == []
    with TestClient(create_app(hosho)) as client:
        keys.ensure_retailer(hosho, code="R1", name="量販店1")
        retailer = keys.create_key(hosho, role=Role.RETAILER, name="shop", retailer="R1")
        refused_queue = client.get("/v1/cases/review-queue", headers={"Authorization": f"Bearer {retailer}"})
    assert refused_queue.status_code == 403
