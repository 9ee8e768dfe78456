"""Every code the service layer refuses with has one HTTP status (api/problems.py) and one Japanese message."""

from __future__ import annotations

import re
from pathlib import Path

import hosho
from hosho.api.problems import STATUSES, status_of
from hosho.presentation.words import ERRORS

SOURCE = Path(hosho.__file__).parent
# `ServiceError("code", …` and `DomainError("code", …`, over line breaks: every refusal written in the code.
RAISED = re.compile(r"\b(?:ServiceError|DomainError)\(\s*\"([a-z_]+)\"")


def raised_codes() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_codes_of_the_domain_the_service_and_the_adapters() -> None:
    # If the pattern stopped matching, the tests below would pass over nothing.
    assert {"not_paid", "whole_system_required", "idempotency_conflict", "unauthorized", "conflict"} <= raised_codes()


def test_every_code_raised_has_an_http_status() -> None:
    assert raised_codes() - set(STATUSES) == set()


def test_every_code_raised_has_a_japanese_message_in_the_console() -> None:
    assert raised_codes() - set(ERRORS) == set()


def test_the_state_refusals_are_409_the_invalid_requests_422_and_an_unknown_code_a_500() -> None:
    assert [status_of(code) for code in ("not_paid", "no_open_case", "invalid_request", "outside_service_area")] == [
        409,
        409,
        422,
        422,
    ]
    assert status_of("no_such_code") == 500
