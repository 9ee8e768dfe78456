"""Programs as data: versions, plans, the parameters the engine reads, and every clause with its text."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hosho.api.auth import HoshoDep, current_actor
from hosho.api.problems import responses
from hosho.api.schemas import ClausesOut, ProgramOut, ProgramSummary
from hosho.domain.program import Program, ProgramVersion
from hosho.programs.catalog import Vocabulary
from hosho.service.context import Hosho, not_found

router = APIRouter(tags=["programs"], dependencies=[Depends(current_actor)], responses=responses(401, 422, 500))


def _program(hosho: Hosho, program_id: str) -> Program:
    program = hosho.rules.catalog.programs.get(program_id)
    if program is None:
        raise not_found(f"program {program_id!r}")
    return program


@router.get(
    "/programs",
    operation_id="listPrograms",
    response_model=list[ProgramSummary],
    summary="List the programs",
    description="Every program shipped, with its versions (by effective date) and the one in force today.",
)
def list_programs(hosho: HoshoDep) -> list[dict[str, Any]]:
    today = hosho.today()
    return [
        {
            "id": program.id,
            "name": program.version_on(today).name,
            "provider": program.version_on(today).provider,
            "current_version": program.version_on(today).version,
            "versions": [{"version": v.version, "effective_from": v.effective_from} for v in program.versions],
        }
        for program in hosho.rules.catalog.programs.values()
    ]


@router.get(
    "/programs/{program}",
    operation_id="getProgram",
    response_model=ProgramOut,
    summary="A program's versions, plans and parameters",
    description="For each version: its plans (service mode, years, refund rates) and a summary of its parameters, "
    "including how each cause of the vocabulary is decided and by which clauses.",
    responses=responses(404),
)
def get_program(program: str, hosho: HoshoDep) -> dict[str, Any]:
    found = _program(hosho, program)
    latest = found.versions[-1]
    vocabulary = hosho.rules.catalog.vocabulary
    return {
        "id": found.id,
        "name": latest.name,
        "provider": latest.provider,
        "versions": [_version(version, vocabulary) for version in found.versions],
    }


@router.get(
    "/programs/{program}/clauses",
    operation_id="listClauses",
    response_model=ClausesOut,
    summary="A version's clauses",
    description="Every clause of the version in force on `on` (default: today): label, parent, title, text and "
    "the text per service mode where the terms differ by mode.",
    responses=responses(404),
)
def get_clauses(
    program: str,
    hosho: HoshoDep,
    on: Annotated[dt.date | None, Query(description="Pick the version in force on this day")] = None,
) -> dict[str, Any]:
    version = _program(hosho, program).version_on(on or hosho.today())
    return {
        "program": program,
        "terms_version": version.version,
        "clauses": [
            {
                "label": clause.label,
                "parent": clause.parent,
                "title": clause.title,
                "text": clause.text,
                "text_by_mode": dict(clause.text_by_mode),
            }
            for clause in version.clauses.values()
        ],
    }


def _version(version: ProgramVersion, vocabulary: Vocabulary) -> dict[str, Any]:
    enrollment = version.enrollment
    return {
        "version": version.version,
        "effective_from": version.effective_from,
        "name": version.name,
        "provider": version.provider,
        "plans": [
            {
                "id": plan.id,
                "name": plan.name,
                "service_mode": plan.service_mode.value,
                "term_years": plan.term_years,
                "consumable_replacements": plan.consumable_replacements,
                "maker_onsite_repair": plan.maker_onsite_repair,
                "refund_rates": [str(rate) for rate in plan.refund_rates],
                "clauses": list(plan.clauses),
            }
            for plan in version.plans.values()
        ],
        "parameters": {
            "coverage_start": version.coverage.start.value,
            "default_manufacturer_warranty_months": version.coverage.default_manufacturer_warranty_months,
            "enrollment": {
                "window_months_after_operation_start": enrollment.window_months_after_operation_start,
                "whole_system_required": enrollment.whole_system_required,
                "countries": sorted(enrollment.countries),
                "remote_islands_excluded": enrollment.remote_islands_excluded,
                "requires_purchase_price": enrollment.requires_purchase_price,
                "requires_operation_start": enrollment.requires_operation_start,
            },
            "service_levels": {mode.value: level.business_days for mode, level in version.sla.items()},
            "max_install_height_m": version.requests.max_install_height_m,
            "repair_cap": version.cap is not None,
            "refunds_allowed": version.cancellation.refunds_allowed,
            "refund_bracket_years": list(version.cancellation.bracket_years),
            "consumables_around_years": version.consumables.around_years if version.consumables else None,
            "change_fields": sorted(version.changes.fields),
            "call_center": {
                "name": version.call_center.name,
                # CallCenterOut.phone is a str: "" until the schema says "not set" (certificates are refused then).
                "phone": version.call_center.phone or "",
                "hours": version.call_center.hours,
            },
            "equipment_kinds": [
                {"kind": kind.id, "name_ja": kind.name, "system_role": kind.system_role, "recorder": kind.recorder}
                for kind in version.equipment_kinds.values()
            ],
            "causes": [
                {
                    "cause": cause,
                    "name_ja": vocabulary.causes.get(cause, cause),
                    "covered": rule.covered,
                    "clauses": list(rule.clauses),
                }
                for cause, rule in version.causes.items()
            ],
        },
    }
