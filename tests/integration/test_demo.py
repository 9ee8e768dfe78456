"""The demo data on SQLite and PostgreSQL: written through the service layer, realistic, idempotent, deterministic."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hosho.demo import RETAILERS, TOKYO, WEST, load_demo
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import lookup
from hosho.service.context import SYSTEM, Hosho, create_hosho
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
