"""The demo data on SQLite and PostgreSQL: written through the service layer, realistic, idempotent, deterministic."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hosho import admin
from hosho.demo import RETAILERS, TOKYO, WEST, load_demo
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import adjudication, lookup, users
from hosho.service.context import SYSTEM, Actor, Hosho, Role, create_hosho
from hosho.store.db import make_engine, migrate

COUNT = 120  # enough for every plan; the default 300 is what `hosho serve` loads
PHONE = re.compile(r"^0\d{1,4}-\d{1,4}-\d{4}$")
KANA = re.compile(r"^[ァ-ヶー ]+$")


def _all(hosho: Hosho, **filters: Any) -> list[dict[str, Any]]:
    return [item.model_dump() for item in lookup.search(hosho, SYSTEM, per_page=1000, **filters).items]


def test_demo_data_covers_both_programs_every_plan_and_the_three_retailers(hosho: Hosho) -> None:
    summary = load_demo(hosho, count=COUNT)
    assert (summary.contracts, summary.created, summary.refused) == (COUNT, COUNT, 0)
    items = _all(hosho)
    assert len(items) == COUNT
    plans = {(item["program"], item["plan"]["id"]) for item in items}
    shipped = {(p.id, plan) for p in hosho.rules.catalog.programs.values() for v in p.versions for plan in v.plans}
    assert plans == shipped
    assert {item["retailer"] for item in items} == set(RETAILERS)
    assert {item["retailer"] for item in items if item["program"] == "ipro"} == {"security-pro"}
    _lives_up_to_today(items, hosho.today())


def _lives_up_to_today(items: list[dict[str, Any]], today: date) -> None:
    assert all(today - timedelta(days=4 * 365) <= item["purchase_date"] <= today for item in items)
    assert {"active", "cancelled"} <= {item["status"] for item in items}
    assert all(item["certificate_number"] for item in items if item["status"] != "pending")
    cases = [case for item in items for case in item["cases"]]
    assert any(case["covered"] for case in cases) and any(not case["covered"] for case in cases)
    assert {"requested", "item_arrived", "estimate", "visit_done"} <= {e["kind"] for c in cases for e in c["events"]}
    assert all(case["requested_at"].date() < today for case in cases)
    # A request is received on the next business day when made after hours: only the case's later events are past.
    assert all(e["date"] <= today for c in cases for e in c["events"] if e["kind"] != "requested")


def test_demo_subscribers_have_kanji_names_with_kana_phones_and_real_addresses(hosho: Hosho) -> None:
    load_demo(hosho, count=40)
    towns = {code: town for code, town, _ in TOKYO + WEST}
    for item in _all(hosho):
        person = item["subscriber"]
        assert KANA.match(person["name_kana"]), person["name_kana"]
        assert PHONE.match(person["phone"]), person["phone"]
        assert person["address"].startswith(towns[person["postal_code"]])
        assert item["site"]["postal_code"] == person["postal_code"]
        assert all(e["serial"] and e["model"] for e in item["equipment"])


def test_loading_the_demo_twice_changes_nothing(hosho: Hosho) -> None:
    load_demo(hosho, count=20)
    before = _all(hosho)
    again = load_demo(hosho, count=20)
    assert (again.contracts, again.created) == (20, 0)
    assert _all(hosho) == before


def test_the_same_seed_on_the_same_day_gives_the_same_data(tmp_path: Path, engine: Engine) -> None:
    def load(name: str, seed: int) -> list[tuple[Any, ...]]:
        url = f"sqlite:///{tmp_path / name}"
        migrate(make_engine(url))
        hosho = create_hosho(url, rules=engine, clock=lambda: datetime(2026, 11, 22, 10, tzinfo=JST))
        load_demo(hosho, count=30, seed=seed)
        rows = [
            (i["subscriber"]["name"], i["plan"]["id"], i["purchase_date"], i["status"], len(i["cases"]))
            for i in _all(hosho)
        ]
        hosho.dispose()
        return rows

    first = load("a.sqlite3", 7)
    assert load("b.sqlite3", 7) == first
    assert load("c.sqlite3", 8) != first


@pytest.mark.parametrize("code", [code for code, _, _ in TOKYO + WEST])
def test_every_demo_postal_code_is_the_japan_post_area_it_names(engine: Engine, code: str) -> None:
    area = engine.postal.lookup(code)
    town = {c: t for c, t, _ in TOKYO + WEST}[code]
    assert town == f"{area.prefecture}{area.city}{area.town}"
    assert area.remote_island is (code == "100-1511")  # 八丈島: zest covers remote islands, ipro does not sell there


def test_the_review_queue_of_the_demo_holds_a_review_and_an_open_dispute(hosho: Hosho) -> None:
    load_demo(hosho, count=20)
    supervisor = Actor(admin.DEMO_SUPERVISOR, Role.SUPERVISOR)
    waiting = adjudication.queue(hosho, supervisor)
    assert [(case.program, case.state, case.review, case.dispute) for case in waiting] == [
        ("zest", "closed", None, "open"),  # 第11条: refused for a drop the subscriber denies (oldest first)
        ("zest", "review", "pending", None),  # 第4条第1項(2): the maker's replacement was not reported
    ]
    dispute, review = waiting
    assert review.cause == "normal_use" and review.requested_at.date() == hosho.today() - timedelta(days=8)
    opened = dispute.events[-1]
    assert (opened.kind, opened.date) == ("dispute_opened", hosho.today() - timedelta(days=2))
    assert opened.data is not None and opened.data["note"].startswith("落とした覚えはなく")
    assert (dispute.cause, dispute.covered) == ("relocation_or_drop", False)


def test_the_demo_has_a_case_the_technicians_diagnosis_took_out_of_cover(hosho: Hosho) -> None:
    load_demo(hosho, count=20)
    cases = [case for item in _all(hosho) for case in item["cases"]]
    diagnosed = [case for case in cases if any(event["kind"] == "diagnosis" for event in case["events"])]
    assert len(diagnosed) == 1
    event = diagnosed[0]["events"][-1]
    assert (diagnosed[0]["covered"], event["date"]) == (False, hosho.today() - timedelta(days=1))
    assert event["data"]["reproduced"] is False and "第6条(18)" in event["data"]["clauses"]


def test_the_demo_supervisor_signs_in_with_the_printed_password_and_decides_reviews(hosho: Hosho) -> None:
    password = admin.demo_user(hosho, admin.DEMO_SUPERVISOR)
    user = users.authenticate_user(hosho, admin.DEMO_SUPERVISOR, password)
    assert user is not None and (user.role, user.display_name) == (Role.SUPERVISOR, "デモ審査担当")
    again = admin.demo_user(hosho, admin.DEMO_SUPERVISOR)  # the next start: a new password, the old one refused
    assert users.authenticate_user(hosho, admin.DEMO_SUPERVISOR, password) is None
    assert users.authenticate_user(hosho, admin.DEMO_SUPERVISOR, again) is not None
