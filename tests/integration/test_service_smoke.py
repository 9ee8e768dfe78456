"""The service layer on a real database: enrol, pay, request a repair, cancel, audit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hosho.domain.calendar import JST
from hosho.service import cases, contracts, keys, lookup, refunds
from hosho.service.commands import Cancel, EquipmentItem, Pay, RequestRepair, Subscriber
from hosho.service.context import Actor, Hosho, Role, ServiceError
from tests.integration.builders import zest_enrolment

AGENT = Actor("agent:test", Role.AGENT)


def test_a_contract_lives_through_payment_repair_and_cancellation(hosho: Hosho) -> None:
    created, fresh = contracts.enroll(hosho, AGENT, zest_enrolment())
    assert fresh and created.status == "pending"
    paid = contracts.pay_fee(hosho, AGENT, created.id, Pay(date=date(2024, 4, 1)))
    assert paid.certificate_number.startswith("ZEST-2024-")
    decision = cases.request_repair(
        hosho, AGENT, created.id, RequestRepair(at=datetime(2026, 2, 10, 11, tzinfo=JST), cause="normal_use")
    )
    assert decision.decision == "covered"
    assert {"第3条", "第2条第1項"} <= {c.label for c in decision.clauses}
    cancelled = refunds.cancel_contract(hosho, AGENT, created.id, Cancel(date=date(2026, 2, 10), transfer_fee=330))
    assert (cancelled.refund, cancelled.status) == (2_250 - 330, "cancelled")
    with pytest.raises(ServiceError) as again:
        refunds.cancel_contract(hosho, AGENT, created.id, Cancel(date=date(2026, 2, 11)))
    assert again.value.code == "contract_not_active"
    actions = [entry.action for entry in contracts.audit_trail(hosho, AGENT, created.id)]
    assert actions == ["contract.enrolled", "contract.paid", "case.requested", "contract.cancelled"]


def test_search_tolerates_width_kana_and_hyphens(hosho: Hosho) -> None:
    created, _ = contracts.enroll(hosho, AGENT, zest_enrolment())
    paid = contracts.pay_fee(hosho, AGENT, created.id, Pay(date=date(2024, 4, 1)))
    for query in (
        {"name": "ﾔﾏﾀﾞ"},
        {"name": "やまだ"},
        {"name": "山田"},
        {"phone": "０９０１２３４５６７８"},
        {"serial": "sn0001"},
        {"certificate_number": paid.certificate_number.lower().replace("-", "")},
    ):
        assert lookup.search(hosho, AGENT, **query).total == 1, query  # type: ignore[arg-type]
    assert lookup.search(hosho, AGENT, name="ヤマモト").total == 0


def test_a_retailer_key_sees_only_its_own_channel(hosho: Hosho) -> None:
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")
    r1 = keys.authenticate(hosho, keys.create_key(hosho, role=Role.RETAILER, name="r1", retailer="R1"))
    r2 = keys.authenticate(hosho, keys.create_key(hosho, role=Role.RETAILER, name="r2", retailer="R2"))
    assert r1 is not None and r2 is not None
    mine, _ = contracts.enroll(hosho, r1, zest_enrolment())
    assert contracts.get(hosho, r1, mine.id).retailer == "R1"
    with pytest.raises(ServiceError) as hidden:
        contracts.get(hosho, r2, mine.id)
    assert hidden.value.code == "not_found"
    assert lookup.search(hosho, r2, name="山田").total == 0


def test_the_same_idempotency_key_returns_the_first_contract(hosho: Hosho) -> None:
    first, created = contracts.enroll(hosho, AGENT, zest_enrolment(), idempotency_key="order-1")
    again, created_again = contracts.enroll(hosho, AGENT, zest_enrolment(), idempotency_key="order-1")
    assert (created, created_again, again.id) == (True, False, first.id)
    with pytest.raises(ServiceError) as conflict:
        contracts.enroll(hosho, AGENT, zest_enrolment(purchase_price=99_000), idempotency_key="order-1")
    assert conflict.value.code == "idempotency_conflict"


def test_a_search_counts_matches_up_to_the_limit_and_says_when_there_are_more(
    hosho: Hosho, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lookup, "TOTAL_LIMIT", 3)
    lookup._search_statement.cache_clear()  # the count is built with the limit
    try:
        for index in range(5):
            serial = (EquipmentItem(kind="other", model="NA-VX1", serial=f"SN-{index}"),)
            contracts.enroll(hosho, AGENT, zest_enrolment(equipment=serial))
        page = lookup.search(hosho, AGENT, name="山田", per_page=2)
        assert (page.total, page.total_capped, len(page.items)) == (3, True, 2)
        exact = lookup.search(hosho, AGENT, name="山田", serial="SN-4")
        assert (exact.total, exact.total_capped) == (1, False)
    finally:
        lookup._search_statement.cache_clear()


def test_names_are_found_in_kana_order_and_a_kana_name_needs_no_furigana(hosho: Hosho) -> None:
    people = [
        Subscriber(name="山田 太郎", name_kana="ヤマダ タロウ"),
        Subscriber(name="山田 愛", name_kana="ヤマダ アイ"),
        Subscriber(name="ヤマダ ケン"),  # written in katakana, no furigana given
        Subscriber(name="Yamada Ken"),
    ]
    for index, person in enumerate(people):
        serial = (EquipmentItem(kind="other", model="NA-VX1", serial=f"SN-{index}"),)
        contracts.enroll(hosho, AGENT, zest_enrolment(subscriber=person, equipment=serial))

    def names(query: str) -> list[str]:
        return [item.subscriber.name for item in lookup.search(hosho, AGENT, name=query).items]

    assert names("やまだ") == ["山田 愛", "ヤマダ ケン", "山田 太郎"]  # アイ, ケン, タロウ
    assert names("ﾔﾏﾀﾞ ｹ") == ["ヤマダ ケン"]
    assert names("山田") == ["山田 太郎", "山田 愛"]  # in the order of the name as written (太 < 愛)
    assert names("yamada") == ["Yamada Ken"]
    assert names("ヤマモト") == []
