"""The contract's audit trail, on SQLite and PostgreSQL, carries what people wrote when they decided a case after
intake: the supervisor's reasoning, the dispute's text, the third party's opinion, the technician's note."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.console.contract import history
from hosho.service import adjudication, cases, contracts, keys
from hosho.service.commands import (
    DecideDispute,
    DecideReview,
    Diagnosis,
    DisputeOpinion,
    MakerReplacement,
    OpenDispute,
    Pay,
    RequestRepair,
)
from hosho.service.context import Actor, Hosho, Role
from tests.integration.builders import zest_enrolment

ADMIN = Actor("admin", Role.ADMIN)
AGENT = Actor("agent", Role.AGENT)
SUPERVISOR = Actor("supervisor", Role.SUPERVISOR)
TECHNICIAN = Actor("technician", Role.TECHNICIAN)


def _request(hosho: Hosho, contract_id: int, hour: int, cause: str) -> int:
    answer = cases.request_repair(hosho, AGENT, contract_id, RequestRepair(at=datetime(2026, 6, 10, hour), cause=cause))
    assert answer.case_id is not None
    return answer.case_id


def _review_and_dispute(hosho: Hosho) -> int:
    """Case 1 waits for review (unreported maker replacement), case 2 is refused for a drop and disputed; the two
    are decided in interleaved order."""
    view, _ = contracts.enroll(hosho, ADMIN, zest_enrolment())
    contracts.pay_fee(hosho, ADMIN, view.id, Pay(date=date(2024, 4, 1)))
    contracts.replace_by_maker(hosho, ADMIN, view.id, MakerReplacement(date=date(2024, 5, 10), reported=False))
    review = _request(hosho, view.id, 10, "normal_use")
    drop = _request(hosho, view.id, 11, "impact_or_water")
    adjudication.open_dispute(
        hosho, AGENT, drop, OpenDispute(date=date(2026, 6, 11), note="落としていないとのお申し出")
    )
    adjudication.decide_review(
        hosho, SUPERVISOR, review, DecideReview(date=date(2026, 6, 12), decision="covered", note="同型の代替品")
    )
    adjudication.record_opinion(hosho, AGENT, drop, DisputeOpinion(date=date(2026, 6, 20), opinion="筐体に落下痕あり"))
    adjudication.decide_dispute(
        hosho, SUPERVISOR, drop, DecideDispute(date=date(2026, 6, 22), decision="not_covered", note="対象外を維持")
    )
    return view.id


def test_the_audit_trail_shows_each_decision_after_intake_with_its_case_and_words(hosho: Hosho) -> None:
    contract_id = _review_and_dispute(hosho)

    trail = contracts.audit_trail(hosho, ADMIN, contract_id)

    decided = [
        (e.action, e.actor, e.case.model_dump(exclude={"clauses"}) if e.case else None)
        for e in trail
        if e.action.startswith("case.")
    ]
    assert decided == [
        ("case.requested", "agent", None),
        ("case.requested", "agent", None),
        ("case.dispute_opened", "agent", _note(2, "not_covered", note="落としていないとのお申し出")),
        ("case.review_decided", "supervisor", _note(1, "covered", note="同型の代替品")),
        ("case.third_party_opinion", "agent", _note(2, "not_covered", opinion="筐体に落下痕あり")),
        ("case.dispute_decided", "supervisor", _note(2, "not_covered", note="対象外を維持")),
    ]
    first_cited = [e.case.clauses[0] for e in trail if e.case is not None]
    assert first_cited == ["第11条", "第4条第1項(2)", "第11条", "第11条"]
    assert all(entry.case is None for entry in trail if not entry.action.startswith("case."))


def _note(number: int, decision: str, **words: str) -> dict[str, Any]:
    return {
        "number": number,
        "decision": decision,
        "note": words.get("note"),
        "opinion": words.get("opinion"),
        "reproduced": None,
        "cause": None,
    }


def test_the_audit_endpoint_gives_the_technicians_finding_and_note(hosho: Hosho) -> None:
    view, _ = contracts.enroll(hosho, ADMIN, zest_enrolment(plan="aircon-8y"))
    contracts.pay_fee(hosho, ADMIN, view.id, Pay(date=date(2024, 4, 1)))
    case_id = _request(hosho, view.id, 10, "normal_use")
    finding = Diagnosis(date=date(2026, 6, 12), reproduced=False, note="異音なし、2時間運転でも再現せず")
    adjudication.diagnose(hosho, TECHNICIAN, case_id, finding)
    agent = keys.create_key(hosho, role=Role.AGENT, name="desk")

    with TestClient(create_app(hosho)) as client:
        response = client.get(f"/v1/contracts/{view.id}/audit", headers={"Authorization": f"Bearer {agent}"})

    assert response.status_code == 200
    diagnosis = [entry for entry in response.json() if entry["action"] == "case.diagnosis"]
    assert [entry["case"] for entry in diagnosis] == [
        {
            "number": 1,
            "decision": "not_covered",
            "note": "異音なし、2時間運転でも再現せず",
            "opinion": None,
            "reproduced": False,
            "cause": None,
            "clauses": diagnosis[0]["case"]["clauses"],
        }
    ]
    assert diagnosis[0]["case"]["clauses"][0] == "第6条(18)"
    assert all(entry["case"] is None for entry in response.json() if entry["action"] != "case.diagnosis")


def test_the_consoles_history_shows_the_reasoning_and_the_third_partys_opinion(hosho: Hosho) -> None:
    contract_id = _review_and_dispute(hosho)

    rows = history(contracts.audit_trail(hosho, ADMIN, contract_id))

    shown = {row["action"]: row["changes"] for row in rows if row["action"] in {"審査の判定", "第三者の意見"}}
    assert shown == {
        "審査の判定": ["1件目: 保証の対象", "判定の理由: 同型の代替品"],
        "第三者の意見": ["2件目: 保証の対象外", "第三者の意見: 筐体に落下痕あり"],
    }
