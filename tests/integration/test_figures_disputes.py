"""The dashboard's disputes (見解相違, zest 第11条) by the clause disputed and how they ended, on SQLite and
PostgreSQL. Today is 2026-12-01; every expected number is worked out by hand from the story below."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.domain.calendar import JST
from hosho.service import adjudication, cases, contracts, figures, keys, users
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
from hosho.service.context import Hosho, Role
from hosho.service.figures import summary
from tests.integration.figures_data import ADMIN, RANGE, TODAY, _zest

DROP = "第6条(14)⑤"  # impact_or_water: the zest terms' label for 落下・水濡れ etc.
NOT_REPRODUCED = "第6条(18)"
UNREPORTED = "第4条第1項(2)"


def _request(hosho: Hosho, contract_id: int, day: str, cause: str) -> int:
    at = datetime.fromisoformat(day).replace(hour=10, tzinfo=JST)
    answer = cases.request_repair(hosho, ADMIN, contract_id, RequestRepair(at=at, cause=cause))
    assert answer.case_id is not None
    return answer.case_id


def _dispute(hosho: Hosho, case_id: int, opened: date, decided: date | None = None, decision: str = "") -> None:
    adjudication.open_dispute(hosho, ADMIN, case_id, OpenDispute(date=opened, note="お申し出"))
    if decided is not None:
        adjudication.record_opinion(hosho, ADMIN, case_id, DisputeOpinion(date=decided, opinion="第三者の意見"))
        adjudication.decide_dispute(hosho, ADMIN, case_id, DecideDispute(date=decided, decision=decision, note="判断"))


def _story(hosho: Hosho) -> None:
    """Six disputes, five of them in 2026."""
    hosho.clock = lambda: TODAY
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")

    def paid(plan: str, retailer: str, n: int) -> int:
        view, _ = contracts.enroll(hosho, ADMIN, _zest(plan, date(2024, 4, 1), 100_000, 5_000, retailer, n))
        contracts.pay_fee(hosho, ADMIN, view.id, Pay(date=date(2024, 4, 1)))
        return view.id

    # P (R1): a drop refused in December 2025, disputed then (outside the range), upheld.
    p = paid("kaden-5y", "R1", 1)
    old = _request(hosho, p, "2025-12-10", "impact_or_water")
    _dispute(hosho, old, date(2025, 12, 15), date(2025, 12, 20), "not_covered")
    # The same contract: a drop refused in June, disputed, upheld; disputed again in July, still open.
    drop = _request(hosho, p, "2026-06-10", "impact_or_water")
    _dispute(hosho, drop, date(2026, 6, 11), date(2026, 6, 22), "not_covered")
    _dispute(hosho, drop, date(2026, 7, 1))
    # Q (R2): covered at intake, the fault did not reproduce (第6条(18)); disputed and overturned.
    q = paid("aircon-8y", "R2", 2)
    visit = _request(hosho, q, "2026-08-10", "normal_use")
    adjudication.diagnose(hosho, ADMIN, visit, Diagnosis(date=date(2026, 8, 12), reproduced=False))
    _dispute(hosho, visit, date(2026, 8, 13), date(2026, 8, 20), "covered")
    # The same contract: a drop in September, disputed, overturned.
    _dispute(
        hosho, _request(hosho, q, "2026-09-10", "impact_or_water"), date(2026, 9, 11), date(2026, 9, 18), "covered"
    )
    # U (R1): the maker's replacement not reported; the supervisor refused the review (第4条第1項(2)); disputed.
    u = paid("kaden-5y", "R1", 3)
    contracts.replace_by_maker(hosho, ADMIN, u, MakerReplacement(date=date(2024, 5, 10), reported=False))
    review = _request(hosho, u, "2026-10-01", "normal_use")
    refused = DecideReview(date=date(2026, 10, 5), decision="not_covered", note="代替品の届出なし")
    adjudication.decide_review(hosho, ADMIN, review, refused)
    _dispute(hosho, review, date(2026, 10, 6))


def _counts(hosho: Hosho, **filters: str) -> list[tuple[str, str, int, int, int, int]]:
    answer = figures.cases(hosho, ADMIN, {**RANGE, **filters})
    return [(r.program, r.label, r.disputes, r.open, r.covered, r.not_covered) for r in answer.disputes]


def test_disputes_are_counted_by_the_clause_disputed_with_how_they_ended(hosho: Hosho) -> None:
    _story(hosho)
    # (program, clause, disputes, open, overturned to covered, upheld as not covered), most disputed first
    assert _counts(hosho) == [
        ("zest", DROP, 3, 1, 1, 1),  # June upheld, July still open, September overturned
        ("zest", UNREPORTED, 1, 1, 0, 0),  # the refused review's dispute, open
        ("zest", NOT_REPRODUCED, 1, 0, 1, 0),  # the diagnosis' ground, not intake's (covered) decision
    ]


def test_the_disputes_follow_the_filters(hosho: Hosho) -> None:
    _story(hosho)
    assert _counts(hosho, retailer="R2") == [("zest", DROP, 1, 0, 1, 0), ("zest", NOT_REPRODUCED, 1, 0, 1, 0)]
    assert _counts(hosho, **{"from": "2025-12", "to": "2026-06"}) == [("zest", DROP, 2, 0, 0, 2)]
    assert _counts(hosho, plan="aircon-8y") == _counts(hosho, retailer="R2")
    assert _counts(hosho, program="ipro") == []


def test_a_case_disputed_twice_counts_each_dispute_with_its_own_end() -> None:
    intake = {"reasons": [{"key": "cause:impact_or_water", "clauses": [DROP]}]}
    events = [
        ("requested", date(2026, 6, 10), {"decision": "not_covered"}),
        ("dispute_opened", date(2026, 6, 11), {"decision": "not_covered", "grounds": ["第11条"]}),
        ("dispute_decided", date(2026, 6, 22), {"decision": "not_covered", "grounds": ["第11条"]}),
        ("dispute_opened", date(2026, 7, 1), {"decision": "not_covered", "grounds": ["第11条"]}),
    ]
    assert summary.disputes_of(intake, events) == [
        (date(2026, 6, 11), (DROP,), "not_covered"),
        (date(2026, 7, 1), (DROP,), "open"),
    ]


def test_the_disputes_table_downloads_as_csv_and_the_page_draws_them(hosho: Hosho) -> None:
    _story(hosho)
    secret = keys.create_key(hosho, role=Role.SUPERVISOR, name="ops-manager")
    with TestClient(create_app(hosho)) as client:
        answer = client.get(
            "/v1/figures/cases/disputes.csv", params=RANGE, headers={"Authorization": f"Bearer {secret}"}
        )
        shown = client.get("/v1/figures/cases", params=RANGE, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows == [
        ["プログラム", "条項", "見解相違", "判断待ち", "対象に変更", "対象外を維持"],
        ["zest", DROP, "3", "1", "1", "1"],
        ["zest", UNREPORTED, "1", "1", "0", "0"],
        ["zest", NOT_REPRODUCED, "1", "0", "1", "0"],
    ]
    assert shown.json()["disputes"][0] == {
        "program": "zest",
        "label": DROP,
        "disputes": 3,
        "open": 1,
        "covered": 1,
        "not_covered": 1,
    }


def test_the_dashboard_page_draws_the_disputes_with_their_table(hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> None:
    _story(hosho)
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    users.create_user(hosho, "boss", "console-pass-2026", "supervisor", "審査さん")
    app = FastAPI()
    mount_console(app, hosho, secret_key=b"0123456789abcdef0123456789abcdef")
    with TestClient(app) as client:
        login = client.get("/console/login").text
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": "boss", "password": "console-pass-2026", "csrf_token": token}
        assert client.post("/console/login", data=form, follow_redirects=False).status_code == 303
        html = client.get("/console/dashboard", params=RANGE).text
    assert 'data-chart="disputes"' in html
    table = html.split('<table id="table-cases-disputes"', 1)[1].split("</table>", 1)[0]
    assert "<caption>見解相違の多い条項と結果</caption>" in table
    first_row = table.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">", 1)[1].split("<", 1)[0] for cell in first_row.split("<t")[2:]]
    assert cells == ["zest", DROP, "3", "1", "1", "1"]
