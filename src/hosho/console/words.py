"""The console's Japanese words for codes that are not program data (program data has its own vocabulary.yaml)."""

from __future__ import annotations

from hosho.explain import STATUS_JA

STATUSES = STATUS_JA


ROLES = {"admin": "管理者", "agent": "コールセンター", "technician": "修理担当", "retailer": "販売店"}

SERVICE_MODES = {"onsite": "オンサイト", "sendback": "センドバック", "maker": "メーカー保証に準ずる"}

KINDS = {"camera": "カメラ", "recorder": "レコーダー", "sd_recorder": "SDレコーダー", "other": "商品"}

CASE_STATES = {"open": "対応中", "repaired": "修理済み", "replaced": "代替品の提供", "closed": "完了"}

# Progress of a case, in the order the repair desk records it.
EVENTS = {
    "visit_scheduled": "訪問日の決定",
    "visit_done": "訪問済み",
    "item_arrived": "修理品・確認シートの到着",
    "estimate": "修理見積",
    "repaired": "修理完了",
    "shipped": "返却品の発送",
    "replaced": "代替品の提供",
}
EVENT_HISTORY = {"requested": "修理依頼の受付", **EVENTS}

REASONS = {"customer": "お客様のご都合による解約", "sale_rescinded": "販売契約の取消し(返品など)"}

ACTIONS = {
    "contract.enrolled": "加入申込の登録",
    "contract.paid": "保証料金の受領・加入者証の発行",
    "contract.transferred": "所有者の変更(譲渡)",
    "contract.change_reported": "変更の届出",
    "contract.maker_replacement": "メーカー・販売店による代替品の提供",
    "contract.cancelled": "解約",
    "contract.expired": "保証期間の満了",
    "notice.call_recorded": "お客様へのご連絡の記録",
    "case.requested": "修理依頼の受付",
    **{f"case.{kind}": label for kind, label in EVENTS.items()},
}

ESTIMATE_OUTCOMES = {
    "repair": "修理します",
    "replacement": "修理上限金額を超えるため、代替品の提供で修理に代えます(保証はこれで終了します)",
    "unrepairable": "修理できません",
}

CLAIMS_NOTE = "故障の修理以外のご請求(他の財物の損害など)は、ここで内容を選んでください。"

# Error codes of the service layer, as an agent would say them to a caller.
ERRORS = {
    "not_found": "お探しの情報は見つかりませんでした。番号をお確かめください。",
    "forbidden": "この操作を行う権限がありません。",
    "not_paid": "保証料金のお支払いが確認できていないため、加入者証が発行されていません。お受けできません。",
    "already_paid": "保証料金はすでにお支払い済みです。",
    "contract_not_active": "この契約は現在有効ではないため、お受けできません。",
    "no_open_case": "この案件は保証の対象外のため、修理の記録はできません。",
    "invalid_request": "入力内容をご確認ください。",
    "invalid_contract": "入力内容をご確認ください。",
    "csrf": (
        "セッションの有効期限が切れたか、フォームが古くなっています。ページを再読み込みして、もう一度お試しください。"
    ),
    "certificate_font": "加入者証を作成できませんでした(日本語フォントが見つかりません)。管理者にご連絡ください。",
    "conflict": "ほかの方が同時にこの契約を更新しました。ページを再読み込みして、もう一度お試しください。",
}

# What a redirect after a successful POST says on the next page (a fixed set: nothing is echoed from the URL).
NOTICE_KINDS = {
    "certificate": "加入者証の発行",
    "consumable_replacement": "消耗部品の交換のご案内(日程のご相談)",
    "coverage_ending": "保証期間満了のお知らせ",
    "sla_breach": "対応期限の超過",
}
NOTICE_CHANNELS = {"email": "メール", "call": "電話", "post": "郵送(書面)", "desk": "修理窓口"}

NOTICES = {
    "signed_out": "サインアウトしました。",
    "requested": "修理依頼を受け付けました。",
    "recorded": "記録しました。",
    "cancelled": "解約を受け付けました。返金額は下記のとおりです。",
    "already_cancelled": "この契約はすでに解約済みです。返金は一度だけで、追加の返金はありません。",
}
