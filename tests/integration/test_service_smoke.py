"""The service layer on a real database: enrol, pay, request a repair, cancel, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from hosho.domain.calendar import JST
from hosho.service import cases, contracts, keys, refunds
from hosho.service.context import Actor, Hosho, Role, ServiceError
from tests.integration.builders import zest_enrolment

AGENT = Actor("agent:test", Role.AGENT)


def test_a_contract_lives_through_payment_repair_and_cancellation(hosho: Hosho) -> None:
    created, fresh = contracts.enroll(hosho, AGENT, zest_enrolment())
    assert fresh and created["status"] == "pending"
    paid = contracts.pay_fee(hosho, AGENT, created["id"], on=date(2024, 4, 1))
    assert paid["certificate_number"].startswith("ZEST-2024-")
    decision = cases.request_repair(
        hosho, AGENT, created["id"], cases.RequestInput(at=datetime(2026, 2, 10, 11, tzinfo=JST), cause="normal_use")
    )
    assert decision["decision"] == "covered"
    assert {"第3条", "第2条第1項"} <= {c["label"] for c in decision["clauses"]}
    cancelled = refunds.cancel_contract(
        hosho, AGENT, created["id"], on=date(2025, 4, 1), reason="customer", transfer_fee=330
    )
    assert (cancelled["refund"], cancelled["status"]) == (2_670, "cancelled")
    with pytest.raises(ServiceError) as again:
        refunds.cancel_contract(hosho, AGENT, created["id"], on=date(2025, 4, 2), reason="customer")
    assert again.value.code == "contract_not_active"
    actions = [entry["action"] for entry in contracts.audit_trail(hosho, AGENT, created["id"])]
    assert actions == ["contract.enrolled", "contract.paid", "case.requested", "contract.cancelled"]


def test_search_tolerates_width_kana_and_hyphens(hosho: Hosho) -> None:
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment())
    paid = contracts.pay_fee(hosho, AGENT, created["id"], on=date(2024, 4, 1))
    for query in (
        {"name": "ﾔﾏﾀﾞ"},
        {"name": "やまだ"},
        {"name": "山田"},
        {"phone": "０９０１２３４５６７８"},
        {"serial": "sn0001"},
        {"certificate_number": paid["certificate_number"].lower().replace("-", "")},
    ):
        assert contracts.search(hosho, AGENT, **query)["total"] == 1, query  # type: ignore[arg-type]
    assert contracts.search(hosho, AGENT, name="ヤマモト")["total"] == 0


def test_a_retailer_key_sees_only_its_own_channel(hosho: Hosho) -> None:
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")
    r1 = keys.authenticate(hosho, keys.create_key(hosho, role=Role.RETAILER, name="r1", retailer="R1"))
    r2 = keys.authenticate(hosho, keys.create_key(hosho, role=Role.RETAILER, name="r2", retailer="R2"))
    assert r1 is not None and r2 is not None
    mine, _ = contracts.enroll(hosho, r1, zest_enrolment())
    assert contracts.get(hosho, r1, mine["id"])["retailer"] == "R1"
    with pytest.raises(ServiceError) as hidden:
        contracts.get(hosho, r2, mine["id"])
    assert hidden.value.status == 404
    assert contracts.search(hosho, r2, name="山田")["total"] == 0


def test_the_same_idempotency_key_returns_the_first_contract(hosho: Hosho) -> None:
    first, created = contracts.enroll(hosho, AGENT, zest_enrolment(), idempotency_key="order-1")
    again, created_again = contracts.enroll(hosho, AGENT, zest_enrolment(), idempotency_key="order-1")
    assert (created, created_again, again["id"]) == (True, False, first["id"])
    with pytest.raises(ServiceError) as conflict:
        contracts.enroll(hosho, AGENT, replace(zest_enrolment(), purchase_price=99_000), idempotency_key="order-1")
    assert conflict.value.code == "idempotency_conflict"
