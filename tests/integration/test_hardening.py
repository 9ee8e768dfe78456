"""Bad input and implausible data on a real database (issue 8: items 7, 8, 10, 11, 12): refused, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient

from hosho.api.app import create_app
from hosho.api.problems import status_of
from hosho.domain.calendar import JST
from hosho.service import cases, contracts, keys, lookup, refunds
from hosho.service import commands as c
from hosho.service.context import Actor, Hosho, Role, ServiceError
from tests.integration.builders import zest_enrolment
from tests.integration.test_console import (  # noqa: F401 - fixtures
    app_hosho,
    client,
    fast_hashing,
    sign_in,
    world,
)

AGENT = Actor("agent:test", Role.AGENT)
TOO_BIG = 2**63


def _refusal(call: object, *args: object, **kwargs: object) -> tuple[int, str, str | None]:
    """The refusal as the API answers it: its status (one table, api/problems.py), code and field."""
    with pytest.raises(ServiceError) as refused:
        call(*args, **kwargs)  # type: ignore[operator]
    return status_of(refused.value.code), refused.value.code, refused.value.field


def _paid(hosho: Hosho, **changes: object) -> int:
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment(**changes))
    contracts.pay_fee(hosho, AGENT, created.id, c.Pay(date=created.purchase_date))
    return created.id


def _at(day: date, hour: int = 10) -> c.RequestRepair:
    return c.RequestRepair(at=datetime(day.year, day.month, day.day, hour, tzinfo=JST), cause="normal_use")


# --- 10: dates no business would hold -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"purchase_date": date(1, 1, 1)}, "purchase_date"), ({"applied_on": date(9999, 1, 1)}, "applied_on")],
)
def test_an_enrolment_with_an_implausible_date_is_refused_naming_it(
    hosho: Hosho, changes: dict[str, date], field: str
) -> None:
    assert _refusal(contracts.enroll, hosho, AGENT, zest_enrolment(**changes)) == (422, "invalid_contract", field)


def test_a_payment_before_the_purchase_is_refused_and_issues_no_certificate(hosho: Hosho) -> None:
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment())
    assert _refusal(contracts.pay_fee, hosho, AGENT, created.id, c.Pay(date=date(2024, 3, 31))) == (
        422,
        "invalid_request",
        "date",
    )
    assert contracts.get(hosho, AGENT, created.id).certificate_number is None


def test_a_case_event_in_year_1_is_refused(hosho: Hosho) -> None:
    contract_id = _paid(hosho)
    decided = cases.request_repair(hosho, AGENT, contract_id, _at(date(2025, 6, 2)))
    visit = c.Progress(kind="visit_done", date=date(1, 1, 1))
    assert _refusal(cases.record_event, hosho, AGENT, decided.case_id, visit) == (
        422,
        "invalid_request",
        "date",
    )


# --- 11: events out of order, from what is stored -----------------------------------------------------------------


def test_a_cancellation_dated_before_a_stored_repair_request_is_out_of_order(hosho: Hosho) -> None:
    contract_id = _paid(hosho)
    assert cases.request_repair(hosho, AGENT, contract_id, _at(date(2025, 6, 2))).decision == "covered"
    assert _refusal(refunds.cancel_contract, hosho, AGENT, contract_id, c.Cancel(date=date(2025, 6, 1))) == (
        422,
        "out_of_order",
        "date",
    )
    assert _refusal(refunds.preview, hosho, AGENT, contract_id, c.Cancel(date=date(2025, 6, 1)))[1] == ("out_of_order")
    assert contracts.get(hosho, AGENT, contract_id).status == "active"


def test_a_request_dated_before_a_stored_maker_replacement_or_transfer_is_out_of_order(hosho: Hosho) -> None:
    contract_id = _paid(hosho)
    contracts.replace_by_maker(hosho, AGENT, contract_id, c.MakerReplacement(date=date(2025, 6, 10)))
    assert _refusal(cases.request_repair, hosho, AGENT, contract_id, _at(date(2025, 6, 9))) == (
        422,
        "out_of_order",
        "at",
    )
    assert _refusal(cases.preview_repair, hosho, AGENT, contract_id, _at(date(2025, 6, 9)))[1] == "out_of_order"
    contracts.transfer(hosho, AGENT, contract_id, c.TransferOwnership(date=date(2025, 7, 1)))
    assert _refusal(cases.request_repair, hosho, AGENT, contract_id, _at(date(2025, 6, 30)))[1] == "out_of_order"
    assert contracts.get(hosho, AGENT, contract_id).cases == []


def test_a_stored_case_event_orders_the_next_one_of_its_case_and_a_cancellation(hosho: Hosho) -> None:
    contract_id = _paid(hosho)
    case_id = cases.request_repair(hosho, AGENT, contract_id, _at(date(2025, 6, 2))).case_id
    assert case_id is not None
    cases.record_event(hosho, AGENT, case_id, c.Progress(kind="visit_done", date=date(2025, 6, 6)))
    repaired = c.Progress(kind="repaired", date=date(2025, 6, 5))
    assert _refusal(cases.record_event, hosho, AGENT, case_id, repaired)[1:] == (
        "out_of_order",
        "date",
    )
    # A request made earlier and entered late does not contradict the record: it is decided.
    assert cases.request_repair(hosho, AGENT, contract_id, _at(date(2025, 6, 3))).decision == "covered"
    assert _refusal(refunds.cancel_contract, hosho, AGENT, contract_id, c.Cancel(date=date(2025, 6, 5)))[1] == (
        "out_of_order"
    )
    assert refunds.cancel_contract(hosho, AGENT, contract_id, c.Cancel(date=date(2025, 6, 6))).status == ("cancelled")


# --- 7: repair requests at the ends of the calendar ---------------------------------------------------------------


@pytest.fixture
def api(hosho: Hosho) -> Iterator[tuple[TestClient, dict[str, str]]]:
    key = keys.create_key(hosho, role=Role.AGENT, name="callcenter")
    with TestClient(create_app(hosho)) as test_client:
        yield test_client, {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-12:00"])
def test_a_repair_preview_at_the_ends_of_the_calendar_is_refused_naming_the_time(
    hosho: Hosho, api: tuple[TestClient, dict[str, str]], at: str
) -> None:
    http, headers = api
    contract_id = _paid(hosho)
    for path in ("repair-requests/preview", "repair-requests"):
        answer = http.post(
            f"/v1/contracts/{contract_id}/{path}", json={"at": at, "cause": "normal_use"}, headers=headers
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "at"


# --- 12: phones and service modes ---------------------------------------------------------------------------------


def test_a_phone_without_digits_is_refused_and_a_search_for_percent_finds_nothing(hosho: Hosho) -> None:
    person = zest_enrolment().subscriber
    for phone in ("%", "---", "⑳" * 40):
        application = zest_enrolment(subscriber=person.model_copy(update={"phone": phone}))
        assert _refusal(contracts.enroll, hosho, AGENT, application) == (422, "invalid_contract", "subscriber.phone")
    contract_id = _paid(hosho)
    assert _refusal(
        contracts.report_changes,
        hosho,
        AGENT,
        contract_id,
        c.ReportChange(date=date(2025, 1, 1), fields={"phone": "%"}),
    ) == (422, "invalid_request", "fields.phone")
    assert lookup.search(hosho, AGENT, phone="%").total == 0
    assert lookup.search(hosho, AGENT, phone="09012345678").total == 1


def test_a_service_mode_the_plan_lacks_is_refused_naming_the_item(hosho: Hosho) -> None:
    item = zest_enrolment().equipment[0]
    other = item.model_copy(update={"serial": "SN-0002", "service_mode": "sendback"})
    application = zest_enrolment(equipment=[item, other])
    assert _refusal(contracts.enroll, hosho, AGENT, application) == (
        422,
        "invalid_contract",
        "equipment[1].service_mode",
    )


# --- 8: the console: ids, pages and amounts too large ------------------------------------------------------------


def test_console_ids_too_large_for_the_database_are_not_found(
    client: TestClient,  # noqa: F811
    world: dict[str, int],  # noqa: F811
) -> None:
    token = sign_in(client, "admin")
    for path in ("", "/cancel", "/repair", "/certificate.pdf", "/cases/1", f"/cases/{TOO_BIG}"):
        answer = client.get(f"/console/contracts/{TOO_BIG}{path}")
        assert answer.status_code == 404, path
        assert "お探しの情報は見つかりませんでした" in answer.text
    case_path = f"/console/contracts/{world['R1']}/cases/{TOO_BIG}/events"
    answer = client.post(case_path, data={"csrf_token": token, "kind": "visit_done", "on": "2026-02-10"})
    assert answer.status_code == 404


def test_a_consumables_page_far_past_the_end_shows_an_empty_page(
    client: TestClient,  # noqa: F811
    world: dict[str, int],  # noqa: F811
) -> None:
    sign_in(client, "agent")
    answer = client.get("/console/consumables", params={"page": "4611686018427387904"})
    assert answer.status_code == 200
    assert "消耗" in answer.text


def test_a_transfer_fee_of_5000_digits_is_a_form_error_in_japanese(
    client: TestClient,  # noqa: F811
    world: dict[str, int],  # noqa: F811
) -> None:
    token = sign_in(client, "agent")
    form = {"csrf_token": token, "cancelled_on": "2026-02-10", "reason": "customer", "transfer_fee": "9" * 5000}
    path = f"/console/contracts/{world['R1']}/cancel"
    preview = client.post(f"{path}/preview", data=form)
    assert preview.status_code == 200
    assert "振込手数料は100,000,000,000円以下で入力してください。" in preview.text
    confirm = client.post(path, data=form, follow_redirects=False)
    assert confirm.status_code == 422
    assert "振込手数料は100,000,000,000円以下で入力してください。" in confirm.text


def test_a_console_repair_preview_in_year_1_or_out_of_order_is_refused_in_japanese(
    client: TestClient,  # noqa: F811
    world: dict[str, int],  # noqa: F811
    app_hosho: Hosho,  # noqa: F811
) -> None:
    token = sign_in(client, "agent")
    path = f"/console/contracts/{world['R1']}/repair/preview"
    form = {"csrf_token": token, "cause": "normal_use", "needs_parts": "on", "claim": "repair", "country": "JP"}
    year_1 = client.post(path, data={**form, "requested_at": "0001-01-01T00:00"})
    assert year_1.status_code == 422
    assert "入力内容をご確認ください。" in year_1.text
    cases.request_repair(app_hosho, AGENT, world["R1"], _at(date(2026, 2, 9)))
    cancel_path = f"/console/contracts/{world['R1']}/cancel/preview"
    earlier = client.post(cancel_path, data={"csrf_token": token, "cancelled_on": "2026-02-08", "reason": "customer"})
    assert "この日付より後の記録(修理依頼・解約など)がすでにあります。" in earlier.text
