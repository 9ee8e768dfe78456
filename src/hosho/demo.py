"""Demo data: a few hundred realistic contracts of both programs, written through the service layer.

Three retailers, subscribers with kanji names and katakana readings, Tokyo, Osaka and Fukuoka addresses with real
postal codes, purchases over the last four years before `hosho.today()`, and what happens to contracts: payment,
repair requests and their cases, change reports, maker replacements, transfers and cancellations. The last few
contracts are the adjudication's stories (ADJUDICATED): a case waiting for a supervisor's review (要審査), a disputed
not-covered case (見解相違) and a case the technician's diagnosis took out of cover, so that the console's review
queue has work in it.
The same seed and the same day give the same data. Loading twice does nothing the second time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from sqlalchemy import func, select

from hosho.domain.calendar import JST
from hosho.service import adjudication, cases, contracts, keys, refunds
from hosho.service.commands import (
    Cancel,
    CancelReason,
    ChangedFields,
    Diagnosis,
    Enrol,
    EquipmentItem,
    Estimate,
    ItemArrived,
    MakerReplacement,
    OpenDispute,
    Pay,
    Progress,
    ReportChange,
    RequestRepair,
    Site,
    Subscriber,
    TransferOwnership,
)
from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.service.results import ContractView
from hosho.store import models as m

DEMO = Actor("demo-loader", Role.ADMIN)
SEED = 20261122

RETAILERS = {
    "kaden-east": "でんきのミライ 東日本",
    "kaden-west": "でんきのミライ 西日本",
    "security-pro": "セキュリティプロ株式会社",
}

FAMILY = (
    "佐藤 サトウ", "鈴木 スズキ", "高橋 タカハシ", "田中 タナカ", "伊藤 イトウ", "渡辺 ワタナベ", "山本 ヤマモト",
    "中村 ナカムラ", "小林 コバヤシ", "加藤 カトウ", "吉田 ヨシダ", "山田 ヤマダ", "佐々木 ササキ", "山口 ヤマグチ",
    "松本 マツモト", "井上 イノウエ", "木村 キムラ", "林 ハヤシ", "斎藤 サイトウ", "清水 シミズ", "森 モリ",
    "池田 イケダ", "橋本 ハシモト", "石川 イシカワ", "前田 マエダ", "藤田 フジタ", "岡田 オカダ", "長谷川 ハセガワ",
)  # fmt: skip
GIVEN = (
    "太郎 タロウ", "翔太 ショウタ", "大輔 ダイスケ", "健一 ケンイチ", "誠 マコト", "拓也 タクヤ", "直樹 ナオキ",
    "浩二 コウジ", "蓮 レン", "悠斗 ユウト", "花子 ハナコ", "美咲 ミサキ", "陽子 ヨウコ", "さくら サクラ",
    "由美 ユミ", "恵子 ケイコ", "愛 アイ", "結衣 ユイ", "真由美 マユミ", "葵 アオイ",
)  # fmt: skip
BUSINESSES = (
    "株式会社丸和商事 カブシキガイシャマルワショウジ", "医療法人さくら会 イリョウホウジンサクラカイ",
    "有限会社みどり薬局 ユウゲンガイシャミドリヤッキョク", "株式会社北斗物流 カブシキガイシャホクトブツリュウ",
    "グランメゾン天神管理組合 グランメゾンテンジンカンリクミアイ", "株式会社浪速フーズ カブシキガイシャナニワフーズ",
    "学校法人青葉学園 ガッコウホウジンアオバガクエン", "株式会社東都不動産 カブシキガイシャトウトフドウサン",
)  # fmt: skip
# (postal code, prefecture + city + town as Japan Post spells it, area code of the fixed line)
Areas = tuple[tuple[str, str, str], ...]
TOKYO: Areas = (
    ("100-0005", "東京都千代田区丸の内", "03"), ("160-0023", "東京都新宿区西新宿", "03"),
    ("150-0002", "東京都渋谷区渋谷", "03"), ("104-0061", "東京都中央区銀座", "03"),
    ("130-0013", "東京都墨田区錦糸", "03"), ("170-0013", "東京都豊島区東池袋", "03"),
    ("113-0033", "東京都文京区本郷", "03"), ("144-0052", "東京都大田区蒲田", "03"),
    ("166-0002", "東京都杉並区高円寺北", "03"), ("158-0094", "東京都世田谷区玉川", "03"),
    ("192-0083", "東京都八王子市旭町", "042"), ("100-1511", "東京都八丈島八丈町三根", "04996"),
)  # fmt: skip
WEST: Areas = (
    ("530-0001", "大阪府大阪市北区梅田", "06"), ("542-0076", "大阪府大阪市中央区難波", "06"),
    ("543-0001", "大阪府大阪市天王寺区上本町", "06"), ("532-0011", "大阪府大阪市淀川区西中島", "06"),
    ("545-0052", "大阪府大阪市阿倍野区阿倍野筋", "06"), ("590-0985", "大阪府堺市堺区戎島町", "072"),
    ("810-0001", "福岡県福岡市中央区天神", "092"), ("812-0011", "福岡県福岡市博多区博多駅前", "092"),
    ("814-0001", "福岡県福岡市早良区百道浜", "092"), ("813-0044", "福岡県福岡市東区千早", "092"),
    ("815-0032", "福岡県福岡市南区塩原", "092"), ("819-0006", "福岡県福岡市西区姪浜駅南", "092"),
)  # fmt: skip
BUILDINGS = ("", "", "", "コーポ桜 201", "メゾン緑ヶ丘 305", "グランドハイツ 1102", "第二松村ビル 4F")
# (plan, model, what it is, list price in yen)
APPLIANCES = (
    ("kaden-5y", "NR-F607WPX", "冷蔵庫", 298_000),
    ("kaden-5y", "NA-LX129C", "ドラム式洗濯乾燥機", 328_000),
    ("kaden-5y", "TH-55MZ2500", "4K有機ELテレビ", 238_000),
    ("kaden-5y", "MC-RSF1000", "ロボット掃除機", 118_000),
    ("kaden-5y", "NE-UBS10A", "スチームオーブンレンジ", 148_000),
    ("kaden-5y", "NP-TZ500", "食器洗い乾燥機", 112_000),
    ("aircon-8y", "CS-X404D2", "ルームエアコン 14畳", 228_000),
    ("aircon-8y", "CS-EX285D", "ルームエアコン 10畳", 132_000),
    ("aircon-8y", "CS-LX565D2", "ルームエアコン 18畳", 318_000),
)
CAMERAS = (("WV-X86530", 168_000), ("WV-S2136", 78_000), ("WV-U2142", 62_000), ("WV-X1571", 98_000))
RECORDERS = (("recorder", "WJ-NX510", 520_000), ("recorder", "WJ-NX310", 298_000), ("sd_recorder", "WV-S1136", 0))
IPRO_PLANS = ("onsite-3y", "onsite-4y", "onsite-5y", "sendback-3y", "sendback-4y", "sendback-5y")
PACK_RATE = {"3y": 0.06, "4y": 0.08, "5y": 0.10}  # pack price as a share of the system's price
FEE_RATE = {"kaden-5y": 0.05, "aircon-8y": 0.08}  # extended-warranty price as a share of the purchase price
EXCLUDED = {
    "zest": ("relocation_or_drop", "impact_or_water", "cosmetic", "consumable_item", "not_reproducible", "misuse"),
    "ipro": ("network_environment", "setting_environment", "impact_or_water", "firmware_update", "natural_disaster"),
}


@dataclass(frozen=True, slots=True)
class DemoSummary:
    contracts: int  # demo contracts in the database after the call
    created: int  # contracts this call created (0 when the demo data was already there)
    refused: int  # actions the service refused (a story stops at its first refusal)
    seconds: float


def load_demo(hosho: Hosho, *, count: int = 300, seed: int = SEED) -> DemoSummary:
    """Create `count` demo contracts, unless demo data is already in the database."""
    started = time.perf_counter()
    existing = _demo_contracts(hosho)
    if existing:
        return DemoSummary(existing, 0, 0, time.perf_counter() - started)
    for code, name in RETAILERS.items():
        keys.ensure_retailer(hosho, code=code, name=name)
    rng, today = random.Random(seed), hosho.today()
    stories = [_story] * max(0, count - len(ADJUDICATED)) + list(ADJUDICATED[: min(count, len(ADJUDICATED))])
    refused = sum(story(hosho, rng, index, today) for index, story in enumerate(stories))
    return DemoSummary(_demo_contracts(hosho), count, refused, time.perf_counter() - started)


def _demo_contracts(hosho: Hosho) -> int:
    with hosho.reading() as session:
        query = select(func.count()).where(m.Contract.idempotency_scope == DEMO.idempotency_scope)
        return int(session.execute(query).scalar_one())


def _story(hosho: Hosho, rng: random.Random, index: int, today: date) -> int:
    """Enrol one contract and live its life up to today; returns 1 when the service refused a step, else 0."""
    ipro = rng.random() < 0.35
    data = _ipro(rng, today) if ipro else _zest(rng, today)
    paid_on = (data.applied_on or data.purchase_date) + timedelta(days=rng.randint(0, 10))
    try:
        enrolled, _ = contracts.enroll(hosho, DEMO, data, idempotency_key=f"demo-{index:05d}")
        if paid_on > today:
            return 0  # recent: the fee is not in yet
        for act in _acts(rng, data, enrolled, paid_on, today):
            act(hosho, enrolled.id)
    except ServiceError:
        return 1
    return 0


def _zest(rng: random.Random, today: date, *, plan: str | None = None, bought: date | None = None) -> Enrol:
    plan, model, _what, price = rng.choice([a for a in APPLIANCES if plan in (None, a[0])])
    east = rng.random() < 0.5
    purchase = bought or today - timedelta(days=rng.randint(0, 4 * 365 - 1))
    price = int(round(price * rng.uniform(0.85, 1.05), -2))
    subscriber = _person(rng, TOKYO if east else WEST, business=False)
    return Enrol(
        program="zest",
        plan=plan,
        purchase_date=purchase,
        purchase_price=price,
        warranty_fee=int(round(price * FEE_RATE[plan], -1)),
        subscriber=subscriber,
        equipment=[EquipmentItem(kind="other", model=model, serial=_serial(rng, purchase))],
        retailer="kaden-east" if east else "kaden-west",
        site=Site(postal_code=subscriber.postal_code),  # the appliance is at home
    )


def _ipro(rng: random.Random, today: date) -> Enrol:
    plan = rng.choice(IPRO_PLANS)
    purchase = today - timedelta(days=rng.randint(40, 4 * 365 - 1))
    started = purchase + timedelta(days=rng.randint(0, 14))
    kind, recorder, recorder_price = rng.choice(RECORDERS)
    cameras = [rng.choice(CAMERAS) for _ in range(rng.randint(1, 2) if kind == "sd_recorder" else rng.randint(2, 8))]
    equipment = [EquipmentItem(kind="camera", model=c, serial=_serial(rng, purchase)) for c, _ in cameras]
    equipment.append(EquipmentItem(kind=kind, model=recorder, serial=_serial(rng, purchase)))
    price = recorder_price + sum(p for _, p in cameras)
    areas = rng.choice((TOKYO[:-1], WEST))  # the packs are not sold on remote islands
    subscriber = _person(rng, areas, business=rng.random() < 0.7)
    return Enrol(
        program="ipro",
        plan=plan,
        purchase_date=purchase,
        operation_start_date=started,
        applied_on=started + timedelta(days=rng.randint(0, 20)),
        purchase_price=price,
        warranty_fee=int(round(price * PACK_RATE[plan[-2:]], -2)),
        subscriber=subscriber,
        equipment=equipment,
        retailer="security-pro",
        site=Site(postal_code=subscriber.postal_code),  # the cameras are at the subscriber's premises
    )


def _person(rng: random.Random, areas: Areas, *, business: bool) -> Subscriber:
    if business:
        name, kana = rng.choice(BUSINESSES).split()
    else:
        (family, family_kana), (given, given_kana) = rng.choice(FAMILY).split(), rng.choice(GIVEN).split()
        name, kana = f"{family} {given}", f"{family_kana} {given_kana}"
    postal_code, town, area = rng.choice(areas)
    return Subscriber(
        name=name,
        name_kana=kana,
        phone=_phone(rng, area if business or rng.random() < 0.3 else rng.choice(("090", "080", "070"))),
        email=f"user{rng.randrange(10**6):06d}@example.com" if rng.random() < 0.6 else None,
        postal_code=postal_code,
        address=_address(rng, town),
    )


def _address(rng: random.Random, town: str) -> str:
    building = rng.choice(BUILDINGS)
    street = f"{town}{rng.randint(1, 4)}-{rng.randint(1, 20)}-{rng.randint(1, 15)}"
    return f"{street} {building}" if building else street


def _phone(rng: random.Random, prefix: str) -> str:
    if prefix in ("090", "080", "070"):  # mobile: 090-NNNN-NNNN
        return f"{prefix}-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}"
    digits = 10 - len(prefix) - 4  # a fixed line has ten digits: area code, exchange (never from 0 or 1), number
    return f"{prefix}-{rng.randint(2 * 10 ** (digits - 1), 10**digits - 1)}-{rng.randint(0, 9999):04d}"


def _serial(rng: random.Random, made: date) -> str:
    return f"{made.year % 100:02d}{rng.choice('ABCDEFGHJKLMNPRSTUVWXY')}{rng.randrange(10**6):06d}"


Act = Callable[[Hosho, int], object]  # one service call on the contract


def _call(service: Callable[..., object], command: object) -> Act:
    return lambda hosho, contract_id: service(hosho, DEMO, contract_id, command)


def _acts(rng: random.Random, data: Enrol, enrolled: ContractView, paid_on: date, today: date) -> list[Act]:
    """What happens after enrolment, in date order, up to today."""
    start, end = enrolled.coverage_start, enrolled.coverage_end
    horizon = min(today, end)
    acts: list[Act] = [_call(contracts.pay_fee, Pay(date=paid_on))]
    cursor = paid_on
    zest = data.program == "zest"
    if zest and rng.random() < 0.01 and cursor < today:
        on = min(today, cursor + timedelta(days=rng.randint(1, 20)))
        return [*acts, _call(refunds.cancel_contract, Cancel(date=on, reason=CancelReason.SALE_RESCINDED))]
    if rng.random() < 0.08 and cursor < horizon:
        cursor = _between(rng, cursor, horizon)
        fields = (
            ChangedFields(phone=_phone(rng, "090"))
            if rng.random() < 0.6
            else ChangedFields(email="new-address@example.com")
        )
        acts.append(_call(contracts.report_changes, ReportChange(date=cursor, fields=fields)))
    if zest and rng.random() < 0.02 and cursor < horizon:
        cursor = _between(rng, cursor, horizon)
        acts.append(_call(contracts.replace_by_maker, MakerReplacement(date=cursor, reported=True)))
    ended = False
    for _ in range(rng.choices((0, 1, 2), weights=(55, 30, 15))[0]):
        first = max(cursor, start) if not zest or rng.random() < 0.9 else cursor  # some ask during the maker's warranty
        last = min(horizon, today - timedelta(days=1))  # requests made by yesterday: none in the hours to come
        if first >= last:
            break
        day = _between(rng, first, last)
        at = datetime.combine(day, clock_time(rng.randint(8, 19), rng.choice((0, 15, 30, 45))), JST)
        cause = "normal_use" if rng.random() < 0.7 else rng.choice(EXCLUDED[data.program])
        part = rng.choice(("hdd", "fan", "power_supply", "other")) if not zest and rng.random() < 0.5 else None
        events, cursor, ended = _case_events(rng, data, day, today)
        acts.append(_request(RequestRepair(at=at, cause=cause, part=part), events))
        if ended:
            break
    if not ended and cursor < horizon:
        roll = rng.random()
        if roll < 0.07:
            fee = 330 if zest else 0  # the transfer fee the retailer charges for the refund
            cancel = Cancel(date=_between(rng, cursor, horizon), transfer_fee=fee)
            acts.append(_call(refunds.cancel_contract, cancel))
        elif roll < 0.09:
            acts.append(_call(contracts.transfer, TransferOwnership(date=_between(rng, cursor, horizon))))
    return acts


def _case_events(rng: random.Random, data: Enrol, day: date, today: date) -> tuple[list[CaseEvent], date, bool]:
    """The case's progress after a covered request, as far as today: (events, last date, contract ended)."""
    plan = data.plan
    replaced = False

    def on(after: int) -> date:
        return day + timedelta(days=after)

    # A few events per case: each is a transaction of its own, and the demo must load in seconds.
    events: list[CaseEvent]
    if plan.startswith("sendback"):
        arrived = rng.randint(2, 4)
        events = [ItemArrived(date=on(arrived)), Progress(kind="shipped", date=on(arrived + 4))]
    elif plan.startswith("onsite"):
        events = [Progress(kind="visit_done", date=on(rng.randint(1, 2)))]
    elif rng.random() < 0.04:  # an estimate over the cap: replaced, and the cover ends (zest 第5条)
        over = (data.repair_cap or data.purchase_price or 0) + rng.randint(10, 300) * 100
        events, replaced = [Estimate(date=on(5), amount=over), Progress(kind="replaced", date=on(12))], True
    else:
        events = [Estimate(date=on(rng.randint(3, 7)), amount=rng.randint(50, 800) * 100)]
    done = [event for event in events if event.date is not None and event.date <= today]
    return done, max([day, *(event.date for event in done if event.date is not None)]), replaced and bool(done)


CaseEvent = ItemArrived | Estimate | Progress


def _request(command: RequestRepair, events: list[CaseEvent]) -> Act:
    def act(hosho: Hosho, contract_id: int) -> None:
        answer = cases.request_repair(hosho, DEMO, contract_id, command)
        if answer.decision == "covered" and answer.case_id is not None:
            for event in events:
                cases.record_event(hosho, DEMO, answer.case_id, event)

    return act


def _between(rng: random.Random, after: date, until: date) -> date:
    """A day after `after`, no later than `until`."""
    return after + timedelta(days=rng.randint(1, max(1, (until - after).days)))


# --- the adjudication's stories: what the review queue and the case board show ------------------------------------


def _adjudicated(
    hosho: Hosho, rng: random.Random, index: int, today: date, plan: str, steps: Callable[[int, date], object]
) -> int:
    """A zest contract bought about two years ago (in cover since a year after purchase), paid at once; `steps`
    get its id and today. Returns 1 when the service refused a step, else 0."""
    purchase = today - timedelta(days=700 + rng.randint(0, 60))
    data = _zest(rng, today, plan=plan, bought=purchase)
    try:
        enrolled, _ = contracts.enroll(hosho, DEMO, data, idempotency_key=f"demo-{index:05d}")
        contracts.pay_fee(hosho, DEMO, enrolled.id, Pay(date=purchase))
        steps(enrolled.id, today)
    except ServiceError:
        return 1
    return 0


def _requested(hosho: Hosho, contract_id: int, day: date, cause: str) -> int:
    """A request made at 10:00 on `day`; the case's id."""
    at = datetime.combine(day, clock_time(10, 0), JST)
    answer = cases.request_repair(hosho, DEMO, contract_id, RequestRepair(at=at, cause=cause))
    assert answer.case_id is not None
    return answer.case_id


def _under_review(hosho: Hosho, rng: random.Random, index: int, today: date) -> int:
    """第4条第1項(2): the maker's replacement was not reported, so the request waits for a supervisor."""

    def steps(contract_id: int, today: date) -> None:
        replaced = today - timedelta(days=650)  # during the maker's warranty, before the cover starts
        contracts.replace_by_maker(hosho, DEMO, contract_id, MakerReplacement(date=replaced, reported=False))
        _requested(hosho, contract_id, today - timedelta(days=8), "normal_use")

    return _adjudicated(hosho, rng, index, today, "kaden-5y", steps)


def _disputed(hosho: Hosho, rng: random.Random, index: int, today: date) -> int:
    """第11条: refused for a drop the subscriber denies; the dispute is open, no third party asked yet."""

    def steps(contract_id: int, today: date) -> None:
        case_id = _requested(hosho, contract_id, today - timedelta(days=12), "relocation_or_drop")
        note = "落とした覚えはなく、購入時から設置場所も動かしていないとのお申し出。第三者の見解を求める。"
        adjudication.open_dispute(hosho, DEMO, case_id, OpenDispute(date=today - timedelta(days=2), note=note))

    return _adjudicated(hosho, rng, index, today, "kaden-5y", steps)


def _diagnosed(hosho: Hosho, rng: random.Random, index: int, today: date) -> int:
    """第6条(18): covered at intake, the fault did not reproduce on the visit."""

    def steps(contract_id: int, today: date) -> None:
        case_id = _requested(hosho, contract_id, today - timedelta(days=10), "normal_use")
        note = "訪問時、冷房・暖房とも正常に運転。2時間の連続運転でも症状は再現せず。"
        finding = Diagnosis(date=today - timedelta(days=1), reproduced=False, note=note)
        adjudication.diagnose(hosho, DEMO, case_id, finding)

    return _adjudicated(hosho, rng, index, today, "aircon-8y", steps)


Story = Callable[[Hosho, random.Random, int, date], int]
ADJUDICATED: tuple[Story, ...] = (_under_review, _disputed, _diagnosed)
