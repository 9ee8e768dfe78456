"""A mistake in program data is reported with its file, line and reason, every mistake at once."""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hosho.programs.catalog import default_root, extra_program_paths, load_catalog
from hosho.programs.schema import ANY, RulesFile, label_fields, label_refs
from hosho.programs.yamlio import LoadError, Problem, read_yaml, validate


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


def test_the_call_center_is_the_provider_s_setting_in_program_yaml_for_every_version(programs: Path) -> None:
    meta = programs / "zest" / "program.yaml"
    _replace(meta, "  phone: 03-1111-2222\n  fictitious: true\n", "  phone: 0120-123-456\n")
    shutil.copytree(programs / "zest" / "2020-01-01", programs / "zest" / "2027-04-01")
    _replace(meta, "  - 2020-01-01\n", "  - 2020-01-01\n  - 2027-04-01\n")
    versions = load_catalog(programs).program("zest").versions
    assert [(v.call_center.phone, v.call_center.fictitious) for v in versions] == [("0120-123-456", False)] * 2


def test_a_call_center_phone_that_is_not_a_number_is_reported_with_its_line(programs: Path) -> None:
    meta = programs / "ipro" / "program.yaml"
    line = _replace(meta, "  phone: 06-1111-3333\n", "  phone: パナハヨイ\n")
    assert any(f"{meta}:{line}" in p and "phone" in p for p in _problems(programs)), _problems(programs)


def test_a_program_may_load_without_a_call_center_phone(programs: Path) -> None:
    _replace(programs / "ipro" / "program.yaml", "  phone: 06-1111-3333\n", "")
    assert load_catalog(programs).program("ipro").versions[0].call_center.phone is None


THIRD = Path(__file__).resolve().parents[1] / "fixtures" / "programs" / "hokusei"


def _wildcards(location: tuple[str | int, ...], fields: set[tuple[str | int, ...]]) -> tuple[str | int, ...]:
    """The schema field a concrete location belongs to (indexes and map keys as ANY)."""
    for field in fields:
        if len(field) == len(location) and all(f in (ANY, part) for f, part in zip(field, location, strict=True)):
            return field
    raise AssertionError(f"{location} is in no label field of the schema")


def test_the_third_program_holds_a_label_in_every_kind_of_label_field() -> None:
    rules = validate(RulesFile, read_yaml(THIRD / "2024-04-01" / "rules.yaml"))
    fields = label_fields(RulesFile)
    assert {_wildcards(location, fields) for location, _ in label_refs(rules)} == fields


def test_a_misspelt_label_in_any_label_field_is_reported_at_its_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "hokusei"
    shutil.copytree(THIRD, folder, ignore=shutil.ignore_patterns("scenarios"))
    rules = folder / "2024-04-01" / "rules.yaml"
    # Every label in that file starts with 第 and no other value holds it: 弟 is the typo a reader makes.
    expected: Counter[int] = Counter()
    lines = []
    for number, line in enumerate(rules.read_text(encoding="utf-8").splitlines(), start=1):
        data, hash_mark, comment = line.partition("#")
        expected[number] += len(re.findall(r"(?<=[\[\s,])第", data))  # labels such as 第6条第1項 start with 第
        lines.append(data.replace("第", "弟") + hash_mark + comment)
    rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as failed:
        load_catalog(extra=[folder])
    problems = failed.value.problems
    assert all(p.path == str(rules) and "弟" in p.message and "is not in terms.yaml" in p.message for p in problems)
    assert Counter(p.line for p in problems) == +expected
    assert sum(expected.values()) >= 80  # one per label reference, not a vacuous pass


def test_an_extra_program_must_not_reuse_a_shipped_id(tmp_path: Path) -> None:
    copy = tmp_path / "zest"
    shutil.copytree(default_root() / "zest", copy)
    problems = [str(p) for p in _load_problems(extra=[copy])]
    assert any(f"{copy / 'program.yaml'}:1" in p and "'zest' is already loaded" in p for p in problems), problems


def test_hosho_programs_path_lists_folders_like_path() -> None:
    assert extra_program_paths({"HOSHO_PROGRAMS_PATH": f"/a{os.pathsep}{os.pathsep}/b"}) == (Path("/a"), Path("/b"))
    assert extra_program_paths({}) == ()


def _load_problems(**options: Any) -> tuple[Problem, ...]:
    with pytest.raises(LoadError) as failed:
        load_catalog(**options)
    return failed.value.problems


def test_reception_on_a_weekday_that_is_not_worked_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "hokusei"
    shutil.copytree(THIRD, folder, ignore=shutil.ignore_patterns("scenarios"))
    rules = folder / "2024-04-01" / "rules.yaml"
    _replace(rules, "working_weekdays: [mon, tue, wed, thu, fri, sat]", "working_weekdays: [mon, tue, wed, thu, fri]")
    line = _replace(rules, '    sat: ["09:00-12:00"]', '    sat: ["09:00-12:00"]')
    problems = [str(p) for p in _load_problems(extra=[folder])]
    assert problems == [f"{rules}:{line}: reception on sat, which is not in working_weekdays"]


def test_a_whole_system_needs_equipment_kinds_with_a_role(programs: Path) -> None:
    rules = programs / "ipro" / "2022-04-01" / "rules.yaml"
    _replace(rules, "  camera: {name: カメラ, system_role: camera}", "  camera: {name: カメラ}")
    recorder = "recorder: {name: レコーダー, system_role: recorder, recorder: true}"
    _replace(rules, recorder, "recorder: {name: レコーダー}")
    _replace(
        rules,
        "  sd_recorder: {name: SDメモリーレコーダー, system_role: recorder, recorder: true}",
        "  sd_recorder: {name: SDメモリーレコーダー}",
    )
    line = _replace(rules, "  whole_system_required: true", "  whole_system_required: true")
    problems = [str(p) for p in _load_problems(root=programs)]
    assert problems == [f"{rules}:{line}: a whole system needs equipment kinds with a system_role"]
