"""Every scenario shipped with Hosho and every example of the spec passes through the service; every label is asserted;
a check that checks nothing fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from hosho.scenarios.inprocess import Service, runner, scratch_service
from hosho.scenarios.runner import Outcome, check_file, check_paths, report, same, scenario_files
from tests.conftest import SCENARIOS, SPEC_EXAMPLES

OWN = sorted(scenario_files([SCENARIOS]))
EXAMPLES = sorted(SPEC_EXAMPLES.glob("*.yaml")) if SPEC_EXAMPLES.is_dir() else []


@pytest.fixture(scope="module")
def service(engine: Engine) -> Iterator[Service]:
    with scratch_service(engine) as service:
        yield service


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _lines(outcome: Outcome) -> list[str]:
    return [str(line) for line in (*outcome.problems, *outcome.failures)]


@pytest.mark.parametrize("path", OWN + EXAMPLES, ids=_id)
def test_scenario_passes(service: Service, path: Path) -> None:
    outcome = check_file(path, service.hosho.rules.catalog, service)
    assert outcome.passed, "\n".join(_lines(outcome))


def test_the_spec_examples_are_present() -> None:
    if not EXAMPLES and os.environ.get("CI") != "true":
        pytest.skip("../shared/spec/examples is not beside this checkout")
    assert len(EXAMPLES) >= 15


def test_hosho_carries_at_least_120_scenarios_of_its_own() -> None:
    assert len(OWN) >= 120


def _asserted(service: Service, paths: list[Path]) -> dict[str, set[str]]:
    catalog = service.hosho.rules.catalog
    asserted: dict[str, set[str]] = {program: set() for program in catalog.programs}
    for path in paths:
        outcome = check_file(path, catalog, service)
        if outcome.scenario is not None and outcome.passed:
            asserted[outcome.scenario.program] |= outcome.asserted
    return asserted


def _unasserted(catalog: Catalog, asserted: dict[str, set[str]]) -> list[str]:
    missing = []
    for program_id, program in catalog.programs.items():
        for version in program.versions:
            exercised = set()
            for label in asserted.get(program_id, set()):
                # Asserting an item exercises the article or row it belongs to.
                while label is not None and label in version.clauses:
                    exercised.add(label)
                    label = version.clauses[label].parent  # type: ignore[assignment]
            missing += [f"{version.version} {label}" for label in version.clauses if label not in exercised]
    return missing


def test_every_label_in_the_program_data_is_asserted_by_some_scenario(service: Service, catalog: Catalog) -> None:
    missing = _unasserted(catalog, _asserted(service, OWN))
    assert not missing, "labels no scenario asserts in an expect's clauses:\n" + "\n".join(missing)


def test_the_label_coverage_fails_when_one_assertion_is_removed(
    service: Service, catalog: Catalog, tmp_path: Path
) -> None:
    """The only assertion of a label removed: the coverage test fails, though the engine still cites the label."""
    asserting: dict[tuple[str, str], list[Path]] = {}
    for path in OWN:
        outcome = check_file(path, catalog, service)
        assert outcome.scenario is not None
        for label in outcome.asserted:
            asserting.setdefault((outcome.scenario.program, label), []).append(path)
    parents = {
        clause.parent
        for program in catalog.programs.values()
        for v in program.versions
        for clause in v.clauses.values()
    }
    (program, label), [path] = next(
        (key, paths) for key, paths in sorted(asserting.items()) if len(paths) == 1 and key[1] not in parents
    )
    text = path.read_text(encoding="utf-8")
    weakened = tmp_path / path.name
    weakened.write_text(text.replace(f", {label}", "").replace(f"{label}, ", "").replace(f"[{label}]", "[]"), "utf-8")
    assert check_file(weakened, catalog, service).passed  # the scenario still passes without the assertion
    missing = _unasserted(catalog, _asserted(service, [p for p in OWN if p != path] + [weakened]))
    assert any(line.endswith(f" {label}") for line in missing), (program, label)


# --- a check that checks nothing fails (scenarios.md) --------------------------------------------------------------

HEAD = """title: 空の確認
program: zest
contract: {plan: kaden-5y, purchase_date: 2024-04-01, purchase_price: 100000, warranty_fee: 5000}
"""


def _check(service: Service, tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "vacuous.yaml"
    path.write_text(text, encoding="utf-8")
    return _lines(check_file(path, service.hosho.rules.catalog, service))


def test_a_scenario_with_no_expectation_fails_with_its_path(service: Service, tmp_path: Path) -> None:
    lines = _check(service, tmp_path, HEAD + "steps:\n  - pay: {date: 2024-04-01}\n")
    assert lines == [
        f"{tmp_path / 'vacuous.yaml'}:1: the scenario expects nothing: give expect_enrollment or an expect on some step"
    ]


def test_an_empty_expect_fails_with_its_line(service: Service, tmp_path: Path) -> None:
    lines = _check(service, tmp_path, HEAD + "steps:\n  - pay: {date: 2024-04-01}\n    expect: {}\n")
    assert lines == [f"{tmp_path / 'vacuous.yaml'}:6: expect is empty: it checks nothing"]


def test_an_empty_expect_enrollment_fails_with_its_line(service: Service, tmp_path: Path) -> None:
    lines = _check(service, tmp_path, HEAD + "expect_enrollment: {}\n")
    assert lines[0] == f"{tmp_path / 'vacuous.yaml'}:4: expect_enrollment is empty: it checks nothing"


def test_a_refusal_that_no_expected_error_names_fails(service: Service, tmp_path: Path) -> None:
    text = HEAD + (
        "steps:\n  - pay: {date: 2024-04-01}\n    expect: {status: active}\n"
        "  - cancel: {date: 2025-04-01}\n  - cancel: {date: 2025-04-02}\n    expect: {clauses: [第9条]}\n"
    )
    lines = _check(service, tmp_path, text)
    path = tmp_path / "vacuous.yaml"
    assert lines == [f"{path}: step 3 (cancel): error: expected no refusal, got contract_not_active"]


def test_a_refused_enrolment_that_no_expected_error_names_fails(service: Service, tmp_path: Path) -> None:
    text = HEAD.replace("purchase_price: 100000, ", "") + "expect_enrollment: {status: pending}\n"
    lines = _check(service, tmp_path, text)
    assert lines == [f"{tmp_path / 'vacuous.yaml'}: enrollment: error: expected no refusal, got invalid_contract"]


def test_a_path_with_no_scenario_file_fails(service: Service, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    outcomes = check_paths([tmp_path / "empty", tmp_path / "missing"], runner(service))
    lines: list[str] = []
    assert report(outcomes, lines.append) == (0, 2)
    assert lines == [
        f"{tmp_path / 'empty'}: no scenario file (*.yaml) here",
        f"{tmp_path / 'missing'}: no such file or folder",
        "0 passed, 2 failed",
    ]


def test_a_float_does_not_pass_for_an_integer(service: Service, tmp_path: Path) -> None:
    text = HEAD + (
        "steps:\n  - pay: {date: 2024-04-01}\n  - cancel: {date: 2025-04-01, transfer_fee: 330}\n"
        "    expect: {refund: 2670.0}\n"
    )
    assert _check(service, tmp_path, text) == [
        f"{tmp_path / 'vacuous.yaml'}: step 2 (cancel): refund: expected 2670.0, got 2670"
    ]
    assert _check(service, tmp_path, text.replace("2670.0", "2670")) == []


@pytest.mark.parametrize(
    ("expected", "got", "equal"),
    [
        (2670, 2670, True),
        (2670.0, 2670, False),
        (True, 1, False),
        (1, True, False),
        ("2025-04-01", "2025-04-01", True),
        (None, None, True),
        (None, 0, False),
        ({"count": 1}, {"count": 1, "around": None}, True),
        ({"count": 1.0}, {"count": 1}, False),
    ],
)
def test_values_compare_by_type_as_well(expected: object, got: object, equal: bool) -> None:
    assert same(expected, got) is equal
