"""Small builders for domain tests: contracts enrolled through the real engine and program data."""

from __future__ import annotations

from datetime import date

from hosho.domain.contract import Application, Contract, Equipment, Site
from hosho.domain.enrollment import enroll
from hosho.domain.lifecycle import pay
from hosho.programs.catalog import Catalog

TOKYO = Site(postal_code="1000001", country="JP", remote_island=False)
SYSTEM = (
    Equipment("camera", "WV-X86530", "C1"),
    Equipment("recorder", "WJ-NX510", "R1"),
)


def zest_contract(
    catalog: Catalog,
    *,
    plan: str = "kaden-5y",
    purchase: date = date(2024, 4, 1),
    price: int = 100_000,
    fee: int = 5_000,
    cap: int | None = None,
    paid: bool = True,
    site: Site = TOKYO,
) -> Contract:
    application = Application(
        plan_id=plan, purchase_date=purchase, purchase_price=price, warranty_fee=fee, repair_cap=cap, site=site
    )
    contract = enroll(catalog.program("zest"), application).contract
    if paid:
        pay(contract, on=purchase)
    return contract


def ipro_contract(
    catalog: Catalog, *, plan: str = "onsite-3y", purchase: date = date(2025, 3, 1), paid: bool = True
) -> Contract:
    application = Application(
        plan_id=plan, purchase_date=purchase, operation_start_date=purchase, equipment=SYSTEM, site=TOKYO
    )
    contract = enroll(catalog.program("ipro"), application).contract
    if paid:
        pay(contract, on=purchase)
    return contract
