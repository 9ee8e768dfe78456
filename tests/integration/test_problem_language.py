"""Problems speak the client's language: Japanese by default, English with `Accept-Language: en`, the same words as
the console's, with the refusal's own values; paying a cancelled contract is refused as cancelled."""

from __future__ import annotations

from tests.integration.test_api import Api, api, assert_problem, enrolled_and_paid, ipro, zest

__all__ = ["api"]  # the fixture, shared with test_api.py


def test_a_refusal_is_in_japanese_by_default_and_in_english_when_asked(api: Api) -> None:
    cameras_only = ipro(equipment=[{"kind": "camera", "model": "WV-X86530", "serial": "C1"}])
    japanese = api.post("/v1/contracts", cameras_only)
    problem = assert_problem(japanese, 422, "whole_system_required")
    assert japanese.headers["content-language"] == "ja"
    assert "Accept-Language" in japanese.headers["vary"]
    assert problem["title"] == "システム全体でのご契約となります。一部の機器だけのご契約はお受けできません。"
    missing = "必要な機器(レコーダー/SDメモリーレコーダー)がありません。"
    assert problem["detail"] == problem["title"] + missing + "(項目: equipment/根拠: その他の留意事項(5))"

    english = api.post("/v1/contracts", cameras_only, **{"Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"})
    problem = assert_problem(english, 422, "whole_system_required")
    assert english.headers["content-language"] == "en"
    assert problem["title"] == "The contract must cover the whole system: a part of it alone cannot be enrolled."
    assert problem["detail"].startswith(problem["title"] + " The contract must cover the whole system: no recorder")
    assert problem["detail"].endswith("(field: equipment; clauses: その他の留意事項(5))")


def test_weights_decide_the_language(api: Api) -> None:
    for header, language in (("ja;q=0.4, en;q=0.6", "en"), ("en;q=0.4, ja", "ja"), ("fr", "ja"), ("*", "ja")):
        response = api.client.get("/v1/contracts", headers={"Accept-Language": header})
        assert_problem(response, 401, "unauthorized")
        assert response.headers["content-language"] == language, header


def test_an_invalid_request_names_the_field_and_counts_the_others_in_either_language(api: Api) -> None:
    body = {"at": "not a time", "cause": 3}
    japanese = assert_problem(api.post("/v1/contracts/1/repair-requests/preview", body), 422, "invalid_request")
    assert japanese["detail"] == "入力内容をご確認ください。(項目: at ほか1件)"
    english = api.post("/v1/contracts/1/repair-requests/preview", body, **{"Accept-Language": "en"})
    detail = assert_problem(english, 422, "invalid_request")["detail"]
    assert detail.startswith("Check the request. At: ") and detail.endswith("(field: at and 1 more)")


def test_a_date_out_of_order_is_named_with_both_dates(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-10")["id"]
    body = {"date": "2024-04-05", "reason": "customer"}
    japanese = assert_problem(api.post(f"/v1/contracts/{cid}/cancellation", body), 422, "out_of_order")
    assert "2024年4月5日(金)は、2024年4月10日(水)の記録より前の日付です。" in japanese["detail"]
    english = api.post(f"/v1/contracts/{cid}/cancellation", body, **{"Accept-Language": "en"})
    assert "2024-04-05 is before the record of 2024-04-10." in assert_problem(english, 422, "out_of_order")["detail"]


def test_paying_a_cancelled_contract_is_refused_as_cancelled_not_as_already_paid(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    cancelled = api.post(f"/v1/contracts/{cid}/cancellation", {"date": "2024-06-01", "reason": "customer"})
    assert cancelled.status_code == 200, cancelled.json()
    paid_again = api.post(f"/v1/contracts/{cid}/payment", {"date": "2024-06-02"})
    refused = assert_problem(paid_again, 409, "contract_cancelled")
    assert refused["detail"] == "この契約は解約済みのため、お受けできません。2024年6月1日(土)に解約されました。"
    english = api.post(f"/v1/contracts/{cid}/payment", {"date": "2024-06-02"}, **{"Accept-Language": "en"})
    assert assert_problem(english, 409, "contract_cancelled")["detail"] == (
        "The contract has been cancelled: this cannot be accepted. It was cancelled on 2024-06-01."
    )
    # An active contract paid again is still `already_paid`, with its status.
    active = enrolled_and_paid(api, zest(), "2024-04-01")["id"]
    again = assert_problem(api.post(f"/v1/contracts/{active}/payment", {"date": "2024-04-02"}), 409, "already_paid")
    assert again["detail"] == "保証料金はすでにお支払い済みです。この契約の状態は「有効」です。"


def test_an_unknown_route_names_the_method_and_path_in_japanese(api: Api) -> None:
    problem = assert_problem(api.get("/v1/nowhere"), 404, "not_found")
    assert problem["detail"].endswith("GET /v1/nowhere という宛先はありません。")
