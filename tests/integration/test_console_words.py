"""The console's words and gaps (issue 14, items 7–13) over HTTP, on SQLite and PostgreSQL: people and retailers by
name, a date style each user keeps, cases named as callers name them, the change report with its postal code
(refused by the API too when Japan Post has no such code), overdue consumable replacements, closed pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hosho.api.app import create_app
from hosho.console import mount_console
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.service import calendars, cases, consumables, contracts, keys, preferences, users
from hosho.service.commands import Enrol, EquipmentItem, Pay, RequestRepair, SetClosures, Site, Subscriber
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho
from hosho.store import models as m

NOW = datetime(2026, 2, 10, 11, 0, tzinfo=JST)
PASSWORD = "console-pass-2026"
ADMIN = Actor("system", Role.ADMIN)
SECRET = b"0123456789abcdef0123456789abcdef"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app_hosho(database_url: str, engine: Engine) -> Iterator[Hosho]:
    hosho = create_hosho(database_url, rules=engine, clock=lambda: NOW)
    yield hosho
    hosho.dispose()


@pytest.fixture
def world(app_hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """A retailer's paid zest contract typed in odd widths, an ipro pack with an open case, two console users."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)
    keys.ensure_retailer(app_hosho, code="security-pro", name="セキュリティ・プロ株式会社")
    zest, _ = contracts.enroll(
        app_hosho,
        ADMIN,
        Enrol(
            program="zest",
            plan="kaden-5y",
            purchase_date=date(2022, 4, 1),
            purchase_price=100_000,
            warranty_fee=5_000,
            subscriber=Subscriber(
                name="山田 太郎", name_kana="やまだ たろう", phone="０９０１２３４５６７８", postal_code="1000001"
            ),
            equipment=(EquipmentItem(kind="other", model="NA-VX1", serial="SN-1"),),
            retailer="security-pro",
        ),
    )
    contracts.pay_fee(app_hosho, ADMIN, zest.id, Pay(date=date(2022, 4, 1)))
    ipro, _ = contracts.enroll(
        app_hosho,
        ADMIN,
        Enrol(
            program="ipro",
            plan="onsite-5y",
            purchase_date=date(2022, 6, 1),
            operation_start_date=date(2022, 6, 1),
            subscriber=Subscriber(name="伊藤 誠", phone="045-111-2222"),
            site=Site(postal_code="2310001"),
            equipment=(
                EquipmentItem(kind="camera", model="WV-S1136", serial="CAM-1"),
                EquipmentItem(kind="recorder", model="WJ-NX200", serial="REC-1"),
            ),
        ),
    )
    contracts.pay_fee(app_hosho, ADMIN, ipro.id, Pay(date=date(2022, 6, 2)))
    cases.request_repair(
        app_hosho, ADMIN, ipro.id, RequestRepair(at=datetime(2026, 2, 9, 10, tzinfo=JST), cause="normal_use")
    )
    users.create_user(app_hosho, "sato", PASSWORD, "agent", "佐藤 美咲")
    users.create_user(app_hosho, "kato", PASSWORD, "agent", "加藤 健")
    return {"zest": zest.id, "ipro": ipro.id}


@pytest.fixture
def client(app_hosho: Hosho) -> Iterator[TestClient]:
    app = FastAPI()
    mount_console(app, app_hosho, secret_key=SECRET)
    with TestClient(app) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str) -> str:
    token = _token(client.get("/console/login").text)
    answer = client.post(
        "/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return _token(client.get("/console/").text)


def _token(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


def _between(html: str, start: str, end: str = "</section>") -> str:
    at = html.index(start)
    return html[at : html.index(end, at)]


# --- 7. names, not codes --------------------------------------------------------------------------------------------


def test_the_contract_page_names_the_retailer_and_the_people_in_its_history(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "sato")
    changed = client.post(
        f"/console/contracts/{world['zest']}/changes",
        data={**_record(client, world["zest"]), "phone": "080-2222-3333", "csrf_token": token},
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    page = client.get(f"/console/contracts/{world['zest']}").text
    assert "<dt>販売店</dt><dd>セキュリティ・プロ株式会社</dd>" in page
    assert "security-pro" not in page
    history = _between(page, 'id="history-title"')
    assert "佐藤 美咲" in history and "user:sato" not in history and ">sato<" not in history
    assert "システム(日次処理)" in history  # the enrolment and payment made here as `system`


def test_the_calendar_names_who_last_set_it(client: TestClient, world: dict[str, int], app_hosho: Hosho) -> None:
    boss = users.create_user(app_hosho, "boss", PASSWORD, "admin", "管理 花子")
    closures = SetClosures.model_validate(
        {"year": 2026, "ranges": [{"first": "2026-12-29", "last": "2027-01-03", "name": "年末年始"}]}
    )
    calendars.set_closures(app_hosho, boss.actor, "zest", closures)
    sign_in(client, "sato")
    page = client.get("/console/calendar", params={"program": "zest", "year": "2026"}).text
    assert "最終更新: 管理 花子" in page and "user:boss" not in page


def test_parts_are_offered_in_japanese(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "sato")
    page = client.get(f"/console/contracts/{world['ipro']}/repair").text
    parts = _between(page, 'id="part"', "</select>")
    assert ">冷却ファン<" in parts and ">ハードディスク(HDD)<" in parts and ">FAN<" not in parts


# --- 8. one way to write a date, 和暦 as a user's setting ---------------------------------------------------------


def test_a_user_who_chooses_wareki_reads_every_date_in_it_and_others_do_not(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "sato")
    settings = client.get("/console/settings").text
    assert 'value="seireki" checked' in settings and "令和8年12月4日(金)" in settings
    saved = client.post("/console/settings", data={"date_style": "wareki", "csrf_token": token}, follow_redirects=False)
    assert (saved.status_code, saved.headers["location"]) == (303, "/console/settings?notice=settings_saved")
    page = client.get(f"/console/contracts/{world['zest']}").text
    assert "令和4年4月1日(金)" in page and "2022年4月1日" not in page
    assert "令和4年4月1日(金)" in _between(page, 'id="history-title"')  # the trail's dates too
    case_id = app_hosho_case(app_hosho, world["ipro"])
    case = client.get(f"/console/contracts/{world['ipro']}/cases/{case_id}").text
    assert "令和8年2月9日(月) 10:00" in case and re.search(r"20\d\d年", _between(case, 'id="case-title"')) is None
    assert preferences.date_style(app_hosho, _user_id(app_hosho, "sato")).value == "wareki"
    client.cookies.clear()
    sign_in(client, "kato")  # a setting of one user is that user's alone
    assert "2022年4月1日(金)" in client.get(f"/console/contracts/{world['zest']}").text


def test_an_unknown_date_style_is_refused_and_the_stored_one_kept(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "sato")
    refused = client.post("/console/settings", data={"date_style": "julian", "csrf_token": token})
    assert refused.status_code == 422 and "お受けできません" in refused.text
    assert preferences.date_style(app_hosho, _user_id(app_hosho, "sato")).value == "seireki"
    with pytest.raises(ServiceError) as error:
        preferences.set_date_style(app_hosho, _user_id(app_hosho, "sato"), "julian")
    assert (error.value.code, error.value.field) == ("invalid_request", "date_style")


# --- 9. cases named as callers name them --------------------------------------------------------------------------


def test_the_board_and_the_case_page_name_a_case_by_subscriber_and_certificate_number(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    sign_in(client, "sato")
    certificate = contracts.get(app_hosho, ADMIN, world["ipro"]).certificate_number
    assert certificate is not None
    named = f"伊藤 誠 様 ・ 加入者証番号 {certificate} ・ 1件目のご依頼"
    board = client.get("/console/cases").text
    assert named in board and f"契約 {world['ipro']} ・" not in board
    case_id = app_hosho_case(app_hosho, world["ipro"])
    assert f"<h1>{named}</h1>" in client.get(f"/console/contracts/{world['ipro']}/cases/{case_id}").text


# --- 10. what was typed, shown in one form -------------------------------------------------------------------------


def test_furigana_phone_and_postal_code_are_shown_in_one_form_whatever_was_typed(
    client: TestClient, world: dict[str, int]
) -> None:
    sign_in(client, "sato")
    person = _between(client.get(f"/console/contracts/{world['zest']}").text, 'id="person-title"')
    assert "<dd>ヤマダ タロウ</dd>" in person and "<dd>090-1234-5678</dd>" in person and "〒100-0001" in person
    results = client.get("/console/search", params={"q": "やまだ"}).text
    assert "ヤマダ タロウ" in results and "090-1234-5678" in results


# --- 11. the change report, its address from the postal code, the API's refusal ---------------------------------


def test_the_address_is_filled_from_the_postal_code_and_the_change_reported(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "sato")
    typed = {**_record(client, world["zest"]), "postal_code": "231-0001", "address": "", "csrf_token": token}
    filled = client.post(
        f"/console/contracts/{world['zest']}/changes/address", data=typed, headers={"HX-Request": "true"}
    ).text
    assert 'value="神奈川県横浜市中区新港"' in filled and "番地・建物名を続けて入力してください" in filled
    reported = client.post(
        f"/console/contracts/{world['zest']}/changes",
        data={**typed, "address": "神奈川県横浜市中区新港1-1", "on": "2026-02-10"},
        follow_redirects=False,
    )
    assert reported.status_code == 303, reported.text
    person = contracts.get(app_hosho, ADMIN, world["zest"]).subscriber
    assert (person.postal_code, person.address, person.phone) == (
        "231-0001",
        "神奈川県横浜市中区新港1-1",
        "０９０１２３４５６７８",
    )


def test_a_postal_code_japan_post_lacks_is_said_next_to_its_field_and_nothing_changes(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "sato")
    before = contracts.get(app_hosho, ADMIN, world["zest"]).subscriber
    typed = {**_record(client, world["zest"]), "postal_code": "999-9999", "address": "どこか", "csrf_token": token}
    answer = client.post(f"/console/contracts/{world['zest']}/changes", data=typed)
    assert answer.status_code == 422
    assert 'id="e-postal_code">この郵便番号は日本郵便のデータにありません。' in answer.text
    assert contracts.get(app_hosho, ADMIN, world["zest"]).subscriber == before
    nothing = client.post(
        f"/console/contracts/{world['zest']}/changes", data={**_record(client, world["zest"]), "csrf_token": token}
    )
    assert nothing.status_code == 422 and "変更された項目がありません" in nothing.text


def test_the_api_refuses_a_postal_code_japan_post_lacks_naming_the_field_and_stores_nothing(
    world: dict[str, int], app_hosho: Hosho
) -> None:
    key = keys.create_key(app_hosho, role=Role.AGENT, name="callcenter")
    headers = {"Authorization": f"Bearer {key}"}
    body: dict[str, Any] = {
        "program": "zest",
        "plan": "kaden-5y",
        "purchase_date": "2026-02-01",
        "purchase_price": 100_000,
        "warranty_fee": 5_000,
        "subscriber": {"name": "郵便 太郎", "postal_code": "abc"},
        "equipment": [{"kind": "other", "model": "M", "serial": "S-abc"}],
    }
    with TestClient(create_app(app_hosho)) as api:
        count = api.get("/v1/contracts", headers=headers).json()["total"]
        for code in ("abc", "999-9999"):
            body["subscriber"]["postal_code"] = code
            answer = api.post("/v1/contracts", json=body, headers=headers)
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == "subscriber.postal_code"
        assert api.get("/v1/contracts", headers=headers).json()["total"] == count
        report = {"date": "2026-02-10", "fields": {"postal_code": "abc", "address": "東京都"}}
        answer = api.post(f"/v1/contracts/{world['zest']}/change-reports", json=report, headers=headers)
        assert (answer.status_code, answer.json()["field"]) == (422, "fields.postal_code")
        report["fields"]["postal_code"] = "100-0001"
        answer = api.post(f"/v1/contracts/{world['zest']}/change-reports", json=report, headers=headers)
        assert answer.status_code == 200 and answer.json()["subscriber"]["postal_code"] == "100-0001"
    assert contracts.get(app_hosho, ADMIN, world["zest"]).subscriber.address == "東京都"


# --- 12. consumable replacements overdue, and done ---------------------------------------------------------------


def test_an_overdue_replacement_is_listed_until_it_is_recorded_as_done(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    # The ipro pack bought 2022-06-01 has its replacement around 2025-06-01: eight months overdue on 2026-02-10.
    late = consumables.overdue(app_hosho, ADMIN)
    assert [(item["id"], item["around"]) for item in late] == [(world["ipro"], date(2025, 6, 1))]
    token = sign_in(client, "sato")
    page = client.get("/console/consumables").text
    overdue = _between(page, 'id="overdue-title"')
    assert (
        "伊藤 誠" in overdue and "令和" not in overdue and "2025年6月1日(日)前後" in overdue and "254日経過" in overdue
    )
    future = client.post(f"/console/consumables/{world['ipro']}/done", data={"on": "2026-02-11", "csrf_token": token})
    assert future.status_code == 422 and consumables.overdue(app_hosho, ADMIN) != []
    done = client.post(
        f"/console/consumables/{world['ipro']}/done",
        data={"on": "2026-02-10", "csrf_token": token},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, "/console/consumables?notice=replacement_done")
    assert consumables.overdue(app_hosho, ADMIN) == []
    assert 'id="overdue-title"' not in client.get("/console/consumables").text
    again = client.post(f"/console/consumables/{world['ipro']}/done", data={"on": "2026-02-10", "csrf_token": token})
    assert again.status_code == 422  # recorded once
    history = _between(client.get(f"/console/contracts/{world['ipro']}").text, 'id="history-title"')
    assert "消耗部品の交換(実施済み)" in history and "佐藤 美咲" in history


def test_a_plan_without_a_replacement_cannot_have_one_recorded(world: dict[str, int], app_hosho: Hosho) -> None:
    with pytest.raises(ServiceError) as error:
        consumables.record_done(app_hosho, ADMIN, world["zest"], on=date(2026, 2, 10))
    assert (error.value.code, error.value.field) == ("invalid_request", "contract_id")
    with pytest.raises(ServiceError) as refused:
        consumables.record_done(app_hosho, Actor("key:shop", Role.RETAILER, 1), world["ipro"], on=date(2026, 2, 10))
    assert refused.value.code == "forbidden"


# --- 13. closed pages say so ---------------------------------------------------------------------------------------


def test_a_cancelled_contracts_cancel_page_says_so_instead_of_the_form(
    client: TestClient, world: dict[str, int]
) -> None:
    token = sign_in(client, "sato")
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "0", "csrf_token": token}
    assert (
        client.post(f"/console/contracts/{world['zest']}/cancel", data=form, follow_redirects=False).status_code == 303
    )
    page = client.get(f"/console/contracts/{world['zest']}/cancel").text
    assert "このご契約は解約済みです" in page and "2026年2月10日(火)に解約しました" in page
    assert "解約を確定する" not in page and 'name="cancelled_on"' not in page


def test_a_page_or_a_contract_that_does_not_exist_says_it_is_not_found(
    client: TestClient, world: dict[str, int]
) -> None:
    sign_in(client, "sato")
    for path in (
        "/console/contracts/999999",
        "/console/no-such-page",
        f"/console/contracts/{world['zest']}/cases/9999",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert '<h1 id="error-title">見つかりません</h1>' in answer.text and "<title>見つかりません" in answer.text


# --- helpers ------------------------------------------------------------------------------------------------------


def _record(client: TestClient, contract_id: int) -> dict[str, str]:
    """The change form as the console fills it from the record (nothing changed yet)."""
    page = client.get(f"/console/contracts/{contract_id}/changes").text
    values = {}
    for name in ("on", "name", "name_kana", "phone", "postal_code", "address", "email"):
        found = re.search(rf'name="{name}" [^>]*value="([^"]*)"', page)
        assert found is not None, name
        values[name] = found.group(1)
    return values


def _user_id(hosho: Hosho, username: str) -> int:
    with hosho.reading() as session:
        return int(session.execute(select(m.User.id).where(m.User.username == username)).scalar_one())


def app_hosho_case(hosho: Hosho, contract_id: int) -> int:
    return int(contracts.get(hosho, ADMIN, contract_id).cases[0].id)
