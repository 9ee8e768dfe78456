"""The Japanese words for Hosho's own codes: statuses, case states and events, roles, service modes, reasons, audit
actions, and the message for each error code (in Japanese and English: the one catalogue of the API and the console).
Program words (causes, parts, cost items, payers) are program data (programs/vocabulary.yaml); these are the ones every
program shares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import date

from hosho.presentation.formats import day

# A contract's status (domain/contract.py).
STATUSES = {
    "pending": "未払い(加入者証未発行)",
    "active": "有効",
    "cancelled": "解約済み",
    "ended": "終了(代替品提供)",
    "expired": "期間満了",
    "transferred": "譲渡により終了",
}

ROLES = {
    "admin": "管理者",
    "agent": "コールセンター",
    "technician": "修理担当",
    "retailer": "販売店",
    "supervisor": "審査担当",
}

SERVICE_MODES = {"onsite": "オンサイト", "sendback": "センドバック", "maker": "メーカー保証に準ずる"}

CASE_STATES = {
    "open": "対応中",
    "review": "審査待ち",
    "repaired": "修理済み",
    "replaced": "代替品の提供",
    "closed": "完了",
}

# A repair request's decision.
DECISIONS = {"covered": "保証の対象", "not_covered": "保証の対象外", "review": "要審査"}
REVIEW_STATES = {"pending": "審査待ち", "decided": "審査済み"}
DISPUTE_STATES = {"open": "見解相違の受付中", "closed": "見解相違の決着"}
# What happens to a case after intake (service.adjudication): its decision may change.
ADJUDICATION = {
    "diagnosis": "診断結果",
    "review_decided": "審査の判定",
    "dispute_opened": "見解相違の申し出",
    "third_party_opinion": "第三者の意見",
    "dispute_decided": "見解相違の最終判断",
}

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
EVENT_HISTORY = {"requested": "修理依頼の受付", **EVENTS, **ADJUDICATION}

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
    "contract.consumable_replaced": "消耗部品の交換(実施済み)",
    "contract.maker_replacement": "メーカー・販売店による代替品の提供",
    "contract.cancelled": "解約",
    "contract.expired": "保証期間の満了",
    "notice.call_recorded": "お客様へのご連絡の記録",
    "case.requested": "修理依頼の受付",
    **{f"case.{kind}": label for kind, label in EVENTS.items()},
    **{f"case.{kind}": label for kind, label in ADJUDICATION.items()},
}

# Who did something, when it was Hosho itself or one of its tools rather than a person (audit trail, history).
ACTORS = {
    "system": "システム(日次処理)",
    "demo-loader": "デモデータの登録",
    "scenario": "シナリオの確認",
    "cli:payouts": "振込データの作成(コマンド)",
    "key:demo-admin": "デモ用の管理者キー",
}


def actor_name(actor: str, display_names: dict[str, str]) -> str:
    """A console user by display name, an API key as "API連携(name)", Hosho's own work in words; never a prefix."""
    if actor in display_names:
        return display_names[actor]
    if actor in ACTORS:
        return ACTORS[actor]
    if actor.startswith("key:"):
        return f"API連携({actor.removeprefix('key:')})"
    return actor.removeprefix("user:")


# The fields of a contract whose changes its audit trail shows, in this order.
AUDITED_FIELDS = {"status": "状態", "paid_on": "支払日", "certificate_number": "加入者証番号", "ended_on": "終了日"}

# What a case's decision after intake rests on, as the contract's history shows it beside the action.
CASE_NOTES = {
    "case.diagnosis": "技術員の所見",
    "case.review_decided": "判定の理由",
    "case.dispute_opened": "お申し出の内容",
    "case.third_party_opinion": "第三者の意見",
    "case.dispute_decided": "最終判断の理由",
}

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
    "repaired": "修理完了",
    "diagnosis": "診断結果",
    "decide_review": "審査の判定",
    "dispute": "見解相違の申し出",
    "third_party_opinion": "第三者の意見",
    "decide_dispute": "見解相違の最終判断",
}

# Error codes of the service layer, as an agent would say them to a caller.
ERRORS = {
    "not_found": "お探しの情報は見つかりませんでした。番号をお確かめください。",
    "no_page": "お探しのページは見つかりませんでした。アドレスをお確かめください。",
    "forbidden": "この操作を行う権限がありません。",
    "case_already_repaired": "この案件は修理が完了しているため、診断結果で判定を変えることはできません。",
    "item_not_arrived": "センドバックの修理品がまだ到着していません。到着を記録してから診断を入力してください。",
    "not_in_review": "この案件は審査待ちではありません。",
    "review_already_decided": "この案件の審査はすでに判定済みです。",
    "dispute_not_allowed": "保証対象と判定された案件には見解相違の申し出はできません。",
    "dispute_already_open": "この案件の見解相違はすでに受け付けています。",
    "no_open_dispute": "この案件に受付中の見解相違はありません。",
    "not_paid": "保証料金のお支払いが確認できていないため、加入者証が発行されていません。お受けできません。",
    "already_paid": "保証料金はすでにお支払い済みです。",
    "contract_cancelled": "この契約は解約済みのため、お受けできません。",
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
    "unauthorized": "認証が必要です。サインインするか、APIキーを指定してください。",
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
    "method_not_allowed": "この宛先では、この操作(HTTPメソッド)は使えません。",
    "internal_error": "処理中に予期しないエラーが起きました。記録しましたので、時間をおいてもう一度お試しください。",
}
UNKNOWN_ERROR = "処理できませんでした。時間をおいて、もう一度お試しください。"

# The same messages in English (`Accept-Language: en`), same keys as ERRORS (tests/unit/test_error_codes.py).
ERRORS_EN = {
    "not_found": "Nothing was found. Check the number or id.",
    "no_page": "There is no such page. Check the address.",
    "forbidden": "You are not allowed to do this.",
    "not_paid": "The warranty fee has not been received, so no certificate has been issued: this cannot be accepted.",
    "already_paid": "The warranty fee has already been paid.",
    "contract_cancelled": "The contract has been cancelled: this cannot be accepted.",
    "case_already_repaired": "The case has been repaired: a diagnosis can no longer change its decision.",
    "item_not_arrived": "The send-back item has not arrived yet. Record its arrival before the diagnosis.",
    "not_in_review": "The case is not waiting for a review.",
    "review_already_decided": "The case's review has already been decided.",
    "dispute_not_allowed": "A case decided as covered cannot be disputed.",
    "dispute_already_open": "A dispute about this case is already open.",
    "no_open_dispute": "This case has no open dispute.",
    "invalid_file": "The file cannot be read as a retailer's CSV file (import.md): nothing was imported.",
    "conflicts_with_existing": "This sale is stored with other content: send corrections as change reports.",
    "contract_not_active": "The contract is not in force: this cannot be accepted.",
    "no_open_case": "The request was not covered, so there is no repair to record.",
    "not_applicable": "The contract's plan does not record this.",
    "whole_system_required": "The contract must cover the whole system: a part of it alone cannot be enrolled.",
    "mixed_service_modes": "Items served in different service modes cannot share one contract.",
    "outside_service_area": "The site is outside the service area (abroad, a remote island, …).",
    "enrollment_window_closed": "The time to apply has passed.",
    "idempotency_conflict": "An enrolment with a different content was already made with this Idempotency-Key.",
    "invalid_request": "Check the request.",
    "invalid_contract": "Check the contract's data.",
    "unauthorized": "Authentication is needed: an API key, or signing in.",
    "out_of_order": "A later record (a repair request, a cancellation, …) already exists. Check the date.",
    "csrf": "The session has expired or the form is out of date. Reload the page and try again.",
    "certificate_font": "The certificate cannot be rendered (no Japanese font is installed). Tell the administrator.",
    "certificate_unavailable": (
        "The program has no call-center phone number set, so no certificate is printed. Tell the administrator "
        "(program setting call_center.phone)."
    ),
    "conflict": "Another request changed this at the same time, or its state refuses this. Read it again and retry.",
    "throttled": "Too many failed sign-ins. Wait a while and try again.",
    "ambiguous": "Several keys have this name. Give its id.",
    "too_large": "The request is too large to be accepted.",
    "invalid_bank_account": "Transfers cannot be made to this account. Check the bank and branch codes and the holder.",
    "method_not_allowed": "This method is not allowed on this path.",
    "internal_error": "An unexpected error occurred; it has been logged. Try again later.",
}
UNKNOWN_ERROR_EN = "The request could not be processed. Try again later."

# The languages messages are given in; Japanese unless the client asks for English.
LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
_CATALOGUE = {"ja": (ERRORS, UNKNOWN_ERROR), "en": (ERRORS_EN, UNKNOWN_ERROR_EN)}

# The specific part of a refusal, when the refusal carries its values (`params` of DomainError and ServiceError).
# A template whose values are missing is left out; values named in DATE_PARAMS are ISO dates, written as people
# read them; `status` is a contract status, written with STATUSES.
DETAILS = {
    "ja": {
        "out_of_order": "{on}は、{latest}の記録より前の日付です。",
        "enrollment_window_closed": "お申込みの期限は{closes}でした。",
        "contract_not_active": "この契約の状態は「{status}」です。",
        "already_paid": "この契約の状態は「{status}」です。",
        "contract_cancelled": "{ended_on}に解約されました。",
        "invalid_file": "{reason}",
        "too_large": "上限は{limit}バイトです。",
        "whole_system_required": "必要な機器({missing})がありません。",
        "not_found": "{method} {path} という宛先はありません。",
        "method_not_allowed": "{path} では {method} は使えません。",
    },
    "en": {
        "out_of_order": "{on} is before the record of {latest}.",
        "enrollment_window_closed": "Applications closed on {closes}.",
        "contract_not_active": "The contract is {status}.",
        "already_paid": "The contract is {status}.",
        "contract_cancelled": "It was cancelled on {ended_on}.",
        "invalid_file": "{reason}",
        "too_large": "The body is larger than {limit} bytes.",
        "not_found": "No route {method} {path}.",
        "method_not_allowed": "No route {method} {path}.",
    },
}
DATE_PARAMS = frozenset({"on", "latest", "closes", "ended_on"})
FIELD = {"ja": "項目: {}", "en": "field: {}"}
CLAUSES = {"ja": "根拠: {}", "en": "clauses: {}"}
MORE = {"ja": "ほか{}件", "en": "and {} more"}

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
    "diagnosis": "診断結果を記録しました。お客様へのご案内をご確認ください。",
    "review_decided": "審査の判定を記録しました。",
    "dispute_opened": "見解相違のお申し出を受け付けました。",
    "third_party_opinion": "第三者の意見を記録しました。",
    "dispute_decided": "見解相違の最終判断を記録しました。",
    "cancelled": "解約を受け付けました。返金額は下記のとおりです。",
    "already_cancelled": "この契約はすでに解約済みです。返金は一度だけで、追加の返金はありません。",
    "settings_saved": "表示の設定を保存しました。",
    "change_reported": "変更の届出を受け付けました。",
    "replacement_done": "消耗部品の交換を実施済みとして記録しました。",
}


def error_message(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The sentence for an error code; a code without one gets a general apology, never the code itself."""
    messages, unknown = _CATALOGUE.get(language, _CATALOGUE[DEFAULT_LANGUAGE])
    return messages.get(code, unknown)


def error_detail(
    code: str,
    language: str = DEFAULT_LANGUAGE,
    *,
    message: str | None = None,
    params: Mapping[str, str] | None = None,
    field: str | None = None,
    clauses: Iterable[str] = (),
    more: int = 0,
) -> str:
    """The sentence for the code, then what is specific to this refusal: its values (dates, status), the field to
    blame and the clauses. In English, a refusal without a template for its values adds the service's own message
    (written in English, with its values)."""
    parts = [error_message(code, language)]
    specific = _specific(code, language, params or {})
    if specific:
        parts.append(specific)
    elif language == "en" and message:
        parts.append(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))
    notes = []
    if field:
        notes.append(FIELD[language].format(field) + ((" " + MORE[language].format(more)) if more else ""))
    labels = list(clauses)
    if labels:
        notes.append(CLAUSES[language].format(", ".join(labels) if language == "en" else "、".join(labels)))
    if notes:
        parts.append(f"({'; '.join(notes)})" if language == "en" else f"({'/'.join(notes)})")
    return (" " if language == "en" else "").join(parts)


def _specific(code: str, language: str, params: Mapping[str, str]) -> str | None:
    template = DETAILS.get(language, {}).get(code)
    if template is None:
        return None
    values = {}
    for name, value in params.items():
        if language == "ja" and name in DATE_PARAMS:
            with suppress(ValueError):
                value = day(date.fromisoformat(value))
        elif language == "ja" and name == "status":
            value = STATUSES.get(value, value)
        values[name] = value
    try:
        return template.format_map(values)
    except KeyError:
        return None


# `en-GB;q=0.8`: a language range and its weight (RFC 9110 §12.5.4, §12.4.2); anything else in the header is ignored.
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9](?:\.[0-9]{0,3})?))?\s*$")


def negotiate_language(header: str | None) -> str:
    """The language of Accept-Language's most preferred range that Hosho speaks (`en-US` is English, `*` any).

    Weights decide, the header's order breaks ties; a range weighted 0 is refused; an unreadable entry is ignored;
    nothing acceptable (or no header) is Japanese, the default.
    """
    if not header:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for position, entry in enumerate(header.split(",")):
        found = _RANGE.match(entry)
        if found is None:
            continue
        tag, weight = found.group(1).lower(), float(found.group(2) or 1)
        if weight == 0:
            refused.add(tag)
        elif weight <= 1:
            ranked.append((-weight, position, tag))
    for _, _, tag in sorted(ranked):
        candidates = [lang for lang in LANGUAGES if lang not in refused] if tag == "*" else [tag.split("-")[0]]
        for language in candidates:
            if language in LANGUAGES and language not in refused:
                return language
    return DEFAULT_LANGUAGE
