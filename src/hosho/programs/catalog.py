"""Load every program shipped in this package (or in a folder given), and any extra program folders, into domain
objects.

A mistake in any file is reported with its file, line and reason; all problems are collected first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any

from hosho.domain.calendar import AnnualClosure, Closures, DateRange, ReceptionHours
from hosho.domain.money import Rate
from hosho.domain.program import (
    CallCenter,
    CancellationRule,
    CapRule,
    CauseRule,
    ChangeRule,
    Clause,
    Condition,
    ConsumableRule,
    CostLine,
    CoverageRule,
    DateBounds,
    EnrollmentRule,
    EquipmentKind,
    NoticeRules,
    Plan,
    Program,
    ProgramVersion,
    RequestRule,
    ServiceLevel,
    ServiceMode,
)
from hosho.programs.schema import (
    WEEKDAYS,
    CostIn,
    ProgramFile,
    RulesFile,
    TermsFile,
    VocabularyFile,
    label_refs,
)
from hosho.programs.yamlio import Document, LoadError, Problem, read_yaml, validate

RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
# Folders of programs loaded beside the shipped ones, separated like PATH (os.pathsep).
PROGRAMS_PATH = "HOSHO_PROGRAMS_PATH"


@dataclass(frozen=True, slots=True)
class Vocabulary:
    causes: dict[str, str]
    parts: dict[str, str]
    claims: dict[str, str]
    cost_items: dict[str, str]
    payers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Catalog:
    programs: dict[str, Program]
    vocabulary: Vocabulary

    def program(self, program_id: str) -> Program:
        return self.programs[program_id]


def default_root() -> Path:
    return Path(str(resources.files("hosho.programs")))


def extra_program_paths(environ: Mapping[str, str] | None = None) -> tuple[Path, ...]:
    """The folders named by HOSHO_PROGRAMS_PATH, in order (empty entries ignored)."""
    value = (os.environ if environ is None else environ).get(PROGRAMS_PATH, "")
    return tuple(Path(part) for part in value.split(os.pathsep) if part.strip())


def load_catalog(root: Path | None = None, *, extra: Iterable[Path] = ()) -> Catalog:
    """Every `*/program.yaml` below root with its version folders, and root's vocabulary.yaml.

    Each `extra` folder is either a program folder (it holds a program.yaml) or a folder of program folders; its
    programs use root's vocabulary and must not reuse an id.
    """
    base = root or default_root()
    problems: list[Problem] = []
    vocabulary = _collect(problems, lambda: _load_vocabulary(base / "vocabulary.yaml"))
    files = sorted(base.glob("*/program.yaml"))
    for folder in extra:
        if (folder / "program.yaml").is_file():
            files.append(folder / "program.yaml")
        elif folder.is_dir():
            found = sorted(folder.glob("*/program.yaml"))
            if not found:
                problems.append(Problem(str(folder), None, "no program folder with a program.yaml"))
            files += found
        else:
            problems.append(Problem(str(folder), None, f"no such program folder (from {PROGRAMS_PATH} or extra)"))
    programs: dict[str, Program] = {}
    for program_file in files:
        program = _collect(problems, lambda f=program_file: _load_program(f, vocabulary))
        if program is None:
            continue
        if program.id in programs:
            problems.append(Problem(str(program_file), 1, f"program {program.id!r} is already loaded from elsewhere"))
        programs[program.id] = program
    if problems:
        raise LoadError(problems)
    if vocabulary is None:  # pragma: no cover - a problem was recorded above
        raise LoadError([Problem(str(base), None, "no vocabulary")])
    if not programs:
        raise LoadError([Problem(str(base), None, "no program folder with a program.yaml")])
    return Catalog(programs, vocabulary)


def _collect(problems: list[Problem], load: Any) -> Any:
    try:
        return load()
    except LoadError as exc:
        problems.extend(exc.problems)
        return None


def _load_vocabulary(path: Path) -> Vocabulary:
    data = validate(VocabularyFile, read_yaml(path))
    return Vocabulary(
        dict(data.causes),
        dict(data.parts),
        dict(data.claims),
        dict(data.cost_items),
        {payer.value: text for payer, text in data.payers.items()},
    )


def _load_program(path: Path, vocabulary: Vocabulary | None) -> Program:
    doc = read_yaml(path)
    meta = validate(ProgramFile, doc)
    if path.parent.name != meta.id:
        raise LoadError([Problem(doc.path, doc.line_of(("id",)), f"id {meta.id!r} differs from its folder name")])
    problems: list[Problem] = []
    versions = []
    for effective in sorted(meta.versions):
        folder = path.parent / effective.isoformat()
        version = _collect(problems, lambda f=folder, d=effective: _load_version(meta, f, d, vocabulary))
        if version is not None:
            versions.append(version)
    listed = {d.isoformat() for d in meta.versions}
    for extra in sorted(p.name for p in path.parent.iterdir() if p.is_dir() and RANGE.match(p.name)):
        if extra not in listed:
            problems.append(Problem(doc.path, doc.line_of(("versions",)), f"folder {extra} is not listed in versions"))
    if problems:
        raise LoadError(problems)
    return Program(meta.id, tuple(versions))


def _load_version(meta: ProgramFile, folder: Path, effective: date, vocabulary: Vocabulary | None) -> ProgramVersion:
    if not folder.is_dir():
        raise LoadError([Problem(str(folder), None, "version folder listed in program.yaml is missing")])
    terms_doc = read_yaml(folder / "terms.yaml")
    rules_doc = read_yaml(folder / "rules.yaml")
    terms = validate(TermsFile, terms_doc)
    rules = validate(RulesFile, rules_doc)
    problems: list[Problem] = []
    clauses: dict[str, Clause] = {}
    for index, item in enumerate(terms.clauses):
        line = terms_doc.line_of(("clauses", index))
        if item.label in clauses:
            problems.append(Problem(terms_doc.path, line, f"label {item.label!r} is defined twice"))
        if item.parent is not None and item.parent not in clauses:
            problems.append(Problem(terms_doc.path, line, f"parent {item.parent!r} is not defined before it"))
        clauses[item.label] = Clause(
            item.label,
            item.parent,
            item.title,
            item.text,
            {str(mode): text for mode, text in (item.text_by_mode or {}).items()},
        )
    problems += _check_rules(rules, rules_doc, clauses, vocabulary)
    if problems:
        raise LoadError(problems)
    return _build(meta, effective, clauses, rules, rules_doc)


def _check_rules(
    rules: RulesFile, doc: Document, clauses: dict[str, Clause], vocabulary: Vocabulary | None
) -> list[Problem]:
    problems = []

    def problem(location: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(doc.path, doc.line_of(location), message))

    for location, label in label_refs(rules):
        if label not in clauses:
            problem(location, f"label {label!r} is not in terms.yaml")
    roles = {kind.system_role for kind in rules.equipment_kinds.values() if kind.system_role is not None}
    if rules.enrollment.whole_system_required and not roles:
        problem(("enrollment", "whole_system_required"), "a whole system needs equipment kinds with a system_role")
    for day in rules.calendar.reception:
        if day not in rules.calendar.working_weekdays:
            problem(("calendar", "reception", day), f"reception on {day}, which is not in working_weekdays")
    plan_ids = [plan.id for plan in rules.plans]
    for index, plan in enumerate(rules.plans):
        if plan_ids.count(plan.id) > 1:
            problem(("plans", index, "id"), f"plan {plan.id!r} is defined twice")
        brackets = len(rules.cancellation.bracket_years)
        if rules.cancellation.refunds_allowed and len(plan.refund_rates) != brackets + 1:
            problem(("plans", index, "refund_rates"), f"needs {brackets + 1} rates (one per refund bracket)")
        if plan.consumable_replacements and rules.consumables is None:
            problem(("plans", index, "consumable_replacements"), "no consumables rule in this version")
        if plan.service_mode is not ServiceMode.MAKER and plan.service_mode not in rules.service_levels:
            problem(("plans", index, "service_mode"), f"no service level for {plan.service_mode.value}")
    if rules.enrollment.window_months_after_operation_start and not rules.enrollment.requires_operation_start:
        problem(("enrollment",), "an enrollment window needs requires_operation_start: true")
    years = rules.cancellation.bracket_years
    if years != sorted(set(years)):
        problem(("cancellation", "bracket_years"), "bracket years must rise")
    for key, ranges in rules.calendar.by_year.items():
        for index, text in enumerate(ranges):
            try:
                parsed = parse_range(text)
            except ValueError as exc:
                problem(("calendar", "by_year", str(key), index), str(exc))
                continue
            if parsed.first.year != key:
                problem(("calendar", "by_year", str(key), index), f"a {key} override must start in {key}")
    for index, closure in enumerate(rules.calendar.closures):
        try:
            _annual(closure.name, closure.start, closure.end)
        except ValueError as exc:
            problem(("calendar", "closures", index), str(exc))
    for day, windows in rules.calendar.reception.items():
        for index, window in enumerate(windows):
            try:
                _window(window)
            except ValueError as exc:
                problem(("calendar", "reception", day, index), str(exc))
    if rules.requests.not_reproduced_cause not in rules.causes:
        problem(("requests", "not_reproduced_cause"), f"no rule for cause {rules.requests.not_reproduced_cause!r}")
    for index, ground in enumerate(rules.requests.review):
        if not getattr(rules.requests, ground, None) and ground != "above_height":
            problem(("requests", "review", index), f"{ground} names no clause in requests: nothing to review")
    if vocabulary is not None:
        for cause in vocabulary.causes:
            if cause not in rules.causes:
                problem(("causes",), f"cause {cause!r} has no rule")
        for cause in rules.causes:
            if cause not in vocabulary.causes:
                problem(("causes", cause), f"unknown cause {cause!r} (not in vocabulary.yaml)")
        for part in rules.requests.excluded_parts:
            if part not in vocabulary.parts:
                problem(("requests", "excluded_parts", part), f"unknown part {part!r}")
        for index, part in enumerate(rules.requests.recorders_only_parts):
            if part not in rules.requests.excluded_parts:
                problem(("requests", "recorders_only_parts", index), f"part {part!r} is not in excluded_parts")
        for claim in rules.requests.claims:
            if claim not in vocabulary.claims or claim == "repair":
                problem(("requests", "claims", claim), f"unknown claim {claim!r}")
        for section, lines in (("costs", rules.costs), ("replacement_costs", rules.replacement_costs)):
            for index, line in enumerate(lines):
                if line.item not in vocabulary.cost_items:
                    problem((section, index, "item"), f"unknown cost item {line.item!r}")
    return problems


def parse_range(text: str) -> DateRange:
    """`2026-12-29` or `2026-12-29..2027-01-03` (inclusive)."""
    match = RANGE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a date or a range A..B (YYYY-MM-DD)")
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2)) if match.group(2) else first
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if last < first:
        raise ValueError(f"{text!r} ends before it starts")
    return DateRange(first, last, "休業日")


def _annual(name: str, start: str, end: str) -> AnnualClosure:
    sm, sd = (int(x) for x in start.split("-"))
    em, ed = (int(x) for x in end.split("-"))
    return AnnualClosure(name, (sm, sd), (em, ed))


def _window(text: str) -> tuple[time, time]:
    first, last = text.split("-")
    start, end = time.fromisoformat(first), time.fromisoformat(last)
    if end <= start:
        raise ValueError(f"reception window {text!r} ends before it starts")
    return start, end


def _labels(values: list[str]) -> tuple[str, ...]:
    return tuple(values)


def _cost(line: CostIn) -> CostLine:
    when = line.when
    return CostLine(
        item=line.item,
        payer=line.payer,
        clauses=_labels(line.clauses),
        when=Condition(
            modes=frozenset(when.modes) if when.modes is not None else None,
            remote_island=when.remote_island,
            maker_onsite_repair=when.maker_onsite_repair,
            above_height=when.above_height,
        ),
        note=line.note,
    )


def _build(
    meta: ProgramFile, effective: date, clauses: dict[str, Clause], rules: RulesFile, doc: Document
) -> ProgramVersion:
    enrollment = rules.enrollment
    requests = rules.requests
    cancellation = rules.cancellation
    calendar = rules.calendar
    notices = rules.notices
    return ProgramVersion(
        program_id=meta.id,
        name=meta.name,
        provider=meta.provider,
        effective_from=effective,
        source=meta.source,
        clauses=clauses,
        plans={
            plan.id: Plan(
                id=plan.id,
                name=plan.name,
                service_mode=plan.service_mode,
                term_years=plan.term_years,
                consumable_replacements=plan.consumable_replacements,
                refund_rates=tuple(Rate.parse_percent(rate) for rate in plan.refund_rates),
                maker_onsite_repair=plan.maker_onsite_repair,
                clauses=_labels(plan.clauses),
            )
            for plan in rules.plans
        },
        coverage=CoverageRule(
            rules.coverage.start,
            rules.coverage.default_manufacturer_warranty_months,
            _labels(rules.coverage.clauses),
        ),
        enrollment=EnrollmentRule(
            window_months_after_operation_start=enrollment.window_months_after_operation_start,
            window_clauses=_labels(enrollment.window_clauses),
            whole_system_required=enrollment.whole_system_required,
            whole_system_clauses=_labels(enrollment.whole_system_clauses),
            countries=frozenset(enrollment.countries),
            remote_islands_excluded=enrollment.remote_islands_excluded,
            area_clauses=_labels(enrollment.area_clauses),
            requires_purchase_price=enrollment.requires_purchase_price,
            requires_operation_start=enrollment.requires_operation_start,
            certificate_clauses=_labels(enrollment.certificate_clauses),
            version_clauses=_labels(enrollment.version_clauses),
        ),
        reception=ReceptionHours(
            {WEEKDAYS.index(day): tuple(_window(w) for w in windows) for day, windows in calendar.reception.items()}
        ),
        reception_clauses=_labels(calendar.reception_clauses),
        closures=Closures(
            annual=tuple(_annual(c.name, c.start, c.end) for c in calendar.closures),
            by_year={year: tuple(parse_range(r) for r in ranges) for year, ranges in calendar.by_year.items()},
            weekly=frozenset(range(7)) - {WEEKDAYS.index(day) for day in calendar.working_weekdays},
        ),
        sla={
            mode: ServiceLevel(level.business_days, _labels(level.clauses))
            for mode, level in rules.service_levels.items()
        },
        causes={
            cause: CauseRule(rule.covered, _labels(rule.clauses), rule.reasoning)
            for cause, rule in rules.causes.items()
        },
        requests=RequestRule(
            cancelled=_labels(requests.cancelled),
            ended=_labels(requests.ended),
            transferred=_labels(requests.transferred),
            before_coverage=_labels(requests.before_coverage),
            after_coverage=_labels(requests.after_coverage),
            abroad=_labels(requests.abroad),
            unreported_replacement=_labels(requests.unreported_replacement),
            no_parts_needed=_labels(requests.no_parts_needed),
            excluded_parts={part: _labels(labels) for part, labels in requests.excluded_parts.items()},
            max_install_height_m=requests.max_install_height_m,
            height_clauses=_labels(requests.height_clauses),
            claims={claim: _labels(labels) for claim, labels in requests.claims.items()},
            claims_reasoning=requests.claims_reasoning,
            covered_clauses=_labels(requests.covered),
            review=frozenset(requests.review),
            recorders_only_parts=frozenset(requests.recorders_only_parts),
            not_reproduced_cause=requests.not_reproduced_cause,
            dispute_clauses=_labels(requests.dispute_clauses),
            dispute_reasoning=requests.dispute_reasoning,
        ),
        costs=tuple(_cost(line) for line in rules.costs),
        replacement_costs=tuple(_cost(line) for line in rules.replacement_costs),
        cap=CapRule(_labels(rules.cap.clauses), _labels(rules.cap.ends_contract_clauses)) if rules.cap else None,
        cancellation=CancellationRule(
            refunds_allowed=cancellation.refunds_allowed,
            no_refund_clauses=_labels(cancellation.no_refund_clauses),
            bracket_years=tuple(cancellation.bracket_years),
            customer_clauses=_labels(cancellation.customer_clauses),
            rescission_clauses=_labels(cancellation.rescission_clauses),
            rescission_no_refund_clauses=_labels(cancellation.rescission_no_refund_clauses),
        ),
        consumables=(
            ConsumableRule(rules.consumables.around_years, _labels(rules.consumables.clauses), rules.consumables.notice)
            if rules.consumables
            else None
        ),
        changes=ChangeRule(
            fields=frozenset(rules.changes.fields),
            clauses=_labels(rules.changes.clauses),
            transfer_clauses=_labels(rules.changes.transfer_clauses),
            maker_replacement_clauses=_labels(rules.changes.maker_replacement_clauses),
            unreported_replacement_clauses=_labels(rules.changes.unreported_replacement_clauses),
        ),
        call_center=CallCenter(
            meta.call_center.name, meta.call_center.phone, meta.call_center.hours, meta.call_center.fictitious
        ),
        certificate_title=rules.certificate.title,
        certificate_clauses=_labels(rules.certificate.key_clauses),
        equipment_kinds={
            kind_id: EquipmentKind(kind_id, kind.name, kind.system_role, kind.recorder)
            for kind_id, kind in rules.equipment_kinds.items()
        },
        dates=DateBounds(meta.dates.earliest, meta.dates.latest, meta.dates.years_after_purchase),
        notices=NoticeRules(
            certificate_clauses=_labels(notices.certificate.clauses),
            consumable_days_before=notices.consumable_replacement.days_before,
            consumable_clauses=_labels(notices.consumable_replacement.clauses),
            coverage_ending_days_before=notices.coverage_ending.days_before,
            coverage_ending_clauses=_labels(notices.coverage_ending.clauses),
            sla_breach_days_after=notices.sla_breach.days_after,
            sla_breach_clauses=_labels(notices.sla_breach.clauses),
        ),
    )
