"""The `hosho` command as a user runs it: exit codes, one line per failure, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SCENARIOS, SPEC_EXAMPLES

BAD = ROOT / "tests" / "fixtures" / "bad_scenarios"


def hosho(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hosho.cli", *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def test_check_passes_the_shipped_scenarios_and_ends_with_the_total() -> None:
    result = hosho("check", SCENARIOS)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")


@pytest.mark.skipif(not SPEC_EXAMPLES.is_dir(), reason="shared/spec is not beside this checkout")
def test_check_passes_the_spec_examples() -> None:
    result = hosho("check", SPEC_EXAMPLES)
    assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "15 passed, 0 failed")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not-yaml.yaml", "not valid YAML"),
        ("unknown-key.yaml", "unknown key"),
        ("unknown-plan.yaml", "unknown plan"),
        ("unknown-cause.yaml", "unknown cause"),
        ("unknown-action.yaml", "unknown action"),
        ("impossible-date.yaml", "2025-02-30"),
        ("negative-price.yaml", "purchase_price"),
        ("duplicate-key.yaml", "duplicate key"),
    ],
)
def test_a_malformed_scenario_fails_with_its_path_line_and_reason(name: str, reason: str) -> None:
    result = hosho("check", BAD / name)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{BAD / name}:"), first
    assert first.split(":")[1].isdigit(), f"no line number in {first!r}"
    assert reason in first
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"


def test_bad_files_do_not_stop_the_good_ones(tmp_path: Path) -> None:
    shutil.copytree(BAD, tmp_path / "bad")
    shutil.copy(SCENARIOS / "zest" / next(p.name for p in (SCENARIOS / "zest").glob("*.yaml")), tmp_path)
    result = hosho("check", tmp_path)
    assert result.stdout.splitlines()[-1] == f"1 passed, {len(list(BAD.glob('*.yaml')))} failed"


def test_a_failed_expectation_names_file_step_key_expected_and_got(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        (SPEC_EXAMPLES / "zest-refund-anniversary.yaml").read_text(encoding="utf-8").replace("2670", "2671")
        if SPEC_EXAMPLES.is_dir()
        else "",
        encoding="utf-8",
    )
    if not SPEC_EXAMPLES.is_dir():
        pytest.skip("shared/spec is not beside this checkout")
    result = hosho("check", wrong)
    assert result.returncode == 1
    assert f"{wrong}: step 2 (cancel): refund: expected 2671, got 2670" in result.stdout


def test_explain_reads_the_decision_with_clause_text_deadline_and_costs() -> None:
    scenario = SCENARIOS / "ipro" / "onsite-friday-after-hours-holiday-monday.yaml"
    result = hosho("explain", scenario)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "受付日: 2026年11月24日(火)" in out
    assert "2026年11月23日(月) 勤労感謝の日" in out
    assert "訪問期限: 2026年11月26日(木)" in out
    assert "修理日数の目安: 修理受付後、翌々営業日以内に訪問対応いたします。" in out
    assert "出張費用: 保証側が負担(無償)" in out


def test_explain_says_a_refusal_in_japanese() -> None:
    scenario = SCENARIOS / "zest" / "unpaid-contract-refuses-request-cancel-and-transfer.yaml"
    result = hosho("explain", scenario)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "→ 保証料金のお支払いが確認できていないため、加入者証が発行されていません。お受けできません。" in out
    assert "not_paid" not in out


def test_a_missing_path_is_reported_without_a_traceback() -> None:
    result = hosho("check", "no/such/folder")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["no/such/folder: no such file or folder", "0 passed, 1 failed"]
    assert "Traceback" not in result.stderr


def test_check_api_needs_nothing_beyond_the_package_s_own_requirements() -> None:
    """`hosho check --api` uses httpx: a plain `pip install hosho` must bring it (not only the dev extra)."""
    from importlib.metadata import requires

    runtime = [r.split(";")[0].split("==")[0].strip() for r in requires("hosho") or () if "extra ==" not in r]
    assert "httpx" in runtime


THIRD_PROGRAM = ROOT / "tests" / "fixtures" / "programs"


def _hosho_with_programs(path: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOSHO_PROGRAMS_PATH": path}
    return subprocess.run(
        [sys.executable, "-m", "hosho.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_check_runs_a_third_programs_scenarios_loaded_from_hosho_programs_path() -> None:
    scenarios = THIRD_PROGRAM / "hokusei" / "scenarios"
    count = len(list(scenarios.glob("*.yaml")))
    result = _hosho_with_programs(str(THIRD_PROGRAM), "check", scenarios)
    assert (result.returncode, result.stdout.splitlines()[-1]) == (0, f"{count} passed, 0 failed"), result.stdout
    listed = _hosho_with_programs(str(THIRD_PROGRAM), "programs")
    assert "hokusei@2024-04-01  北星冷機 業務用冷蔵庫 保守サービス" in listed.stdout
    without = hosho("check", scenarios)
    assert without.returncode == 1
    assert "unknown program 'hokusei'" in without.stdout


def test_a_missing_programs_folder_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    result = _hosho_with_programs(str(tmp_path / "nowhere"), "programs")
    assert result.returncode == 2
    assert f"{tmp_path / 'nowhere'}: no such program folder" in result.stderr
    assert "Traceback" not in result.stderr
