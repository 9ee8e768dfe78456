"""The console over HTTP (no browser): sign-in, sessions, CSRF, roles and retailer scoping, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from io import BytesIO

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import text

from hosho.console import mount_console
from hosho.console.app import date_ja, datetime_ja
from hosho.console.security import COOKIE
from hosho.domain.calendar import JST
from hosho.engine import Engine
from hosho.presentation.formats import DateStyle
from hosho.service import commands, consumables, contracts, keys, payouts, users
from hosho.service.commands import Enrol, EquipmentItem, Pay, Site, Subscriber
from hosho.service.consumables import purchase_window
from hosho.service.context import Actor, Hosho, Role, ServiceError, create_hosho

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
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at its smallest cost: these tests are about sessions and roles, not the hash's strength."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", lambda: cheap)


@pytest.fixture
def world(app_hosho: Hosho, fast_hashing: None) -> dict[str, int]:
    """Two retailers with one paid contract each, and one user of every role."""
    keys.ensure_retailer(app_hosho, code="R1", name="量販店1")
    keys.ensure_retailer(app_hosho, code="R2", name="量販店2")
    ids = {}
    for code, name, phone in (("R1", "山田 太郎", "090-1234-5678"), ("R2", "山田 花子", "090-8765-4321")):
        created, _ = contracts.enroll(
            app_hosho,
            ADMIN,
            Enrol(
                program="zest",
                plan="kaden-5y",
                purchase_date=date(2024, 4, 1),
                purchase_price=100_000,
                warranty_fee=5_000,
                subscriber=Subscriber(name=name, phone=phone),
                equipment=(EquipmentItem(kind="other", model="NA-VX1", serial=f"SN-{code}"),),
                retailer=code,
            ),
        )
        contracts.pay_fee(app_hosho, ADMIN, created.id, Pay(date=date(2024, 4, 1)))
        ids[code] = created.id
    for role in ("admin", "agent", "technician"):
        users.create_user(app_hosho, role, PASSWORD, role, f"{role}さん")
    users.create_user(app_hosho, "shop1", PASSWORD, "retailer", "量販店1の担当", retailer="R1")
    return ids


@pytest.fixture
def client(app_hosho: Hosho) -> Iterator[TestClient]:
    app = FastAPI()
    mount_console(app, app_hosho, secret_key=SECRET)
    with TestClient(app) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = _token(client.get("/console/login").text)
    answer = client.post(
        "/console/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return _token(client.get("/console/").text)


def _token(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


def test_a_page_sends_a_stranger_to_sign_in_and_back(client: TestClient, world: dict[str, int]) -> None:
    answer = client.get(f"/console/contracts/{world['R1']}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/console/login?next=%2Fconsole%2Fcontracts%2F{world['R1']}"
    htmx = client.get("/console/search?q=yamada", headers={"HX-Request": "true"}, follow_redirects=False)
    assert (htmx.status_code, htmx.headers["HX-Redirect"]) == (
        200,
        "/console/login?next=%2Fconsole%2Fsearch%3Fq%3Dyamada",
    )


def test_a_wrong_password_and_an_unknown_user_get_the_same_polite_refusal(
    client: TestClient, world: dict[str, int]
) -> None:
    token = _token(client.get("/console/login").text)
    for username, password in (("agent", "wrong-password-1"), ("nobody", PASSWORD)):
        answer = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
        assert answer.status_code == 200
        assert "ユーザー名またはパスワードが正しくありません。" in answer.text
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_signing_in_leads_to_the_page_asked_for_but_never_off_the_console(
    client: TestClient, world: dict[str, int]
) -> None:
    for asked, landed in (
        (f"/console/contracts/{world['R1']}", f"/console/contracts/{world['R1']}"),
        ("https://phishing.example/console/", "/console/"),
        ("//phishing.example/console/", "/console/"),
    ):
        client.cookies.clear()
        token = _token(client.get("/console/login").text)
        answer = client.post(
            "/console/login",
            data={"username": "agent", "password": PASSWORD, "csrf_token": token, "next": asked},
            follow_redirects=False,
        )
        assert answer.headers["location"] == landed


def test_the_session_cookie_is_signed_http_only_and_same_site_lax(client: TestClient, world: dict[str, int]) -> None:
    client.get("/console/login")
    token = _token(client.get("/console/login").text)
    answer = client.post(
        "/console/login",
        data={"username": "agent", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    value = client.cookies[COOKIE]
    payload, signature = value.split(".")
    client.cookies.set(COOKIE, f"{payload}.{'A' * len(signature)}", path="/console")
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_sign_in_without_the_forms_token_is_rejected(client: TestClient, world: dict[str, int]) -> None:
    answer = client.post("/console/login", data={"username": "agent", "password": PASSWORD})
    assert answer.status_code == 403
    assert "セッションの有効期限が切れたか" in answer.text


def test_a_post_without_the_sessions_csrf_token_is_rejected_and_changes_nothing(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "0"}
    url = f"/console/contracts/{world['R1']}/cancel"
    assert client.post(url, data=form).status_code == 403
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403
    cross_site = client.post(url, data={**form, "csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert contracts.get(app_hosho, ADMIN, world["R1"]).status == "active"
    done = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/console/contracts/{world['R1']}?notice=cancelled")


def test_htmx_sends_the_token_as_a_header(client: TestClient, world: dict[str, int]) -> None:
    token = sign_in(client, "agent")
    url = f"/console/contracts/{world['R1']}/repair/preview"
    form = {"requested_at": "2026-02-10T11:00", "cause": "normal_use", "needs_parts": "on", "claim": "repair"}
    assert client.post(url, data=form, headers={"HX-Request": "true"}).status_code == 403
    answer = client.post(url, data={**form, "country": "JP"}, headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert answer.status_code == 200
    assert "保証の対象です" in answer.text and "第3条" in answer.text


def test_a_second_cancellation_refunds_nothing_more(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "330", "csrf_token": token}
    url = f"/console/contracts/{world['R1']}/cancel"
    assert client.post(url, data=form, follow_redirects=False).headers["location"].endswith("notice=cancelled")
    again = client.post(url, data=form, follow_redirects=False)
    assert again.headers["location"].endswith("notice=already_cancelled")
    assert contracts.get(app_hosho, ADMIN, world["R1"]).refund == 1_920
    assert "追加の返金はありません" in client.get(again.headers["location"]).text


def test_a_technician_may_record_repairs_but_not_cancel(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "technician")
    assert client.get("/console/cases").status_code == 200
    page = client.get(f"/console/contracts/{world['R1']}/cancel")
    assert page.status_code == 403
    assert "この操作を行う権限がありません。" in page.text
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "0", "csrf_token": token}
    assert client.post(f"/console/contracts/{world['R1']}/cancel", data=form).status_code == 403
    assert client.get(f"/console/contracts/{world['R1']}/repair").status_code == 403
    assert contracts.get(app_hosho, ADMIN, world["R1"]).status == "active"


def test_a_retailer_sees_only_its_own_contracts_and_no_repair_desk(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "shop1")
    found = client.get("/console/search?q=山田", headers={"HX-Request": "true"})
    assert "山田 太郎" in found.text and "山田 花子" not in found.text
    assert client.get(f"/console/contracts/{world['R1']}").status_code == 200
    for path in (f"/console/contracts/{world['R2']}", f"/console/contracts/{world['R2']}/certificate.pdf"):
        hidden = client.get(path)
        assert hidden.status_code == 404
        assert "お探しの情報は見つかりませんでした" in hidden.text
    assert client.get("/console/cases").status_code == 403
    assert client.get(f"/console/contracts/{world['R1']}/repair").status_code == 403
    assert client.get(f"/console/contracts/{world['R1']}/cancel").status_code == 200


def test_signing_out_ends_the_session(client: TestClient, world: dict[str, int]) -> None:
    token = sign_in(client, "admin")
    answer = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.headers["location"] == "/console/login?notice=signed_out"
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_pages_forbid_inline_scripts_framing_and_caching(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "agent")
    page = client.get(f"/console/contracts/{world['R1']}")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/console/static/htmx.min.js").status_code == 200


def test_the_certificate_pdf_downloads_with_a_cookie(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "agent")
    answer = client.get(f"/console/contracts/{world['R1']}/certificate.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")


def test_an_ended_contract_s_button_and_certificate_carry_its_status(
    client: TestClient, app_hosho: Hosho, world: dict[str, int]
) -> None:
    sign_in(client, "agent")
    page = client.get(f"/console/contracts/{world['R1']}").text
    assert "加入者証(PDF)をダウンロード" in page
    contracts.transfer(app_hosho, ADMIN, world["R1"], commands.TransferOwnership(date=date(2025, 6, 1)))
    page = client.get(f"/console/contracts/{world['R1']}").text
    assert "加入者証(PDF・「譲渡により終了」と表示)をダウンロード" in page
    answer = client.get(f"/console/contracts/{world['R1']}/certificate.pdf")
    assert answer.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(answer.content)).pages)
    assert "【譲渡により終了】" in text and "2025年6月1日" in text
    app_hosho.clock = lambda: datetime(2029, 4, 1, 10, 0, tzinfo=JST)  # the day after R2's last day of cover
    sign_in(client, "agent")  # years later: the session has long expired
    assert "加入者証(PDF・「期間満了」と表示)をダウンロード" in client.get(f"/console/contracts/{world['R2']}").text


def test_a_program_without_a_call_center_phone_gets_a_japanese_refusal_not_a_certificate(
    client: TestClient, app_hosho: Hosho, world: dict[str, int]
) -> None:
    sign_in(client, "agent")
    versions = app_hosho.rules.catalog.program("zest").versions
    saved = [version.call_center for version in versions]
    try:
        for version, call_center in zip(versions, saved, strict=True):
            object.__setattr__(version, "call_center", replace(call_center, phone=None))
        answer = client.get(f"/console/contracts/{world['R1']}/certificate.pdf")
    finally:
        for version, call_center in zip(versions, saved, strict=True):
            object.__setattr__(version, "call_center", call_center)
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert "コールセンターの電話番号が設定されていないため、加入者証を作成できません" in answer.text


def test_a_password_is_kept_only_as_an_argon2id_hash(app_hosho: Hosho) -> None:
    users.create_user(app_hosho, "agent", PASSWORD, "agent", "担当")
    with app_hosho.reading() as session:
        stored = session.execute(text("select password_hash from users where username = 'agent'")).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in stored
    assert users.authenticate_user(app_hosho, "agent", PASSWORD) is not None
    assert users.authenticate_user(app_hosho, "agent", PASSWORD.upper()) is None


def test_users_refuse_weak_input_and_fold_the_width_of_names(app_hosho: Hosho, world: dict[str, int]) -> None:
    for bad in (
        {"username": "x", "password": "short", "role": "agent"},
        {"username": "has space", "password": PASSWORD, "role": "agent"},
        {"username": "shop2", "password": PASSWORD, "role": "retailer"},
        {"username": "shop3", "password": PASSWORD, "role": "retailer", "retailer": "R9"},
    ):
        with pytest.raises(ServiceError) as refused:
            users.create_user(app_hosho, display_name="x", **bad)  # type: ignore[arg-type]
        assert refused.value.code == "invalid_request", bad
    with pytest.raises(ServiceError) as duplicate:
        users.create_user(app_hosho, "agent", PASSWORD, "agent", "二人目")
    assert duplicate.value.code == "conflict"
    user = users.authenticate_user(app_hosho, "ａｇｅｎｔ", PASSWORD)  # full-width name folds to the same user
    assert user is not None and user.actor == Actor("user:agent", Role.AGENT, None)


def test_a_29_february_purchase_is_due_on_28_february_three_years_on() -> None:
    assert purchase_window(date(2027, 2, 28), date(2027, 2, 28), 3) == (date(2024, 2, 28), date(2024, 2, 29))
    assert purchase_window(date(2027, 3, 1), date(2027, 5, 31), 3) == (date(2024, 3, 1), date(2024, 5, 31))


def test_consumable_replacements_due_are_those_of_plans_that_include_one(app_hosho: Hosho) -> None:
    keys.ensure_retailer(app_hosho, code="R1", name="量販店1")
    for plan, bought in (
        ("onsite-5y", date(2023, 3, 1)),
        ("onsite-3y", date(2023, 3, 1)),
        ("onsite-5y", date(2023, 9, 1)),
    ):
        created, _ = contracts.enroll(
            app_hosho,
            ADMIN,
            Enrol(
                program="ipro",
                plan=plan,
                purchase_date=bought,
                operation_start_date=bought,
                subscriber=Subscriber(name="田中 一郎", phone="03-1234-5678"),
                site=Site(postal_code="1000001"),
                equipment=(
                    EquipmentItem(kind="camera", model="WV-X1", serial=f"CAM-{plan}-{bought}"),
                    EquipmentItem(kind="recorder", model="WJ-NX1", serial=f"REC-{plan}-{bought}"),
                ),
                retailer="R1",
            ),
        )
        contracts.pay_fee(app_hosho, ADMIN, created.id, Pay(date=bought))
    due = consumables.due_for_replacement(app_hosho, ADMIN, months=3)
    assert [(item["plan"], item["around"], item["days_until"]) for item in due["items"]] == [
        ("onsite-5y", date(2026, 3, 1), 19)
    ]
    assert (due["from"], due["to"]) == (date(2026, 2, 10), date(2026, 5, 9))
    other_shop = Actor("key:r2", Role.RETAILER, retailer_id=999)
    assert consumables.due_for_replacement(app_hosho, other_shop, months=3)["total"] == 0


def test_the_case_history_writes_every_date_one_way(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    created, _ = contracts.enroll(
        app_hosho,
        ADMIN,
        commands.Enrol.model_validate(
            {
                "program": "ipro",
                "plan": "sendback-5y",
                "purchase_date": "2024-06-01",
                "operation_start_date": "2024-06-01",
                "subscriber": {"name": "高橋 恵", "phone": "06-3333-4444"},
                "site": {"postal_code": "2310001"},
                "equipment": [
                    {"kind": "camera", "model": "WV-S1136", "serial": "CAM-2001"},
                    {"kind": "recorder", "model": "WJ-NX200", "serial": "REC-2001"},
                ],
            }
        ),
    )
    contracts.pay_fee(app_hosho, ADMIN, created.id, commands.Pay(date=date(2024, 6, 2)))
    token = sign_in(client, "admin")  # takes the request and records the arrival
    requested = client.post(
        f"/console/contracts/{created.id}/repair",
        data={"requested_at": "2026-02-10T10:00", "cause": "normal_use", "needs_parts": "on", "csrf_token": token},
        follow_redirects=False,
    )
    assert requested.status_code == 303, requested.text
    case_url = requested.headers["location"].split("?")[0]
    arrival = {"kind": "item_arrived", "on": "2026-02-12", "repairable": "on", "csrf_token": token}
    assert client.post(f"{case_url}/events", data=arrival, follow_redirects=False).status_code == 303
    page = client.get(case_url).text
    history = page[page.index('id="events-title"') :]
    assert "2026年2月10日(火) 11:00" in history  # when each event was recorded
    assert "2026年2月12日(木)" in history  # the day the item arrived
    assert "修理完了の目安: 2026年2月18日(水)" in history  # 4 business days after it
    assert re.search(r"\d{4}-\d{2}-\d{2}", history) is None
    contract_page = client.get(f"/console/contracts/{created.id}").text
    trail = contract_page[contract_page.index('id="history-title"') :]
    assert "支払日: 2024年6月2日(日)" in trail
    assert re.search(r"\d{4}-\d{2}-\d{2}", trail) is None


def test_the_consoles_date_filters_read_iso_text_and_take_the_style_a_user_setting_will_choose() -> None:
    assert date_ja("2026-12-04") == "2026年12月4日(金)"  # dates kept as ISO text in an event's data
    assert date_ja(date(2026, 12, 4), DateStyle.WAREKI) == "令和8年12月4日(金)"
    assert datetime_ja("2026-12-04T23:30:00+00:00") == "2026年12月5日(土) 08:30"
    assert date_ja(None) == "—"


def test_a_fee_the_cancel_command_refuses_is_said_next_to_its_field_and_cancels_nothing(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    # Digits only, so the form reads it; above 1,000億円, so the form says the bound next to the field.
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "100000000001", "csrf_token": token}
    url = f"/console/contracts/{world['R1']}/cancel"
    said = "振込手数料は100,000,000,000円以下で入力してください。"
    preview = client.post(f"{url}/preview", data=form)
    assert said in preview.text
    confirmed = client.post(url, data=form, follow_redirects=False)
    assert confirmed.status_code == 422 and said in confirmed.text
    assert contracts.get(app_hosho, ADMIN, world["R1"]).status == "active"


def test_a_request_the_service_refuses_for_one_field_is_said_next_to_that_field(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    # Beyond the business calendar (holidays are known to 2060): the rules refuse the time, naming `at`.
    form = {"requested_at": "2099-02-10T11:00", "cause": "normal_use", "needs_parts": "on", "claim": "repair"}
    url = f"/console/contracts/{world['R1']}/repair"
    preview = client.post(f"{url}/preview", data={**form, "country": "JP", "csrf_token": token})
    assert preview.status_code == 422 and "依頼日時をご確認ください。" in preview.text
    saved = client.post(url, data={**form, "country": "JP", "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 422 and "依頼日時をご確認ください。" in saved.text
    assert contracts.get(app_hosho, ADMIN, world["R1"]).cases == []


ACCOUNT = {
    "bank_code": "0005",
    "branch_code": "001",
    "account_type": "1",
    "account_number": "7654",
    "holder": "ヤマダ　タロウ",
}


def test_a_cancellation_with_the_refunds_bank_account_is_ready_to_pay_at_once(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    url = f"/console/contracts/{world['R1']}/cancel"
    page = client.get(url).text
    assert "返金の振込先(任意)" in page and 'name="bank_code"' in page and 'name="holder"' in page
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "330", "csrf_token": token}
    done = client.post(url, data={**form, **ACCOUNT}, follow_redirects=False)
    assert done.headers["location"].endswith("notice=cancelled")
    (refund,) = payouts.refunds(app_hosho, ADMIN).items
    assert (refund.contract_id, refund.amount, refund.status) == (world["R1"], 1_920, "ready")
    assert refund.account is not None
    assert (refund.account.bank_name, refund.account.branch_name, refund.account.holder) == (
        "三菱ＵＦＪ",
        "本店",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
    )


def test_a_cancellation_without_an_account_waits_for_one(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "330", "csrf_token": token}
    client.post(f"/console/contracts/{world['R1']}/cancel", data=form, follow_redirects=False)
    (refund,) = payouts.refunds(app_hosho, ADMIN).items
    assert (refund.status, refund.account) == ("awaiting_account", None)


@pytest.mark.parametrize(
    ("given", "field", "said"),
    [
        ({"bank_code": "9999"}, "bank_code", "銀行コード(4桁): この口座には振り込めません。"),
        ({"branch_code": "999"}, "branch_code", "支店コード(3桁): この口座には振り込めません。"),
        ({"holder": "山田太郎"}, "holder", "口座名義(カナ): この口座には振り込めません。"),
        ({"account_number": ""}, "account_number", "口座番号(7桁まで)を入力してください"),
    ],
)
def test_an_account_that_cannot_be_paid_is_said_at_its_field_and_nothing_is_cancelled(
    client: TestClient, world: dict[str, int], app_hosho: Hosho, given: dict[str, str], field: str, said: str
) -> None:
    token = sign_in(client, "agent")
    form = {"cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "330", "csrf_token": token}
    answer = client.post(f"/console/contracts/{world['R1']}/cancel", data={**form, **ACCOUNT, **given})
    assert answer.status_code == 422
    assert f'<p class="problem" id="e-{field}">{said}' in answer.text
    assert f'id="{field}"' in answer.text and 'aria-invalid="true"' in answer.text
    assert f'value="{ACCOUNT["holder"] if field != "holder" else given["holder"]}"' in answer.text  # kept as typed
    assert contracts.get(app_hosho, ADMIN, world["R1"]).status == "active"
    assert payouts.refunds(app_hosho, ADMIN).items == []
