"""A retailer key cannot tell another channel's ids from ids that do not exist: every route answers alike."""

from __future__ import annotations

from typing import Any

from tests.integration import test_api
from tests.integration.test_api import Api, assert_problem, enrolled_and_paid, zest

api = test_api.api  # the same API, keys and retailers R1 and R2

MISSING = 999_999
BODIES: dict[str, dict[str, Any]] = {
    "/payment": {"date": "2024-04-01"},
    "/change-reports": {"date": "2025-04-01", "fields": {"email": "new@example.jp"}},
    "/ownership-transfer": {"date": "2025-04-01"},
    "/manufacturer-replacement": {"date": "2025-04-01", "reported": True},
    "/repair-requests": {"at": "2026-06-10T10:00:00+09:00", "cause": "normal_use"},
    "/preview": {"at": "2026-06-10T10:00:00+09:00", "cause": "normal_use"},
    "/events": {"kind": "shipped", "date": "2026-06-18"},
    "/cancellation": {"date": "2026-07-01"},
    "/advance": {"to": "2026-07-01"},
    "/diagnosis": {"date": "2026-06-12", "reproduced": False},
    "/review-decision": {"date": "2026-06-12", "decision": "covered", "note": "x"},
    "/dispute": {"date": "2026-06-12", "note": "x"},
    "/opinion": {"date": "2026-06-12", "opinion": "x"},
    "/dispute/decision": {"date": "2026-06-12", "decision": "covered", "note": "x"},
}


def _call(api: Api, method: str, template: str, ids: dict[str, int], who: str) -> Any:
    path = template.format(**ids)
    if method == "get":
        return api.get(path, who, **({"date": "2026-07-01"} if path.endswith("/refund-preview") else {}))
    body = next(body for suffix, body in BODIES.items() if template.endswith(suffix))
    return api.post(path, body, who)


def test_another_channel_s_case_is_not_found_like_a_case_that_does_not_exist(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(retailer="R1"), "2024-04-01")["id"]
    case_id = api.post(f"/v1/contracts/{cid}/repair-requests", BODIES["/repair-requests"]).json()["case_id"]
    event = BODIES["/events"]
    other = assert_problem(api.post(f"/v1/cases/{case_id}/events", event, "r2"), 404, "not_found")
    missing = assert_problem(api.post(f"/v1/cases/{MISSING}/events", event, "r2"), 404, "not_found")
    assert other["detail"].replace(str(case_id), "N") == missing["detail"].replace(str(MISSING), "N")
    # Its own channel's case the retailer may see exists: only the repair desk records progress.
    assert_problem(api.post(f"/v1/cases/{case_id}/events", event, "r1"), 403, "forbidden")


def test_every_route_taking_an_id_answers_a_retailer_alike_for_another_channel_s_and_a_missing_id(api: Api) -> None:
    cid = enrolled_and_paid(api, zest(retailer="R1"), "2024-04-01")["id"]
    case_id = api.post(f"/v1/contracts/{cid}/repair-requests", BODIES["/repair-requests"]).json()["case_id"]
    routes = [
        (method, path)
        for path, operations in api.client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in operations
        if "{contract_id}" in path or "{case_id}" in path
    ]
    assert len(routes) == 19  # with the notices, (on a testing service) advance, and adjudication
    for method, template in routes:
        theirs = _call(api, method, template, {"contract_id": cid, "case_id": case_id}, "r2")
        missing = _call(api, method, template, {"contract_id": MISSING, "case_id": MISSING}, "r2")
        seen = (theirs.status_code, theirs.json()["code"])
        assert seen == (missing.status_code, missing.json()["code"]), (method, template)
        assert seen in ((404, "not_found"), (403, "forbidden")), (method, template, theirs.json())
