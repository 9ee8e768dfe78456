"""Run scenario files through a running Hosho service: every step is an HTTP call, stored in its database.

The parser, the steps, the facts, the comparison and the report are the runner's (runner.py); this module is only
the transport that carries each command to its route and the JSON answer back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hosho.programs.catalog import Catalog
from hosho.scenarios.runner import Abort, CaseAction, Outcome, Reply, check_file, labels
from hosho.service import commands as c


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


def runner(client: httpx.Client, catalog: Catalog) -> Callable[[Path], Outcome]:
    """What `runner.check_paths` needs: one file run through the service at the other end of `client`."""
    transport = Http(client)
    return lambda path: check_file(path, catalog, transport)


class Http:
    """Carries each command to its route and the answer back; a refusal is read from its problem+json."""

    def __init__(self, client: httpx.Client):
        self.client = client

    def enrol(self, command: c.Enrol) -> Reply:
        return self._call("POST", "/v1/contracts", command)

    def act(self, contract_id: int, command: c.Command) -> Reply:
        return self._call("POST", f"/v1/contracts/{contract_id}{ROUTES[type(command)]}", command)

    def contract(self, contract_id: int) -> Reply:
        return self._call("GET", f"/v1/contracts/{contract_id}")

    def case_event(self, case_id: int, command: c.ItemArrived | c.Estimate | c.Progress) -> Reply:
        return self._call("POST", f"/v1/cases/{case_id}/events", command)

    def closures(self, program: str, year: int) -> Reply:
        return self._call("GET", f"/v1/programs/{program}/closures/{year}")

    def set_closures(self, program: str, command: c.SetClosures) -> Reply:
        return self._call("PUT", f"/v1/programs/{program}/closures", command)

    def advance(self, contract_id: int, command: c.Advance) -> Reply:
        return self._call("POST", f"/v1/contracts/{contract_id}/advance", command)

    def case_action(self, case_id: int, command: CaseAction) -> Reply:
        return self._call("POST", f"/v1/cases/{case_id}{CASE_ROUTES[type(command)]}", command)

    def _call(self, method: str, path: str, command: c.Command | None = None) -> Reply:
        """The answer, or the refusal's facts; the run stops when the service cannot answer or refuses the key."""
        body = command.model_dump(mode="json") if command is not None else None
        try:
            response = self.client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise Abort(f"the Hosho API stopped answering ({method} {path}): {exc}") from None
        if response.status_code < 400:
            return Reply(True, response.json())
        problem = _problem(response)
        if response.status_code in (401, 403):
            detail = problem.get("detail") or problem.get("code")
            raise Abort(
                f"the Hosho API refused the key ({response.status_code}: {detail}); check --key or HOSHO_API_KEY"
            )
        if response.status_code >= 500:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {problem}")
        code = problem.get("code") or f"http_{response.status_code}"
        return Reply.refused(
            code,
            labels(problem.get("clauses")),
            problem.get("field"),
        )


# The route of each contract action, under /v1/contracts/{id}.
ROUTES: dict[type[c.Command], str] = {
    c.Pay: "/payment",
    c.RequestRepair: "/repair-requests",
    c.Cancel: "/cancellation",
    c.TransferOwnership: "/ownership-transfer",
    c.ReportChange: "/change-reports",
    c.MakerReplacement: "/manufacturer-replacement",
}


# The route of each action on a case after intake, under /v1/cases/{id}.
CASE_ROUTES: dict[type[c.Command], str] = {
    c.Diagnosis: "/diagnosis",
    c.DecideReview: "/review-decision",
    c.OpenDispute: "/dispute",
    c.DisputeOpinion: "/dispute/opinion",
    c.DecideDispute: "/dispute/decision",
}


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"detail": response.text[:200]}
