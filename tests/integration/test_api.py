"""The REST API over HTTP (TestClient) on SQLite and PostgreSQL: the routes, keys and roles, problems and logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm.exc import StaleDataError

from hosho.api.app import create_app
from hosho.api.auth import KeyCache
from hosho.certificates.pdf import FONT_ENV
from hosho.service import cases, contracts, keys, lookup
from hosho.service.context import Hosho, Role

NAME, KANA, PHONE = "山田 太郎", "ヤマダ タロウ", "090-1234-5678"
ADDRESS, EMAIL = "東京都千代田区千代田1-1", "taro@example.jp"
PROBLEM = "application/problem+json"


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str = "agent", **params: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), params=params)

    def post(self, path: str, body: dict[str, Any], who: str = "agent", **headers: str) -> Any:
        return self.client.post(path, json=body, headers={**self.headers(who), **headers})


@pytest.fixture
def api(hosho: Hosho) -> Iterator[Api]:
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")
    created = {
        "agent": keys.create_key(hosho, role=Role.AGENT, name="callcenter"),
        "technician": keys.create_key(hosho, role=Role.TECHNICIAN, name="desk"),
        "r1": keys.create_key(hosho, role=Role.RETAILER, name="shop-r1", retailer="R1"),
        "r2": keys.create_key(hosho, role=Role.RETAILER, name="shop-r2", retailer="R2"),
    }
    with TestClient(create_app(hosho)) as client:
        yield Api(client, created)


def ipro(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "program": "ipro",
        "plan": "onsite-5y",
        "purchase_date": "2025-03-01",
        "operation_start_date": "2025-03-10",
        "equipment": [
            {"kind": "camera", "model": "WV-X86530", "serial": "C1"},
            {"kind": "recorder", "model": "WJ-NX510", "serial": "R1"},
        ],
        "site": {"postal_code": "100-0001"},
        "subscriber": {"name": NAME, "name_kana": KANA, "phone": PHONE, "email": EMAIL, "address": ADDRESS},
    }
    return {**body, **changes}


def zest(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "program": "zest",
        "plan": "kaden-5y",
        "purchase_date": "2024-04-01",
        "purchase_price": 100_000,
        "warranty_fee": 5_000,
        "equipment": [{"kind": "other", "model": "NA-VX1", "serial": "SN-0001"}],
        "subscriber": {"name": NAME, "name_kana": KANA, "phone": PHONE},
    }
    return {**body, **changes}


def enrolled_and_paid(api: Api, body: dict[str, Any], paid_on: str, who: str = "agent") -> dict[str, Any]:
    created = api.post("/v1/contracts", body, who)
    assert created.status_code == 201, created.json()
    paid = api.post(f"/v1/contracts/{created.json()['id']}/payment", {"date": paid_on}, who)
    assert paid.status_code == 200, paid.json()
    result: dict[str, Any] = paid.json()
    return result


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, f"https://hosho.dev/problems/{code}")
    return body


def test_a_maintenance_pack_lives_from_enrolment_to_cancellation(api: Api) -> None:
    created = api.post("/v1/contracts", ipro())
    assert created.status_code == 201
    contract = created.json()
    assert (contract["status"], contract["certificate_number"]) == ("pending", None)
    assert created.headers["location"] == f"/v1/contracts/{contract['id']}"
    assert "その他の留意事項(5)" in contract["clauses"]  # the whole system rule the enrolment rests on
    cid = contract["id"]

    paid = api.post(f"/v1/contracts/{cid}/payment", {"date": "2025-03-12"}).json()
    assert paid["status"] == "active"
    assert paid["certificate_number"].startswith("IPRO-2025-")
    assert paid["certificate_issued_on"] == "2025-03-12"

    pdf = api.client.get(f"/v1/contracts/{cid}/certificate.pdf", headers=api.headers("agent"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    decision = api.post(f"/v1/contracts/{cid}/repair-requests", {"at": "2026-06-10T10:00:00", "cause": "normal_use"})
    assert decision.status_code == 201
    answer = decision.json()
    assert (answer["decision"], answer["received_on"], answer["visit_by"]) == ("covered", "2026-06-10", "2026-06-12")
    assert answer["requested_at"] == "2026-06-10T10:00:00+09:00"  # a naive time is JST
    texts = {clause["label"]: clause["text"] for clause in answer["clauses"]}
    assert {"契約期間内の修理における部品代は無償対応", "サービス期間", "コール受付", "修理日数の目安"} <= set(texts)
    assert all(texts.values())
    assert answer["deadline"]["business_days"] == 2
    assert answer["case_id"] is not None and answer["contract_status"] == "active"

    preview = api.get(f"/v1/contracts/{cid}/refund-preview", date="2026-07-01", transfer_fee=330).json()
    cancelled = api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2026-07-01", "transfer_fee": 330})
    assert cancelled.status_code == 200
    refund = cancelled.json()
    assert (refund["refund"], refund["status"], refund["reason"]) == (0, "cancelled", "customer")
    assert [c["label"] for c in refund["clauses"]] == ["その他の留意事項(6)"] and refund["clauses"][0]["text"]
    assert preview["refund"] == refund["refund"] and preview["clauses"] == refund["clauses"]

    trail = api.get(f"/v1/contracts/{cid}/audit").json()
    assert [entry["action"] for entry in trail] == [
        "contract.enrolled",
        "contract.paid",
        "case.requested",
        "contract.cancelled",
    ]
    assert {entry["actor"] for entry in trail} == {"key:callcenter"}
    assert trail[-1]["after"]["status"] == "cancelled"


def test_a_customer_cancellation_refunds_the_previewed_amount_once(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    preview = api.get(f"/v1/contracts/{cid}/refund-preview", date="2025-04-01", transfer_fee=330)
    assert preview.status_code == 200
    assert preview.json()["refund"] == 2_670
    assert preview.json()["breakdown"] == {
        "bracket": 1,
        "bracket_ends": preview.json()["breakdown"]["bracket_ends"],
        "rate": "3%",
        "gross": 3_000,
        "transfer_fee": 330,
    }
    first = api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2025-04-01", "transfer_fee": 330})
    assert (first.status_code, first.json()["refund"], first.json()["status"]) == (200, 2_670, "cancelled")
    again = api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2025-04-02"})
    assert assert_problem(again, 409, "contract_not_active")["field"] is None
    assert api.get(f"/v1/contracts/{cid}").json()["refund"] == 2_670


def test_search_finds_by_half_width_phone_kana_and_certificate_number(api: Api) -> None:
    paid = enrolled_and_paid(api, zest(), "2024-04-01")
    enrolled_and_paid(
        api,
        zest(
            equipment=[{"kind": "other", "model": "NA-VX1", "serial": "SN-0002"}],
            subscriber={"name": "佐藤 花子", "name_kana": "サトウ ハナコ", "phone": "03-1111-2222"},
        ),
        "2024-04-01",
    )
    number = paid["certificate_number"]
    for query in (
        {"phone": "09012345678"},
        {"phone": "０９０－１２３４－５６７８"},
        {"name": "ﾔﾏﾀﾞ"},
        {"name": "やまだ"},
        {"name": "山田"},
        {"certificate_number": number},
        {"certificate_number": number.replace("-", "").lower()},
        {"serial": "sn0001"},
    ):
        found = api.get("/v1/contracts", **query).json()
        assert (found["total"], [item["id"] for item in found["items"]]) == (1, [paid["id"]]), query
    assert api.get("/v1/contracts", name="ヤマモト").json()["total"] == 0
    assert api.get("/v1/contracts", status="active", program="zest").json()["total"] == 2


def test_pages_hold_per_page_contracts_and_the_total(api: Api) -> None:
    ids = []
    for n in range(5):
        body = zest(equipment=[{"kind": "other", "model": "NA-VX1", "serial": f"SN-{n}"}])
        ids.append(api.post("/v1/contracts", body).json()["id"])
    pages = [api.get("/v1/contracts", page=page, per_page=2).json() for page in (1, 2, 3, 4)]
    assert [[item["id"] for item in page["items"]] for page in pages] == [ids[0:2], ids[2:4], ids[4:5], []]
    assert {(page["total"], page["per_page"]) for page in pages} == {(5, 2)}
    assert api.get("/v1/contracts").json()["per_page"] == 20
    too_many = assert_problem(api.get("/v1/contracts", per_page=101), 422, "invalid_request")
    assert too_many["field"] == "per_page"
    assert assert_problem(api.get("/v1/contracts", page=0), 422, "invalid_request")["field"] == "page"


def test_a_missing_or_unknown_key_is_401_and_the_health_check_needs_none(api: Api) -> None:
    assert api.client.get("/v1/health").json() == {"status": "ok"}
    missing = assert_problem(api.client.get("/v1/contracts"), 401, "unauthorized")
    assert missing["title"] == "認証が必要です。サインインするか、APIキーを指定してください。"
    assert api.client.get("/v1/contracts").headers["www-authenticate"].startswith("Bearer")
    for headers in (
        {"Authorization": "Bearer hsk_000000000000_nope"},
        {"X-API-Key": "not-a-key"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ):
        assert_problem(api.client.get("/v1/programs", headers=headers), 401, "unauthorized")
    assert api.client.get("/v1/programs", headers={"X-API-Key": api.keys["agent"]}).status_code == 200


def test_a_role_without_the_right_is_403(api: Api) -> None:
    refused = assert_problem(api.post("/v1/contracts", zest(), "technician"), 403, "forbidden")
    assert refused["detail"] == "この操作を行う権限がありません。"
    english = api.post("/v1/contracts", zest(), "technician", **{"Accept-Language": "en"}).json()
    assert english["detail"] == "You are not allowed to do this. This key's role may not enrol contracts."
    cid = enrolled_and_paid(api, zest(retailer="R1"), "2024-04-01")["id"]
    repair = {"at": "2026-02-10T11:00:00+09:00", "cause": "normal_use"}
    assert_problem(api.post(f"/v1/contracts/{cid}/repair-requests", repair, "r1"), 403, "forbidden")


def test_a_retailer_key_sees_only_its_own_channel(api: Api) -> None:
    mine = enrolled_and_paid(api, zest(), "2024-04-01", who="r1")
    assert mine["retailer"] == "R1"
    cid = mine["id"]
    assert api.get(f"/v1/contracts/{cid}", "r1").status_code == 200
    for path in (f"/v1/contracts/{cid}", f"/v1/contracts/{cid}/certificate.pdf", f"/v1/contracts/{cid}/audit"):
        assert_problem(api.get(path, "r2"), 404, "not_found")
    assert_problem(api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2025-04-01"}, "r2"), 404, "not_found")
    assert api.get("/v1/contracts", "r2", name="山田").json()["total"] == 0
    assert api.get("/v1/contracts", "agent", name="山田").json()["total"] == 1


def test_a_malformed_body_is_a_422_problem_naming_the_first_field(api: Api) -> None:
    body = zest(subscriber={"phone": PHONE}, purchase_price=100_000.5, colour="red")
    problem = assert_problem(api.post("/v1/contracts", body), 422, "invalid_request")
    fields = [error["field"] for error in problem["errors"]]
    assert problem["field"] == fields[0]
    assert set(fields) == {"purchase_price", "subscriber.name", "colour"}
    assert PHONE not in str(problem["errors"])  # the input is not echoed back
    equipment = zest(equipment=[{"kind": "Toaster!", "model": "X", "serial": "1"}])
    assert assert_problem(api.post("/v1/contracts", equipment), 422, "invalid_request")["field"] == "equipment.0.kind"
    # A well-formed kind that the program does not define: the program's data refuses it, as an unknown plan.
    toaster = zest(equipment=[{"kind": "toaster", "model": "X", "serial": "1"}])
    assert assert_problem(api.post("/v1/contracts", toaster), 422, "invalid_contract")["field"] == "equipment.0.kind"
    broken = api.client.post(
        "/v1/contracts", content=b"{not json", headers={**api.headers("agent"), "Content-Type": "application/json"}
    )
    assert assert_problem(broken, 422, "invalid_request")["field"] == "body"
    not_utf8 = api.client.post(
        "/v1/contracts", content=b'{"a": "\xff"}', headers={**api.headers("agent"), "Content-Type": "application/json"}
    )
    assert assert_problem(not_utf8, 422, "invalid_request")["field"] == "body"
    nul = zest(subscriber={"name": "山田\x00太郎"}, equipment=[{"kind": "other", "model": "M", "serial": "S\x07"}])
    problem = assert_problem(api.post("/v1/contracts", nul), 422, "invalid_request")
    assert [error["field"] for error in problem["errors"]] == ["equipment.0.serial", "subscriber.name"]


def test_a_contract_found_by_search_reads_exactly_as_the_contract_itself(api: Api) -> None:
    body = ipro(retailer="R1", equipment=[*ipro()["equipment"], {"kind": "camera", "model": "WV-S1", "serial": "C2"}])
    with_case = enrolled_and_paid(api, body, "2025-03-12")
    api.post(f"/v1/contracts/{with_case['id']}/repair-requests", {"at": "2026-06-10T10:00:00", "cause": "normal_use"})
    plain = enrolled_and_paid(api, zest(), "2024-04-01")
    for contract in (with_case, plain):
        found = api.get("/v1/contracts", certificate_number=contract["certificate_number"]).json()
        assert found["total"] == 1
        assert found["items"][0] == api.get(f"/v1/contracts/{contract['id']}").json()
    card = api.get(f"/v1/contracts/{with_case['id']}").json()
    assert card["retailer"] == "R1" and len(card["cases"]) == 1 and len(card["equipment"]) == 3
    assert card["cases"][0]["events"][0]["kind"] == "requested"


def test_search_filters_refuse_an_unknown_program_and_ignore_control_characters(api: Api) -> None:
    enrolled_and_paid(api, zest(), "2024-04-01")
    assert api.get("/v1/contracts", name="山田\x00").json()["total"] == 1
    for path in ("/v1/contracts", "/v1/cases"):
        problem = assert_problem(api.get(path, program="zest\x00"), 422, "invalid_request")
        assert problem["field"] == "program"


def test_ids_and_amounts_beyond_64_bits_are_a_422_not_a_crash(api: Api) -> None:
    assert assert_problem(api.get(f"/v1/contracts/{2**64}"), 422, "invalid_request")["field"] == "contract_id"
    body = {"kind": "visit_done", "date": "2026-01-05"}
    assert assert_problem(api.post(f"/v1/cases/{2**63}/events", body), 422, "invalid_request")["field"] == "case_id"
    huge = zest(purchase_price=10**20)
    assert assert_problem(api.post("/v1/contracts", huge), 422, "invalid_request")["field"] == "purchase_price"


def test_a_word_outside_the_vocabulary_is_a_422_listing_each(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    body = {"at": "2026-02-10T11:00:00", "cause": "gremlins", "part": "flux_capacitor"}
    problem = assert_problem(api.post(f"/v1/contracts/{cid}/repair-requests", body), 422, "invalid_request")
    assert [error["field"] for error in problem["errors"]] == ["cause", "part"]
    assert "'normal_use'" in problem["errors"][0]["message"]
    assert api.get(f"/v1/contracts/{cid}").json()["cases"] == []


def test_a_refusal_by_the_terms_is_a_422_with_its_code_field_and_clauses(api: Api) -> None:
    cameras_only = ipro(equipment=[{"kind": "camera", "model": "WV-X86530", "serial": "C1"}])
    problem = assert_problem(api.post("/v1/contracts", cameras_only), 422, "whole_system_required")
    assert (problem["field"], problem["clauses"]) == ("equipment", ["その他の留意事項(5)"])
    assert problem["title"] == "システム全体でのご契約となります。一部の機器だけのご契約はお受けできません。"
    unknown = assert_problem(api.post("/v1/contracts", zest(plan="kaden-99y")), 422, "invalid_contract")
    assert unknown["field"] == "plan"


def test_an_unpaid_contract_has_no_certificate_and_takes_no_repair_request(api: Api) -> None:
    cid = api.post("/v1/contracts", zest()).json()["id"]
    no_certificate = assert_problem(api.get(f"/v1/contracts/{cid}/certificate.pdf"), 409, "not_paid")
    assert no_certificate["clauses"] == ["第1条"]  # zest's own label for "a certificate once paid"
    repair = {"at": "2026-02-10T11:00:00", "cause": "normal_use"}
    refused = assert_problem(api.post(f"/v1/contracts/{cid}/repair-requests", repair), 409, "not_paid")
    assert refused["clauses"] == ["第1条"]
    pack = api.post("/v1/contracts", ipro()).json()["id"]
    unpaid_pack = assert_problem(api.get(f"/v1/contracts/{pack}/certificate.pdf"), 409, "not_paid")
    assert unpaid_pack["clauses"] == ["契約コース"]  # ipro's


def test_the_same_idempotency_key_answers_201_then_200_with_the_same_contract(api: Api) -> None:
    first = api.post("/v1/contracts", zest(), **{"Idempotency-Key": "order-1"})
    again = api.post("/v1/contracts", zest(), **{"Idempotency-Key": "order-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other = api.post("/v1/contracts", zest(purchase_price=99_000), **{"Idempotency-Key": "order-1"})
    assert assert_problem(other, 409, "idempotency_conflict")["field"] == "Idempotency-Key"
    assert api.post("/v1/contracts", zest()).json()["id"] != first.json()["id"]  # no key: a new contract


def test_an_unknown_route_or_method_is_a_problem(api: Api) -> None:
    assert_problem(api.get("/v1/nowhere"), 404, "not_found")
    assert_problem(api.client.get("/nowhere"), 404, "not_found")
    assert_problem(api.client.delete("/v1/health"), 405, "method_not_allowed")
    assert_problem(api.get("/v1/contracts/999999"), 404, "not_found")
    assert_problem(api.get("/v1/programs/nope"), 404, "not_found")


def test_contact_changes_transfers_and_maker_replacements_change_the_contract(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    changed = api.post(
        f"/v1/contracts/{cid}/change-reports", {"date": "2024-05-01", "fields": {"phone": "080-0000-1111"}}
    )
    assert changed.status_code == 200 and changed.json()["subscriber"]["phone"] == "080-0000-1111"
    assert api.get("/v1/contracts", phone="08000001111").json()["total"] == 1
    married = {"date": "2024-05-02", "fields": {"name": "佐藤 太郎", "name_kana": "サトウ タロウ"}}
    assert api.post(f"/v1/contracts/{cid}/change-reports", married).json()["subscriber"]["name_kana"] == "サトウ タロウ"
    assert [api.get("/v1/contracts", name=n).json()["total"] for n in ("さとう", "佐藤", "ヤマダ", "山田")] == [
        1,
        1,
        0,
        0,
    ]
    katakana = {"date": "2024-05-03", "fields": {"name": "サトウ タロ"}}  # in kana, without furigana
    assert api.post(f"/v1/contracts/{cid}/change-reports", katakana).json()["subscriber"]["name_kana"] is None
    assert [api.get("/v1/contracts", name=n).json()["total"] for n in ("ｻﾄｳ ﾀﾛ", "サトウ タロウ")] == [1, 0]
    empty = api.post(f"/v1/contracts/{cid}/change-reports", {"date": "2024-05-01", "fields": {}})
    assert assert_problem(empty, 422, "invalid_request")["field"] == "fields"
    replaced = api.post(f"/v1/contracts/{cid}/manufacturer-replacement", {"date": "2024-06-01", "serial": "SN-9"})
    assert replaced.status_code == 200 and replaced.json()["status"] == "active"
    transferred = api.post(f"/v1/contracts/{cid}/ownership-transfer", {"date": "2024-07-01"})
    assert transferred.json()["status"] == "transferred"
    later = api.post(f"/v1/contracts/{cid}/repair-requests", {"at": "2026-02-10T11:00:00", "cause": "normal_use"})
    assert later.json()["decision"] == "not_covered"
    assert "第6条(4)" in [clause["label"] for clause in later.json()["clauses"]]


def test_the_repair_desk_sees_open_cases_and_records_their_progress(api: Api) -> None:
    cid = enrolled_and_paid(api, ipro(plan="sendback-5y"), "2025-03-12")["id"]
    preview = api.post(
        f"/v1/contracts/{cid}/repair-requests/preview", {"at": "2026-06-10T10:00", "cause": "normal_use"}
    )
    assert (preview.status_code, preview.json()["case_id"]) == (200, None)
    assert api.get(f"/v1/contracts/{cid}").json()["cases"] == []  # a preview stores nothing
    decision = api.post(f"/v1/contracts/{cid}/repair-requests", {"at": "2026-06-10T10:00", "cause": "normal_use"})
    case_id = decision.json()["case_id"]
    board = api.get("/v1/cases", "technician", program="ipro").json()
    assert [(case["id"], case["program"], case["state"]) for case in board] == [(case_id, "ipro", "open")]
    arrived = api.post(f"/v1/cases/{case_id}/events", {"kind": "item_arrived", "date": "2026-06-15"}, "technician")
    assert arrived.status_code == 200, arrived.json()
    progress = arrived.json()
    assert progress["deadline"]["kind"] == "repair_due" and progress["repair_due"] == progress["deadline"]["due"]
    estimate = api.post(f"/v1/cases/{case_id}/events", {"kind": "estimate", "date": "2026-06-16", "amount": 20_000})
    assert (estimate.json()["estimate"], estimate.json()["estimate_answer"]["amount"]) == (20_000, 20_000)
    shipped = api.post(f"/v1/cases/{case_id}/events", {"kind": "shipped", "date": "2026-06-18"}, "technician")
    assert shipped.json()["state"] == "closed"
    assert [event["kind"] for event in shipped.json()["events"]] == ["requested", "item_arrived", "estimate", "shipped"]
    assert api.get("/v1/cases", "technician").json() == []
    assert assert_problem(
        api.post("/v1/cases/999999/events", {"kind": "shipped", "date": "2026-06-18"}), 404, "not_found"
    )


def test_the_events_body_documents_every_kind_of_case_event(api: Api) -> None:
    schema = api.client.get("/v1/openapi.json").json()
    body = schema["paths"]["/v1/cases/{case_id}/events"]["post"]["requestBody"]["content"]["application/json"]
    assert set(body["schema"]["discriminator"]["mapping"]) == set(cases.EVENTS)


def test_programs_list_their_versions_plans_and_clauses(api: Api) -> None:
    listed = {program["id"]: program for program in api.get("/v1/programs").json()}
    assert listed["zest"]["current_version"] == "zest@2020-01-01"
    detail = api.get("/v1/programs/ipro").json()
    version = detail["versions"][0]
    assert "onsite-5y" in [plan["id"] for plan in version["plans"]]
    assert version["parameters"]["service_levels"] == {"onsite": 2, "sendback": 4}
    assert version["parameters"]["enrollment"]["whole_system_required"] is True
    kinds = {kind["kind"]: kind for kind in version["parameters"]["equipment_kinds"]}
    assert kinds["sd_recorder"] == {
        "kind": "sd_recorder",
        "name_ja": "SDメモリーレコーダー",
        "system_role": "recorder",
        "recorder": True,
    }
    clauses = api.get("/v1/programs/zest/clauses").json()
    assert clauses["terms_version"] == "zest@2020-01-01"
    by_label = {clause["label"]: clause for clause in clauses["clauses"]}
    assert by_label["第6条(12)"]["parent"] == "第6条" and by_label["第6条(12)"]["text"]


def test_the_openapi_documents_every_route_its_security_and_problems(api: Api) -> None:
    schema = api.client.get("/v1/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    enrol = schema["paths"]["/v1/contracts"]["post"]
    assert {"201", "200", "401", "403", "409", "422"} <= set(enrol["responses"])
    assert PROBLEM in enrol["responses"]["422"]["content"]
    assert enrol["security"] == [{"bearer": []}, {"apiKey": []}]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("tags"), (method, path)
    cause = schema["components"]["schemas"]["RequestRepair"]["properties"]["cause"]
    assert "normal_use" in cause["enum"]
    assert schema["paths"]["/v1/health"]["get"]["security"] == []  # public: no key, said explicitly


def test_a_key_is_looked_up_once_a_minute(api: Api, hosho: Hosho, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = keys.authenticate

    def counting(hosho: Hosho, presented: str) -> Any:
        calls.append(presented)
        return real(hosho, presented)

    monkeypatch.setattr(keys, "authenticate", counting)
    now = [0.0]
    cache = KeyCache(hosho, clock=lambda: now[0])
    key = api.keys["agent"]
    assert cache.actor(key) == cache.actor(key) and len(calls) == 1
    now[0] = 61.0
    assert cache.actor(key) is not None and len(calls) == 2
    assert cache.actor("hsk_x_y") is None and cache.actor("hsk_x_y") is None and len(calls) == 4


def test_an_unexpected_error_is_a_500_problem_logged_without_personal_data(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"boom for {NAME} at {PHONE}")

    monkeypatch.setattr(lookup, "search", broken)
    with caplog.at_level(logging.INFO, logger="hosho.api"):
        response = api.get("/v1/contracts", name=NAME)
    problem = assert_problem(response, 500, "internal_error")
    assert NAME not in response.text and "boom" not in response.text and "Traceback" not in response.text
    assert problem["detail"] == (
        "処理中に予期しないエラーが起きました。記録しましたので、時間をおいてもう一度お試しください。"
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "test_api.py" in logged
    assert NAME not in logged and PHONE not in logged


def test_no_log_record_holds_the_subscriber_s_name_or_phone_after_a_full_run(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        cid = enrolled_and_paid(api, ipro(), "2025-03-12")["id"]
        api.get(f"/v1/contracts/{cid}/certificate.pdf")
        api.get("/v1/contracts", phone=PHONE, name=NAME)
        api.get("/v1/contracts", phone="09012345678", name=KANA)
        api.get(f"/v1/contracts/{NAME}")  # personal data in a path is not logged either
        api.get(f"/v1/contracts/{PHONE.replace('-', '')}")
        api.post(f"/v1/contracts/{cid}/change-reports", {"date": "2025-04-01", "fields": {"email": "b@example.jp"}})
        api.post(f"/v1/contracts/{cid}/repair-requests", {"at": "2026-06-10T10:00", "cause": "normal_use"})
        api.post("/v1/contracts", ipro(equipment=[]))  # a refusal
        api.post("/v1/contracts", {**ipro(), "extra": NAME})  # a malformed body
        api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2026-07-01"})
    access = [r for r in caplog.records if r.name == "hosho.api" and hasattr(r, "http_status")]
    assert len(access) >= 11
    assert "POST /v1/contracts 201" in access[0].getMessage() and "key:callcenter" in access[0].getMessage()
    assert "GET /v1/contracts/{contract_id} 422" in access[5].getMessage()
    words = [NAME, KANA, PHONE, "09012345678", "山田", "ヤマダ", ADDRESS, EMAIL, "b@example.jp"]
    # httpx is the test's own client (it logs the URLs it calls); every other logger is the server's.
    for record in (r for r in caplog.records if r.name not in ("httpx", "httpcore")):
        text = record.getMessage() + (record.exc_text or "") + str(record.__dict__.get("args"))
        assert not [word for word in words if word in text], (record.name, text)


def test_a_concurrent_change_is_409_and_a_missing_font_a_500_naming_no_file(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    monkeypatch.setenv(FONT_ENV, "/nowhere/font.ttf")
    no_font = assert_problem(api.get(f"/v1/contracts/{cid}/certificate.pdf"), 500, "certificate_font")
    assert "/nowhere" not in no_font["detail"]

    def stale(*args: Any, **kwargs: Any) -> Any:
        raise StaleDataError("UPDATE statement on table 'contracts' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(contracts, "get", stale)
    assert_problem(api.get(f"/v1/contracts/{cid}"), 409, "conflict")


def _pdf_text(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return "".join("".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages).split())


def test_a_certificate_prints_the_call_center_the_postal_code_and_the_stored_name(api: Api) -> None:
    name, address = "𠮷田 﨑子", "東京都葛飾区𠮷野町1-2 𡈽屋ビル"
    subscriber = {"name": name, "phone": PHONE, "postal_code": "125-0062", "address": address}
    cid = enrolled_and_paid(api, ipro(subscriber=subscriber), "2025-03-12")["id"]
    text = _pdf_text(api.get(f"/v1/contracts/{cid}/certificate.pdf"))
    assert "".join(name.split()) in text
    assert "〒125-0062" + "".join(address.split()) in text
    assert "06-1111-3333(架空の番号)" in text
    assert "パナハヨイ" not in text and "解約済" not in text


@pytest.mark.parametrize(
    ("action", "body", "mark"),
    [
        ("cancellation", {"date": "2024-06-01"}, "【解約済】2024年6月1日(土)に解約されました。"),
        ("ownership-transfer", {"date": "2024-06-01"}, "【譲渡により終了】2024年6月1日(土)に本商品が譲渡された"),
    ],
)
def test_an_ended_contract_s_certificate_says_so_on_its_face(
    api: Api, action: str, body: dict[str, Any], mark: str
) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    assert api.post(f"/v1/contracts/{cid}/{action}", body).status_code == 200
    text = _pdf_text(api.get(f"/v1/contracts/{cid}/certificate.pdf"))
    assert mark in text
    assert "修理のご依頼はお受けできません" in text


def test_a_certificate_fetched_after_the_last_day_of_cover_is_marked_expired(api: Api, hosho: Hosho) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]  # cover ends 2029-03-31
    assert "期間満了" not in _pdf_text(api.get(f"/v1/contracts/{cid}/certificate.pdf"))
    hosho.clock = lambda: datetime(2029, 4, 1, 9, 0, tzinfo=UTC)
    assert "【期間満了】2029年3月31日(土)をもって保証期間が満了しました。" in _pdf_text(
        api.get(f"/v1/contracts/{cid}/certificate.pdf")
    )


@contextmanager
def without_call_center_phone(hosho: Hosho, program: str) -> Iterator[None]:
    """The catalog is shared by the session's tests: the phone comes back afterwards."""
    versions = hosho.rules.catalog.program(program).versions
    saved = [version.call_center for version in versions]
    try:
        for version, call_center in zip(versions, saved, strict=True):
            object.__setattr__(version, "call_center", replace(call_center, phone=None))
        yield
    finally:
        for version, call_center in zip(versions, saved, strict=True):
            object.__setattr__(version, "call_center", call_center)


def test_no_certificate_is_printed_for_a_program_without_a_call_center_phone(api: Api, hosho: Hosho) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    with without_call_center_phone(hosho, "zest"):
        problem = assert_problem(api.get(f"/v1/contracts/{cid}/certificate.pdf"), 409, "certificate_unavailable")
        assert "call_center.phone" in problem["detail"]
        assert api.get("/v1/programs/zest").status_code == 200
