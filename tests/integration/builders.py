"""Service-layer commands shared by the integration tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from hosho.service.commands import Enrol, EquipmentItem, Subscriber


def zest_enrolment(**changes: Any) -> Enrol:
    """A kaden-5y contract bought 2024-04-01 for 100,000 yen (fee 5,000), one product, 山田 太郎."""
    application = Enrol(
        program="zest",
        plan="kaden-5y",
        purchase_date=date(2024, 4, 1),
        purchase_price=100_000,
        warranty_fee=5_000,
        subscriber=Subscriber(name="山田 太郎", name_kana="ヤマダ タロウ", phone="090-1234-5678"),
        equipment=[EquipmentItem(kind="other", model="NA-VX1", serial="SN-0001")],
    )
    return Enrol(**{**dict(application), **changes})  # validated again, as a caller's command would be


def item(serial: str, kind: str = "other", model: str = "NA-VX1") -> list[EquipmentItem]:
    """One product with this serial number."""
    return [EquipmentItem(kind=kind, model=model, serial=serial)]
