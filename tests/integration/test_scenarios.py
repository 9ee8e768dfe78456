"""Every scenario shipped with Hosho and every example of the spec passes; every label is exercised."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hosho.engine import Engine
from hosho.programs.catalog import Catalog
from hosho.scenarios.runner import run_file, scenario_files
from tests.conftest import SCENARIOS, SPEC_EXAMPLES

OWN = sorted(scenario_files([SCENARIOS]))
EXAMPLES = sorted(SPEC_EXAMPLES.glob("*.yaml")) if SPEC_EXAMPLES.is_dir() else []


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", OWN + EXAMPLES, ids=_id)
def test_scenario_passes(engine: Engine, path: Path) -> None:
    outcome = run_file(path, engine)
    assert outcome.passed, "\n".join(map(str, [*outcome.problems, *outcome.failures]))


def test_the_spec_examples_are_present() -> None:
    if not EXAMPLES and os.environ.get("CI") != "true":
        pytest.skip("../shared/spec/examples is not beside this checkout")
    assert len(EXAMPLES) >= 15


def test_hosho_carries_at_least_120_scenarios_of_its_own() -> None:
    assert len(OWN) >= 120


def test_every_label_in_the_program_data_is_exercised_by_some_scenario(engine: Engine, catalog: Catalog) -> None:
    cited: dict[str, set[str]] = {program: set() for program in catalog.programs}
    for path in OWN:
        outcome = run_file(path, engine)
        if outcome.scenario is not None:
            cited[outcome.scenario.program] |= outcome.cited
    missing = []
    for program_id, program in catalog.programs.items():
        for version in program.versions:
            exercised = set()
            for label in cited[program_id]:
                # Citing an item exercises the article or row it belongs to.
                while label is not None and label in version.clauses:
                    exercised.add(label)
                    label = version.clauses[label].parent  # type: ignore[assignment]
            missing += [f"{version.version} {label}" for label in version.clauses if label not in exercised]
    assert not missing, "labels no scenario exercises:\n" + "\n".join(missing)
