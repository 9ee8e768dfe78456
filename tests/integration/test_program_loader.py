"""A mistake in program data is reported with its file, line and reason, every mistake at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hosho.programs.catalog import default_root, load_catalog
from hosho.programs.yamlio import LoadError


@pytest.fixture
def programs(tmp_path: Path) -> Path:
    root = tmp_path / "programs"
    shutil.copytree(default_root(), root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _replace(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def _problems(root: Path) -> list[str]:
    with pytest.raises(LoadError) as failed:
        load_catalog(root)
    return [str(problem) for problem in failed.value.problems]


def test_the_shipped_programs_load(programs: Path) -> None:
    catalog = load_catalog(programs)
    assert sorted(catalog.programs) == ["ipro", "zest"]


def test_an_unknown_key_is_reported_with_file_and_line(programs: Path) -> None:
    rules = programs / "zest" / "2020-01-01" / "rules.yaml"
    line = _replace(rules, "  term_years: 8\n", "  term_years: 8\n    term_yeras: 8\n")
    problems = _problems(programs)
    assert any(f"{rules}:{line + 1}" in p and "unknown key" in p for p in problems), problems


def test_a_label_missing_from_the_terms_is_reported_where_it_is_used(programs: Path) -> None:
    rules = programs / "zest" / "2020-01-01" / "rules.yaml"
    line = _replace(
        rules,
        "relocation_or_drop: {covered: false, clauses: [第6条(12)]}",
        "relocation_or_drop: {covered: false, clauses: [第6条(99)]}",
    )
    assert any(f"{rules}:{line}" in p and "第6条(99)" in p for p in _problems(programs))


def test_every_mistake_is_reported_at_once_across_programs(programs: Path) -> None:
    _replace(programs / "zest" / "2020-01-01" / "rules.yaml", "term_years: 8", "term_years: -8")
    _replace(programs / "ipro" / "2022-04-01" / "terms.yaml", "label: コール受付", "label: 契約コース")
    problems = _problems(programs)
    assert any("term_years" in p for p in problems)
    assert any("defined twice" in p for p in problems)


def test_an_impossible_effective_date_is_refused(programs: Path) -> None:
    meta = programs / "ipro" / "program.yaml"
    line = _replace(meta, "  - 2022-04-01", "  - 2022-02-30")
    assert any(f"{meta}:{line}" in p and "not a date" in p for p in _problems(programs))


def test_plausible_dates_are_required_and_must_make_a_range(programs: Path) -> None:
    zest, ipro = programs / "zest" / "program.yaml", programs / "ipro" / "program.yaml"
    _replace(zest, "  latest: 2099-12-31\n", "  latest: 1999-12-31\n")
    text = ipro.read_text(encoding="utf-8")
    ipro.write_text(text[: text.index("dates:")], encoding="utf-8")
    problems = _problems(programs)
    assert any(str(zest) in p and "latest must be after earliest" in p for p in problems), problems
    assert any(str(ipro) in p and "dates" in p for p in problems), problems


def test_a_duplicate_key_is_an_error(programs: Path) -> None:
    meta = programs / "zest" / "program.yaml"
    _replace(meta, "id: zest\n", "id: zest\nid: zest\n")
    assert any("duplicate key" in p and str(meta) in p for p in _problems(programs))


def test_text_that_is_not_yaml_is_reported_with_its_line(programs: Path) -> None:
    terms = programs / "zest" / "2020-01-01" / "terms.yaml"
    terms.write_text("clauses:\n  - label: [第1条\n", encoding="utf-8")
    assert any(str(terms) in p and "not valid YAML" in p for p in _problems(programs))


def test_a_cause_without_a_rule_is_refused(programs: Path) -> None:
    rules = programs / "ipro" / "2022-04-01" / "rules.yaml"
    _replace(rules, "  nuclear: {covered: false, clauses: [サービス内容に含まれない項目(1)]}\n", "")
    assert any("'nuclear' has no rule" in p for p in _problems(programs))


def test_a_new_program_is_data_only(programs: Path) -> None:
    shutil.copytree(programs / "zest", programs / "zest-two")
    _replace(programs / "zest-two" / "program.yaml", "id: zest", "id: zest-two")
    catalog = load_catalog(programs)
    assert "zest-two" in catalog.programs
    assert catalog.program("zest-two").versions[0].plans["kaden-5y"].term_years == 5


def test_a_newer_version_applies_only_to_contracts_enrolled_from_its_date(programs: Path) -> None:
    shutil.copytree(programs / "zest" / "2020-01-01", programs / "zest" / "2027-04-01")
    _replace(programs / "zest" / "program.yaml", "  - 2020-01-01\n", "  - 2020-01-01\n  - 2027-04-01\n")
    _replace(programs / "zest" / "2027-04-01" / "rules.yaml", '"3%", "2.25%"', '"2.5%", "2.25%"')
    program = load_catalog(programs).program("zest")
    from datetime import date

    assert str(program.version_on(date(2027, 3, 31)).plans["kaden-5y"].refund_rates[0]) == "3%"
    assert str(program.version_on(date(2027, 4, 1)).plans["kaden-5y"].refund_rates[0]) == "2.5%"
