"""The decision after intake (domain.adjudication): diagnosis, review, disputes, and the item a request names."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hosho.domain import adjudication
from hosho.domain.calendar import JST
from hosho.domain.contract import CaseState, DomainError, ReviewState
from hosho.domain.lifecycle import manufacturer_replacement
from hosho.domain.repairs import RepairRequest, decide_repair, record_arrival
from hosho.engine import Engine
from hosho.programs.catalog import Catalog, load_catalog
from tests.unit.builders import ipro_contract, zest_contract

AT = datetime(2026, 6, 10, 10, 0, tzinfo=JST)
CAUSES = sorted(load_catalog().vocabulary.causes)


def _covered_case(catalog: Catalog, engine: Engine, program: str = "zest"):  # type: ignore[no-untyped-def]
    contract = zest_contract(catalog, plan="aircon-8y") if program == "zest" else ipro_contract(catalog)
    decision = decide_repair(
        contract, RepairRequest(at=AT, cause="normal_use"), engine.calendar(contract.terms.closures)
    )
    assert decision.covered
    return contract, decision.case_number


@given(cause=st.sampled_from(CAUSES), program=st.sampled_from(["zest", "ipro"]))
def test_a_diagnosed_cause_decides_the_case_as_its_rule_says_and_cites_its_labels(
    catalog: Catalog, engine: Engine, cause: str, program: str
) -> None:
    contract, number = _covered_case(catalog, engine, program)
    rule = contract.terms.causes[cause]

    verdict = adjudication.diagnose(contract, number, adjudication.Finding(on=date(2026, 6, 12), cause=cause))

    case = contract.cases[number - 1]
    assert verdict.decision == ("covered" if rule.covered else "not_covered")
    assert case.covered is rule.covered
    assert case.state is (CaseState.OPEN if rule.covered else CaseState.CLOSED)
    assert set(rule.clauses) <= set(verdict.clauses)
    assert all(label in contract.terms.clauses for label in verdict.clauses)
    if not rule.clauses:  # the terms name none: the reasoning is recorded in the data instead
        assert verdict.reasons[0].reasoning or rule.covered


def test_zest_a_fault_that_does_not_reproduce_is_not_covered_by_article_6_18(catalog: Catalog, engine: Engine) -> None:
    contract, number = _covered_case(catalog, engine)
    verdict = adjudication.diagnose(contract, number, adjudication.Finding(on=date(2026, 6, 12), reproduced=False))
    assert (verdict.decision, verdict.clauses[0], verdict.costs) == ("not_covered", "第6条(18)", ())
    assert not contract.has_repair  # no repair under way any more (第9条第2項)


def test_a_diagnosis_after_the_repair_is_refused_with_its_own_code(catalog: Catalog, engine: Engine) -> None:
    contract, number = _covered_case(catalog, engine)
    contract.cases[number - 1].state = CaseState.REPAIRED
    with pytest.raises(DomainError) as refused:
        adjudication.diagnose(contract, number, adjudication.Finding(on=date(2026, 6, 12), reproduced=False))
    assert refused.value.code == "case_already_repaired"


def test_a_send_back_item_is_diagnosed_only_once_it_has_arrived(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog, plan="sendback-3y")
    calendar = engine.calendar(contract.terms.closures)
    number = decide_repair(contract, RepairRequest(at=AT, cause="normal_use"), calendar).case_number
    finding = adjudication.Finding(on=date(2026, 6, 15), reproduced=False)
    with pytest.raises(DomainError) as early:
        adjudication.diagnose(contract, number, finding)
    assert early.value.code == "item_not_arrived"
    record_arrival(contract, item_on=date(2026, 6, 12), check_sheet_on=date(2026, 6, 12), calendar=calendar)
    assert adjudication.diagnose(contract, number, finding).decision == "not_covered"


def test_an_unreported_replacement_alone_is_a_review_and_with_an_exclusion_is_not_covered(
    catalog: Catalog, engine: Engine
) -> None:
    contract = zest_contract(catalog)
    manufacturer_replacement(contract, on=date(2024, 5, 10), reported=False)
    calendar = engine.calendar(contract.terms.closures)
    alone = decide_repair(contract, RepairRequest(at=AT, cause="normal_use"), calendar)
    dropped = decide_repair(contract, RepairRequest(at=AT, cause="relocation_or_drop"), calendar)
    assert (alone.verdict, alone.clauses[0]) == ("review", "第4条第1項(2)")
    assert contract.cases[0].state is CaseState.REVIEW and contract.cases[0].review is ReviewState.PENDING
    assert dropped.verdict == "not_covered"

    verdict = adjudication.decide_review(contract, 1, on=date(2026, 6, 11), decision="covered", calendar=calendar)
    assert (verdict.decision, contract.cases[0].covered, contract.cases[0].state) == ("covered", True, CaseState.OPEN)
    with pytest.raises(DomainError) as twice:
        adjudication.decide_review(contract, 1, on=date(2026, 6, 12), decision="not_covered", calendar=calendar)
    assert twice.value.code == "review_already_decided"


def test_a_covered_case_cannot_be_disputed_and_a_not_covered_one_is_disputed_once(
    catalog: Catalog, engine: Engine
) -> None:
    contract, number = _covered_case(catalog, engine)
    with pytest.raises(DomainError) as covered:
        adjudication.open_dispute(contract, number, on=date(2026, 6, 11))
    assert (covered.value.code, covered.value.clauses) == ("dispute_not_allowed", ("第11条",))
    adjudication.diagnose(contract, number, adjudication.Finding(on=date(2026, 6, 12), cause="misuse"))
    assert adjudication.open_dispute(contract, number, on=date(2026, 6, 13)).clauses == ("第11条",)
    with pytest.raises(DomainError) as again:
        adjudication.open_dispute(contract, number, on=date(2026, 6, 14))
    assert again.value.code == "dispute_already_open"


@pytest.mark.parametrize(("serial", "decision"), [("C1", "covered"), ("R1", "not_covered"), (None, "not_covered")])
def test_the_sd_card_exclusion_concerns_a_recorder_s_card_only(
    catalog: Catalog, engine: Engine, serial: str | None, decision: str
) -> None:
    contract = ipro_contract(catalog)
    request = RepairRequest(at=AT, cause="normal_use", part="sd_card", item=serial)
    answer = decide_repair(contract, request, engine.calendar(contract.terms.closures))
    assert answer.verdict == decision
    assert contract.cases[-1].item == serial


def test_a_serial_the_contract_does_not_list_is_refused_naming_the_item(catalog: Catalog, engine: Engine) -> None:
    contract = ipro_contract(catalog)
    with pytest.raises(DomainError) as refused:
        decide_repair(
            contract, RepairRequest(at=AT, cause="normal_use", item="X9"), engine.calendar(contract.terms.closures)
        )
    assert (refused.value.code, refused.value.field) == ("invalid_request", "item")
    assert contract.cases == []
