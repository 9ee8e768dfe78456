"""Every code the service layer refuses with has one HTTP status (api/problems.py) and one message in each language
(presentation/words.py: ERRORS in Japanese, ERRORS_EN in English), and Accept-Language picks the language."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import hosho
from hosho.api.problems import HTTP_CODES, STATUSES, status_of
from hosho.presentation.words import (
    ERRORS,
    ERRORS_EN,
    LANGUAGES,
    error_detail,
    error_message,
    negotiate_language,
)

SOURCE = Path(hosho.__file__).parent
WORDS = "src/hosho/presentation/words.py"
# `ServiceError("code", …` and `DomainError("code", …`, over line breaks: every refusal written in the code.
RAISED = re.compile(r"\b(?:ServiceError|DomainError)\(\s*\"([a-z_]+)\"")
# The codes the API answers with beyond the service's: HTTP's own refusals and the last net's.
ANSWERED = set(HTTP_CODES.values()) | {"internal_error", "certificate_font"}


def raised_codes() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    return found


def missing(table: dict[str, str], name: str, codes: set[str], example: str) -> str:
    """The failure message: what to add, where, for each code missing from a table."""
    lines = [f"add to {name} in {WORDS}:"]
    lines += [f'    "{code}": "{example}",' for code in sorted(codes - set(table))]
    return "\n".join(lines)


def test_the_scan_finds_the_codes_of_the_domain_the_service_and_the_adapters() -> None:
    # If the pattern stopped matching, the tests below would pass over nothing.
    assert {"not_paid", "whole_system_required", "idempotency_conflict", "unauthorized", "conflict"} <= raised_codes()


def test_every_code_raised_has_an_http_status() -> None:
    absent = raised_codes() - set(STATUSES)
    assert not absent, "add to STATUSES in src/hosho/api/problems.py:\n" + "\n".join(
        f'    "{code}": 409,  # or 422 (the request or the terms refuse it), 404, …' for code in sorted(absent)
    )


def test_every_code_raised_or_answered_has_a_japanese_message() -> None:
    codes = raised_codes() | ANSWERED
    assert codes <= set(ERRORS), missing(ERRORS, "ERRORS", codes, "<as an agent would say it, in Japanese>")


def test_every_code_raised_or_answered_has_an_english_message() -> None:
    codes = raised_codes() | ANSWERED
    assert codes <= set(ERRORS_EN), missing(ERRORS_EN, "ERRORS_EN", codes, "<the same sentence in English>")


def test_the_two_languages_have_the_same_codes() -> None:
    assert set(ERRORS) <= set(ERRORS_EN), missing(ERRORS_EN, "ERRORS_EN", set(ERRORS), "<the same in English>")
    assert set(ERRORS_EN) <= set(ERRORS), missing(ERRORS, "ERRORS", set(ERRORS_EN), "<the same in Japanese>")


def test_the_failure_message_names_the_table_the_file_and_the_code_to_add() -> None:
    assert missing({"a": "x"}, "ERRORS_EN", {"a", "new_code"}, "<English>") == (
        f'add to ERRORS_EN in {WORDS}:\n    "new_code": "<English>",'
    )


def test_the_state_refusals_are_409_the_invalid_requests_422_and_an_unknown_code_a_500() -> None:
    assert [status_of(code) for code in ("not_paid", "no_open_case", "invalid_request", "outside_service_area")] == [
        409,
        409,
        422,
        422,
    ]
    assert status_of("contract_cancelled") == 409
    assert status_of("no_such_code") == 500


def test_a_message_is_japanese_by_default_and_english_on_request() -> None:
    assert error_message("contract_cancelled") == "この契約は解約済みのため、お受けできません。"
    assert error_message("contract_cancelled", "en") == "The contract has been cancelled: this cannot be accepted."
    assert error_message("no_such_code", "en") == "The request could not be processed. Try again later."


def test_a_detail_carries_the_refusals_dates_status_field_and_clauses_in_its_language() -> None:
    params = {"on": "2026-12-04", "latest": "2026-12-10"}
    assert error_detail("out_of_order", "ja", params=params, field="date") == (
        "この日付より後の記録(修理依頼・解約など)がすでにあります。日付をお確かめください。"
        "2026年12月4日(金)は、2026年12月10日(木)の記録より前の日付です。(項目: date)"
    )
    assert error_detail("out_of_order", "en", params=params, field="date") == (
        "A later record (a repair request, a cancellation, …) already exists. Check the date. "
        "2026-12-04 is before the record of 2026-12-10. (field: date)"
    )
    status = error_detail("contract_not_active", "ja", params={"status": "transferred"}, clauses=["第6条(4)"])
    assert status.endswith("この契約の状態は「譲渡により終了」です。(根拠: 第6条(4))")


def test_an_english_detail_without_a_template_adds_the_services_own_words_and_japanese_does_not() -> None:
    message = "unknown plan 'kaden-99y' in 2024.04"
    english = error_detail("invalid_contract", "en", message=message, field="plan", more=2)
    assert english == "Check the contract's data. Unknown plan 'kaden-99y' in 2024.04. (field: plan and 2 more)"
    assert error_detail("invalid_contract", "ja", message=message, field="plan") == (
        "入力内容をご確認ください。(項目: plan)"
    )


def test_a_template_whose_values_are_missing_is_left_out() -> None:
    assert error_detail("out_of_order", "ja", params={"on": "2026-12-04"}) == ERRORS["out_of_order"]


def test_accept_language_picks_by_weight_then_order_and_defaults_to_japanese() -> None:
    cases = {
        None: "ja",
        "": "ja",
        "en": "en",
        "en-US,en;q=0.9": "en",
        "ja,en;q=0.8": "ja",
        "ja;q=0.5, en;q=0.8": "en",
        "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5": "en",
        "fr, de": "ja",  # nothing Hosho speaks: the default
        "*": "ja",
        "ja;q=0, *": "en",  # Japanese refused, anything else accepted
        "en;q=0": "ja",
        "en;q=0.000": "ja",
        "EN-gb": "en",
        "en;q=1.5, ja;q=0.1": "ja",  # a weight above 1 is not a weight: that entry is ignored
        "en;q=abc, ja": "ja",
        "en ; q = 0.7 , ja ; q = 0.3": "en",
        "de;q=0.9, en;q=0.9": "en",
    }
    assert {header: negotiate_language(header) for header in cases} == cases


@given(st.text(max_size=80))
def test_any_header_gives_a_language_hosho_speaks(header: str) -> None:
    assert negotiate_language(header) in LANGUAGES


@given(st.permutations(["en;q=0.3", "ja;q=0.6", "fr;q=0.9", "de;q=0.1"]))
def test_the_order_of_entries_with_distinct_weights_does_not_matter(entries: list[str]) -> None:
    assert negotiate_language(", ".join(entries)) == "ja"
