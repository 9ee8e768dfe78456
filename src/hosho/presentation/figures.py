"""The dashboard's Japanese words: figure and table titles, column heads, and how a ratio is written."""

from __future__ import annotations

FIGURE_TITLES = {
    "sla": "SLA達成率(月別)",
    "cases": "修理受付の原因と判定",
    "contracts": "加入件数と有効契約数",
    "ending": "90日以内に満了する契約",
    "refunds": "解約返金",
    "loss-ratio": "損害率",
}
SLA_KINDS = {"visit": "訪問(翌々営業日以内)", "repair": "修理完了(到着後4営業日以内)"}
DECISIONS = {"covered": "保証対象", "not_covered": "保証対象外", "review": "審査中"}
REFUND_STATUSES = {
    "awaiting_account": "口座の連絡待ち",
    "ready": "振込待ち",
    "in_batch": "振込依頼中",
    "paid": "振込済み",
}
LOSS_BY = {"total": "全体", "program": "プログラム別", "plan": "プラン別", "retailer": "販売店別"}
NO_RETAILER = "(直販・販売店なし)"
NO_RATIO = "—"


def percent(basis_points: int | None) -> str:
    """A ratio in basis points as a percentage with two decimals, as floored when it was computed: 10476 → 104.76%."""
    if basis_points is None:
        return NO_RATIO
    return f"{basis_points // 100}.{basis_points % 100:02d}%"


def years_bracket(years: int, last: int) -> str:
    """The refund table's bracket: 1年以内, 1年超2年以内, …; the last one gathers everything later."""
    if years == 1:
        return "1年以内"
    if years >= last:
        return f"{last - 1}年超"
    return f"{years - 1}年超{years}年以内"
