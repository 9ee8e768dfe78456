"""The Japanese words for Hosho's own codes: statuses, case states and events, roles, service modes, reasons, audit
actions, and the message for each error code. Program words (causes, parts, cost items, payers) are program data
(programs/vocabulary.yaml); these are the ones every program shares.
"""

from __future__ import annotations

# A contract's status (domain/contract.py).
STATUSES = {
    "pending": "未払い(加入者証未発行)",
    "active": "有効",
    "cancelled": "解約済み",
    "ended": "終了(代替品提供)",
    "expired": "期間満了",
    "transferred": "譲渡により終了",
}

ROLES = {"admin": "管理者", "agent": "コールセンター", "technician": "修理担当", "retailer": "販売店"}

SERVICE_MODES = {"onsite": "オンサイト", "sendback": "センドバック", "maker": "メーカー保証に準ずる"}

CASE_STATES = {"open": "対応中", "repaired": "修理済み", "replaced": "代替品の提供", "closed": "完了"}

# A repair request's decision.
DECISIONS = {"covered": "保証の対象", "not_covered": "保証の対象外"}

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

ESTIMATE_OUTCOMES = {
    "repair": "修理します",
    "replacement": "修理上限金額を超えるため、代替品の提供で修理に代えます(保証はこれで終了します)",
    "unrepairable": "修理できません",
}

# Why a contract is cancelled (domain/refunds.py).
REASONS = {"customer": "お客様のご都合による解約", "sale_rescinded": "販売契約の取消し(返品など)"}

# What was done to a contract, as its audit trail records it.
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

# The fields of a contract whose changes its audit trail shows, in this order.
AUDITED_FIELDS = {"status": "状態", "paid_on": "支払日", "certificate_number": "加入者証番号", "ended_on": "終了日"}

# What a scenario's step (an action asked of the service) does, as `hosho explain` heads it.
STEPS = {
    "enrollment": "加入申込",
    "pay": "保証料金の受領",
    "repair_request": "修理依頼",
    "item_arrived": "修理品・確認シート到着",
    "repair_estimate": "修理見積",
    "cancel": "解約",
    "transfer_ownership": "所有者の変更(譲渡)",
    "report_change": "変更の届出",
    "manufacturer_replacement": "メーカー・販売店による代替品の提供",
}

# Error codes of the service layer, as an agent would say them to a caller.
ERRORS = {
    "not_found": "お探しの情報は見つかりませんでした。番号をお確かめください。",
    "no_page": "お探しのページは見つかりませんでした。アドレスをお確かめください。",
    "forbidden": "この操作を行う権限がありません。",
    "not_paid": "保証料金のお支払いが確認できていないため、加入者証が発行されていません。お受けできません。",
    "already_paid": "保証料金はすでにお支払い済みです。",
    "contract_not_active": "この契約は現在有効ではないため、お受けできません。",
    "no_open_case": "この案件は保証の対象外のため、修理の記録はできません。",
    "not_applicable": "このご契約のプランでは、この記録は行いません。",
    "whole_system_required": "システム全体でのご契約となります。一部の機器だけのご契約はお受けできません。",
    "mixed_service_modes": "サービス形態の異なる機器を、一つのご契約に混在させることはできません。",
    "outside_service_area": "設置場所がサービスの提供地域外(国外・離島など)のため、お受けできません。",
    "enrollment_window_closed": "お申込みの期限を過ぎているため、お受けできません。",
    "idempotency_conflict": "同じ申込番号で、内容の異なるお申込みがすでに登録されています。",
    "invalid_request": "入力内容をご確認ください。",
    "invalid_file": "ファイルを読み取れませんでした。形式(CSV、UTF-8 または CP932)と見出し行をご確認ください。",
    "conflicts_with_existing": "同じ販売店コード・受付番号の契約が別の内容で登録済みです。訂正は変更届でお願いします。",
    "invalid_contract": "入力内容をご確認ください。",
    "unauthorized": "サインインしてください。",
    "out_of_order": "この日付より後の記録(修理依頼・解約など)がすでにあります。日付をお確かめください。",
    "csrf": (
        "セッションの有効期限が切れたか、フォームが古くなっています。ページを再読み込みして、もう一度お試しください。"
    ),
    "certificate_font": "加入者証を作成できませんでした(日本語フォントが見つかりません)。管理者にご連絡ください。",
    "certificate_unavailable": (
        "このプログラムはコールセンターの電話番号が設定されていないため、加入者証を作成できません。"
        "管理者にご連絡ください(プログラムの設定 call_center.phone)。"
    ),
    "conflict": "ほかの方が同時にこの契約を更新しました。ページを再読み込みして、もう一度お試しください。",
    "throttled": "サインインの失敗が続いています。しばらくおいてから、もう一度お試しください。",
    "ambiguous": "同じ名前のキーが複数あります。番号で指定してください。",
    "too_large": "送信された内容が大きすぎるため、お受けできません。入力を短くして、もう一度お試しください。",
    "invalid_bank_account": "この口座には振り込めません。銀行・支店コードと口座名義(カナ)をご確認ください。",
}
UNKNOWN_ERROR = "処理できませんでした。時間をおいて、もう一度お試しください。"

# What a redirect after a successful POST says on the next page (a fixed set: nothing is echoed from the URL).
SIGN_IN_WRONG = "ユーザー名またはパスワードが正しくありません。"
SIGN_IN_WAIT = "サインインの失敗が続いています。{seconds}秒ほどおいてから、もう一度お試しください。"
SIGN_IN_LOCKED_USER = (
    "サインインの失敗が続いたため、このユーザー名でのサインインを一時的に停止しています。{at}に解除されます。"
)
SIGN_IN_LOCKED_ADDRESS = (
    "この接続元からのサインインの失敗が続いたため、サインインを一時的に停止しています。{at}に解除されます。"
)

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


def error_message(code: str) -> str:
    """The sentence for an error code; a code without one gets a general apology, never the code itself."""
    return ERRORS.get(code, UNKNOWN_ERROR)
