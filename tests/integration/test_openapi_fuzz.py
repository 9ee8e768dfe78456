"""Schemathesis over the whole OpenAPI document, on SQLite and PostgreSQL: no request answers 5xx.

Every operation is called with an admin key (so that every route is reached past authentication) against a
database that holds real contracts and cases, and the generated requests are both valid and invalid against the
schema. Besides "no 5xx", each response must conform to the schema the document gives for its status.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from hosho.api.app import create_app
from hosho.domain.calendar import JST
from hosho.service import cases, contracts, keys
from hosho.service.commands import Pay, RequestRepair
from hosho.service.context import SYSTEM, Hosho, Role
from tests.integration.builders import zest_enrolment

# Per operation and mode: about 800 requests per database; HOSHO_FUZZ_EXAMPLES=500 for a deeper run.
EXAMPLES = int(os.environ.get("HOSHO_FUZZ_EXAMPLES", "20"))


def _stock(hosho: Hosho) -> None:
    """A paid contract with an open case, so that generated ids sometimes find something."""
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    enrolment = zest_enrolment(retailer="R1")
    created, _ = contracts.enroll(hosho, SYSTEM, enrolment)
    contracts.pay_fee(hosho, SYSTEM, created.id, Pay(date=date(2024, 4, 1)))
    request = RequestRepair(at=datetime(2025, 10, 6, 10, tzinfo=JST), cause="normal_use")
    cases.request_repair(hosho, SYSTEM, created.id, request)


# The README's route table: the run must reach every one of them.
ROUTES = {
    "GET /v1/health",
    "GET /v1/programs",
    "GET /v1/programs/{program}",
    "GET /v1/programs/{program}/clauses",
    "GET /v1/programs/{program}/closures/{year}",
    "PUT /v1/programs/{program}/closures",
    "POST /v1/contracts",
    "GET /v1/contracts",
    "GET /v1/contracts/{contract_id}",
    "POST /v1/contracts/{contract_id}/payment",
    "GET /v1/contracts/{contract_id}/certificate.pdf",
    "POST /v1/contracts/{contract_id}/change-reports",
    "POST /v1/contracts/{contract_id}/ownership-transfer",
    "POST /v1/contracts/{contract_id}/manufacturer-replacement",
    "GET /v1/contracts/{contract_id}/audit",
    "POST /v1/contracts/{contract_id}/repair-requests",
    "POST /v1/contracts/{contract_id}/repair-requests/preview",
    "GET /v1/cases",
    "POST /v1/cases/{case_id}/events",
    "POST /v1/cases/{case_id}/diagnosis",
    "POST /v1/cases/{case_id}/review-decision",
    "POST /v1/cases/{case_id}/dispute",
    "POST /v1/cases/{case_id}/dispute/opinion",
    "POST /v1/cases/{case_id}/dispute/decision",
    "GET /v1/cases/review-queue",
    "GET /v1/contracts/{contract_id}/refund-preview",
    "POST /v1/contracts/{contract_id}/cancellation",
    "GET /v1/refunds",
    "GET /v1/refunds/{refund_id}",
    "PUT /v1/refunds/{refund_id}/bank-account",
    "GET /v1/payout-batches",
    "POST /v1/payout-batches",
    "GET /v1/payout-batches/{batch_id}/file",
    "POST /v1/payout-batches/{batch_id}/cancellation",
    "POST /v1/payout-batches/{batch_id}/answers",
    "GET /v1/contracts/{contract_id}/notices",
    "POST /v1/contracts/{contract_id}/advance",
    *(f"GET /v1/figures/{name}" for name in ("sla", "cases", "contracts", "ending", "refunds", "loss-ratio")),
    *(
        f"GET /v1/figures/{name}/{{table}}.csv"
        for name in ("sla", "cases", "contracts", "ending", "refunds", "loss-ratio")
    ),
    "POST /v1/imports",
    "GET /v1/imports/{import_id}",
    "GET /v1/imports/{import_id}/rejects",
}
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_no_generated_request_is_answered_with_a_server_error(hosho: Hosho) -> None:
    _stock(hosho)
    # A testing service, so that `advance` runs the daily work rather than answering 404 to everything.
    app = create_app(replace(hosho, testing=True))
    headers = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.ADMIN, name='fuzz')}"}
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.label for operation in operations} == ROUTES

    # schemathesis' own pytest plugin does not run on this pytest; its strategies under hypothesis do the same.
    failures: list[str] = []
    for operation in operations:
        for mode in MODES:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                # Only an operation without parameters or body (the health check) has no invalid request to make.
                assert mode is schemathesis.GenerationMode.NEGATIVE and operation.label == "GET /v1/health"
            except (Exception, BaseExceptionGroup) as failure:  # schemathesis' FailureGroup is the latter
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
