"""Service-layer inputs shared by the integration tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from hosho.service import contracts


def zest_enrolment(**changes: Any) -> contracts.EnrollmentInput:
    """A kaden-5y contract bought 2024-04-01 for 100,000 yen (fee 5,000), one product, 山田 太郎."""
    application = contracts.EnrollmentInput(
        program="zest",
        plan="kaden-5y",
        purchase_date=date(2024, 4, 1),
        purchase_price=100_000,
        warranty_fee=5_000,
        subscriber=contracts.SubscriberInput(name="山田 太郎", name_kana="ヤマダ タロウ", phone="090-1234-5678"),
        equipment=(contracts.EquipmentInput("other", "NA-VX1", "SN-0001"),),
    )
    return replace(application, **changes)
