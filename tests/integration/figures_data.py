"""A small dataset for the dashboard's figures, built through the service layer, and its expected figures.

Today is 2026-12-01 (JST); the figures are read for 2026-01 … 2026-12. Every expected number below is worked out
by hand from the story told here, not by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hosho.domain.calendar import JST
from hosho.service import cases, contracts, keys, refunds
from hosho.service.commands import Cancel, Enrol, EquipmentItem, Estimate, ItemArrived, Pay, Progress, RequestRepair
from hosho.service.commands import Subscriber as SubscriberIn
from hosho.service.context import Actor, Hosho, Role

ADMIN = Actor("admin:figures", Role.ADMIN)
TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
RANGE = {"from": "2026-01", "to": "2026-12"}
SYSTEM = [
    EquipmentItem(kind="camera", model="WV-X86530", serial="C1"),
    EquipmentItem(kind="recorder", model="WJ-NX510", serial="R1"),
]


@dataclass
class Built:
    ids: dict[str, int] = field(default_factory=dict)
    case_ids: dict[str, int] = field(default_factory=dict)
    refunds: dict[str, int] = field(default_factory=dict)


def _person(n: int) -> SubscriberIn:
    return SubscriberIn(name=f"集計 太郎{n}", name_kana="シュウケイ タロウ", phone=f"090-0000-{n:04d}")


def _zest(plan: str, purchase: date, price: int, fee: int, retailer: str | None, n: int) -> Enrol:
    return Enrol(
        program="zest",
        plan=plan,
        purchase_date=purchase,
        purchase_price=price,
        warranty_fee=fee,
        retailer=retailer,
        subscriber=_person(n),
        equipment=[EquipmentItem(kind="other", model="NA-VX1", serial=f"SN-{n}")],
    )


def _ipro(plan: str, purchase: date, fee: int, retailer: str | None, n: int) -> Enrol:
    items = [EquipmentItem(kind=i.kind, model=i.model, serial=f"{i.serial}-{n}") for i in SYSTEM]
    return Enrol(
        program="ipro",
        plan=plan,
        purchase_date=purchase,
        operation_start_date=purchase,
        warranty_fee=fee,
        retailer=retailer,
        subscriber=_person(n),
        equipment=items,
        site={"postal_code": "100-0001"},  # type: ignore[arg-type]
    )


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=JST)


def build(hosho: Hosho) -> Built:
    """The story: seven paid contracts, one never paid, six cases, two refunds."""
    hosho.clock = lambda: TODAY
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    keys.ensure_retailer(hosho, code="R2", name="量販店2")
    built = Built()

    def enrol(name: str, command: Enrol, paid: date | None) -> int:
        view, _ = contracts.enroll(hosho, ADMIN, command)
        if paid is not None:
            contracts.pay_fee(hosho, ADMIN, view.id, Pay(date=paid))
        built.ids[name] = view.id
        return view.id

    def request(name: str, contract: str, at: datetime, cause: str = "normal_use") -> int:
        decision = cases.request_repair(hosho, ADMIN, built.ids[contract], RequestRepair(at=at, cause=cause))
        assert decision.case_id is not None
        built.case_ids[name] = decision.case_id
        return decision.case_id

    def event(case: str, command: Any) -> None:
        cases.record_event(hosho, ADMIN, built.case_ids[case], command)

    # zest A (R1): a repair of 30,000 yen in February.
    enrol("A", _zest("kaden-5y", date(2024, 4, 1), 100_000, 5_000, "R1", 1), date(2024, 4, 1))
    request("A1", "A", _at("2026-02-10"))
    event("A1", Estimate(amount=30_000, date=date(2026, 2, 12)))
    event("A1", Progress(kind="repaired", date=date(2026, 2, 20)))
    # The same contract, a request refused in March (wear and tear is not covered).
    request("A2", "A", _at("2026-03-02"), cause="wear_and_tear")
    # zest B (R2): an estimate over the cap (80,000) in May: replaced, the contract ends.
    enrol("B", _zest("kaden-5y", date(2024, 6, 1), 80_000, 4_000, "R2", 2), date(2024, 6, 1))
    request("B1", "B", _at("2026-05-12"))
    event("B1", Estimate(amount=90_000, date=date(2026, 5, 14)))
    # zest C (no retailer), bought 2025-01-15, fee paid in 2026, cancelled 2026-03-10: in its second year.
    enrol("C", _zest("kaden-5y", date(2025, 1, 15), 50_000, 2_500, None, 3), date(2026, 1, 20))
    built.refunds["C"] = refunds.cancel_contract(hosho, ADMIN, built.ids["C"], Cancel(date=date(2026, 3, 10))).refund
    # zest D (R1), aircon, bought and paid in April 2026, cancelled in July: its first year.
    enrol("D", _zest("aircon-8y", date(2026, 4, 1), 100_000, 8_000, "R1", 4), date(2026, 4, 5))
    built.refunds["D"] = refunds.cancel_contract(hosho, ADMIN, built.ids["D"], Cancel(date=date(2026, 7, 1))).refund
    # ipro E (R1), onsite: visit met in June, visit late in August, one due today not yet made.
    enrol("E", _ipro("onsite-3y", date(2025, 3, 1), 30_000, "R1", 5), date(2025, 3, 1))
    request("E1", "E", _at("2026-06-03"))  # Wed → visit by Fri 06-05
    event("E1", Progress(kind="visit_done", date=date(2026, 6, 5)))
    event("E1", Progress(kind="repaired", date=date(2026, 6, 10)))
    request("E2", "E", _at("2026-08-04"))  # Tue → visit by Thu 08-06; visited Mon 08-10
    event("E2", Progress(kind="visit_done", date=date(2026, 8, 10)))
    event("E2", Progress(kind="repaired", date=date(2026, 8, 10)))
    request("E3", "E", _at("2026-11-27"))  # Fri → visit by Tue 12-01 (today): pending
    # ipro F (R2), onsite: never visited, visit by Wed 10-07.
    enrol("F", _ipro("onsite-3y", date(2025, 3, 1), 30_000, "R2", 6), date(2025, 3, 1))
    request("F1", "F", _at("2026-10-05"))
    # ipro G (R1), send-back: arrived Fri 09-04 → due Thu 09-10, repaired 09-09; arrived Fri 10-02 → due Thu 10-08,
    # repaired Tue 10-13 (late).
    enrol("G", _ipro("sendback-3y", date(2025, 3, 1), 20_000, "R1", 7), date(2025, 3, 1))
    request("G1", "G", _at("2026-09-01"))
    event("G1", ItemArrived(date=date(2026, 9, 4)))
    event("G1", Progress(kind="repaired", date=date(2026, 9, 9)))
    request("G2", "G", _at("2026-10-01"))
    event("G2", ItemArrived(date=date(2026, 10, 2)))
    event("G2", Progress(kind="repaired", date=date(2026, 10, 13)))
    # ipro H (R2): coverage ends 2026-12-19, within 90 days; ipro I (no retailer) ends 2027-02-10.
    enrol("H", _ipro("onsite-3y", date(2023, 12, 20), 30_000, "R2", 8), date(2023, 12, 20))
    enrol("I", _ipro("onsite-3y", date(2024, 2, 11), 30_000, None, 9), date(2024, 2, 11))
    # ipro J (R1): enrolled in November 2026, never paid.
    enrol("J", _ipro("onsite-3y", date(2026, 11, 2), 30_000, "R1", 10), None)
    return built
