"""Run scenario files through a running Hosho service: every step is an HTTP call, stored in its database.

The parser, the comparison and the report are the in-process runner's (runner.py); this module is only the
executor that turns each action into its route and the answer back into the facts a scenario may expect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from hosho.scenarios import model as m
from hosho.scenarios.runner import Abort, StepResult, Unsupported

# Scenarios name no subscriber; the API requires one.
SUBSCRIBER = {"name": "シナリオ 太郎", "name_kana": "シナリオ タロウ"}


def connect(url: str, key: str | None, *, timeout: float = 30.0) -> httpx.Client:
    """A client for the service at `url` (with or without the trailing /v1), checked with GET /v1/health."""
    base = url.rstrip("/").removesuffix("/v1")
    if not base.startswith(("http://", "https://")):
        raise Abort(f"--api {url}: give the service's URL, such as http://127.0.0.1:8000")
    if not key:
        raise Abort("no API key: pass --key or set HOSHO_API_KEY (hosho serve prints one)")
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=timeout)
    try:
        health = client.get("/v1/health")
    except httpx.HTTPError as exc:
        client.close()
        raise Abort(f"cannot reach the Hosho API at {base}: {exc}") from None
    if health.status_code != 200:
        client.close()
        raise Abort(f"{base}/v1/health answered {health.status_code}: is this a Hosho service?")
    return client


def executor_for(client: httpx.Client) -> Callable[[m.Scenario], Http]:
    """What `runner.check_file` needs: a fresh executor per scenario, refusing those the API cannot run."""

    def make(scenario: m.Scenario) -> Http:
        if scenario.closures is not None:
            raise Unsupported(
                "calendar: closures cannot be run through the API (company closures are program data); "
                "check this scenario in-process, without --api"
            )
        return Http(client)

    return make


class Http:
    """Performs enrolment and each action with the service's routes and reads the facts from its answers."""

    def __init__(self, client: httpx.Client):
        self.client = client
        self.contract_id: int | None = None

    def enroll(self, scenario: m.Scenario) -> StepResult:
        c = scenario.contract
        body: dict[str, Any] = {
            "program": scenario.program,
            **c.model_dump(mode="json", exclude_none=True, exclude={"equipment", "site"}),
            "equipment": [e.model_dump(mode="json", exclude_none=True) for e in c.equipment],
            "site": c.site.model_dump(mode="json", exclude_none=True),
            "subscriber": SUBSCRIBER,
        }
        ok, answer = self._call("POST", "/v1/contracts", body)
        if not ok:
            return StepResult(0, "enrollment", c, answer)
        self.contract_id = answer["id"]
        facts = {
            "status": answer["status"],
            "coverage_start": _date(answer["coverage_start"]),
            "coverage_end": _date(answer["coverage_end"]),
            "consumable_replacement": {
                "count": answer["consumable_replacement"]["count"],
                "around": _date(answer["consumable_replacement"]["around"]),
            },
            "clauses": _labels(answer.get("clauses")),
            "error": None,
        }
        return StepResult(0, "enrollment", c, facts, answer)

    def perform(self, step: m.Step) -> StepResult:
        payload = step.payload
        if isinstance(payload, m.ItemArrived | m.RepairEstimate):
            ok, answer, facts = self._case_event(payload)
        else:
            path, body, read = self._route(payload)
            ok, answer = self._call("POST", f"/v1/contracts/{self.contract_id}{path}", body)
            facts = read(answer) if ok else answer
        return StepResult(step.index, step.action, payload, facts, answer if ok else None)

    def _route(self, payload: Any) -> tuple[str, dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]]:
        """The contract route of an action, its body, and how its answer reads as facts."""
        body = payload.model_dump(mode="json", exclude_none=True)
        if isinstance(payload, m.Pay):
            return "/payment", body, _paid
        if isinstance(payload, m.RepairRequestIn):
            return "/repair-requests", body, _decided
        if isinstance(payload, m.Cancel):
            return "/cancellation", body, _cancelled
        if isinstance(payload, m.TransferOwnership):
            return "/ownership-transfer", body, _status
        if isinstance(payload, m.ReportChange):
            return "/change-reports", body, _status
        if isinstance(payload, m.ManufacturerReplacement):
            return "/manufacturer-replacement", body, _replaced
        raise AssertionError(f"no route for {type(payload).__name__}")  # the parser admits only these actions

    def _case_event(self, payload: m.ItemArrived | m.RepairEstimate) -> tuple[bool, Any, dict[str, Any]]:
        """Arrival and estimate are events of the contract's last covered case (the domain's open case)."""
        ok, contract = self._call("GET", f"/v1/contracts/{self.contract_id}")
        if not ok:
            return False, None, contract
        case = _current_case(contract.get("cases") or [])
        if case is None:
            # No request was ever made, so there is no case to address: the service's answer would be this.
            return False, None, {"error": "no_open_case", "clauses": []}
        if isinstance(payload, m.ItemArrived):
            body: dict[str, Any] = {"kind": "item_arrived", "date": payload.date.isoformat()}
            if payload.check_sheet_date is not None:
                body["check_sheet_date"] = payload.check_sheet_date.isoformat()
        else:
            # Without a date the domain ends a replaced contract on the day the request was received.
            on = payload.date.isoformat() if payload.date is not None else case["received_on"]
            body = {"kind": "estimate", "date": on, "repairable": payload.repairable}
            if payload.amount is not None:
                body["amount"] = payload.amount
        ok, answer = self._call("POST", f"/v1/cases/{case['id']}/events", body)
        if not ok:
            return False, None, answer
        ok, after = self._call("GET", f"/v1/contracts/{self.contract_id}")
        if not ok:
            return False, None, after
        if isinstance(payload, m.ItemArrived):
            deadline = answer.get("deadline") or {}
            facts = {
                "repair_due": _date(deadline.get("due")),
                "status": after["status"],
                "clauses": _labels(deadline.get("clauses")),
            }
        else:
            # The API keeps the case's `estimate` as the amount and puts the rules' answer beside it.
            estimate = answer.get("estimate_answer") or answer["estimate"]
            facts = {
                "outcome": estimate["outcome"],
                "replacement_limit": estimate.get("replacement_limit"),
                "status": after["status"],
                "clauses": _labels(estimate.get("clauses")),
            }
        return True, answer, facts

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[bool, Any]:
        """(True, the answer) or (False, the facts of a refusal); the run stops when the service cannot answer."""
        try:
            response = self.client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise Abort(f"the Hosho API stopped answering ({method} {path}): {exc}") from None
        if response.status_code < 400:
            return True, response.json()
        problem = _problem(response)
        if response.status_code in (401, 403):
            detail = problem.get("detail") or problem.get("code")
            raise Abort(
                f"the Hosho API refused the key ({response.status_code}: {detail}); check --key or HOSHO_API_KEY"
            )
        if response.status_code >= 500:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {problem}")
        code = problem.get("code") or f"http_{response.status_code}"
        return False, {"error": code, "clauses": _labels(problem.get("clauses"))}


def _current_case(cases: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last covered open case, else the last covered one, else the last: the service says which is refused."""
    covered = [item for item in cases if item.get("covered")]
    for item in covered[::-1]:
        if item.get("state") == "open":
            return item
    if covered:
        return covered[-1]
    return cases[-1] if cases else None


def _paid(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": answer["status"],
        "coverage_start": _date(answer["coverage_start"]),
        "coverage_end": _date(answer["coverage_end"]),
        "certificate": answer.get("certificate_number") is not None,
        "clauses": _labels(answer.get("clauses")),
    }


def _decided(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "decision": answer["decision"],
        "clauses": _labels(answer.get("clauses")),
        "visit_by": _date(answer.get("visit_by")),
        "received_on": _date(answer.get("received_on")),
        "status": answer.get("contract_status"),
    }


def _cancelled(answer: dict[str, Any]) -> dict[str, Any]:
    return {"refund": answer["refund"], "status": answer["status"], "clauses": _labels(answer.get("clauses"))}


def _status(answer: dict[str, Any]) -> dict[str, Any]:
    return {"status": answer["status"], "clauses": _labels(answer.get("clauses"))}


def _replaced(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": answer["status"],
        "coverage_start": _date(answer["coverage_start"]),
        "coverage_end": _date(answer["coverage_end"]),
        "clauses": _labels(answer.get("clauses")),
    }


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"detail": response.text[:200]}


def _labels(clauses: Any) -> list[str]:
    """Clauses come as labels or as {label, text}; the scenarios compare labels."""
    return [c["label"] if isinstance(c, dict) else str(c) for c in clauses or ()]


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value
