"""Every text field of every command at its maximum and one past it, on both databases (issue 8, item 6).

The cases are generated from the command models' JSON schema (`service/commands.py`): a new field is covered
without touching this file, and a new command type fails `test_every_command_is_exercised` until it is added to
ACTIONS. At the maximum a text is stored and read back unchanged (or, for a word of the vocabulary, refused with
its field named); one character more is refused naming the field: by the command type, and by the API with 422.
The fillers are the worst characters for the database and the search keys: '㍿' (NFKC 株式会社), '⑳' (two
digits), 'ﷺ' (NFKC eighteen letters) and '𠮷' (outside the BMP, four bytes in UTF-8).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from hosho.api.app import create_app
from hosho.domain.calendar import JST
from hosho.service import adjudication, cases, commands, contracts, keys
from hosho.service.context import Actor, Hosho, Role, ServiceError
from hosho.service.figures.filters import FigureFilters
from hosho.store import models as m

WORST = ("㍿", "⑳", "ﷺ", "𠮷")
AGENT = Actor("agent:bounds", Role.AGENT)
ADMIN = Actor("admin:bounds", Role.ADMIN)  # decides reviews and disputes
# Words of the vocabulary or the catalog: a text of maximal length is no such word, and is refused as such.
WORDS = {"program", "plan", "kind", "cause", "part", "claim", "retailer", "item"}
Path = tuple[str | int, ...]


def text_fields(model: type[commands.Command]) -> Iterator[tuple[Path, int]]:
    """Every bounded text field of a command, as a path into its body, with its maximal length."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})

    def walk(node: dict[str, Any], path: Path) -> Iterator[tuple[Path, int]]:
        if "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[-1]]
        for option in node.get("anyOf", ()):
            yield from walk(option, path)
        for name, child in node.get("properties", {}).items():
            yield from walk(child, (*path, name))
        if node.get("type") == "array":
            yield from walk(node["items"], (*path, 0))
        if node.get("type") == "string" and "maxLength" in node:
            yield path, node["maxLength"]

    yield from walk(schema, ())


def dotted(path: Path) -> str:
    return ".".join(map(str, path))


def fillers(path: Path, length: int) -> list[str]:
    """Texts of exactly `length` characters that the field's own rules accept."""
    leaf = path[-1]
    if leaf == "phone":  # digits with separators (domain.contact): 11 digits, the rest full-width hyphens
        return ["０９０" + "－" * (length - 11) + "１２３４５６７８"]
    if leaf == "kind":  # an equipment kind is an identifier (a-z, 0-9, _) of the program's data
        return ["k" * length]
    if leaf == "email":
        return [ch * (length - 2) + "@" + ch for ch in WORST]
    if leaf == "postal_code":  # looked up in Japan Post's data: the longest written form
        assert length == len("100-0001"), f"give a real postal code of {length} characters here"
        return ["100-0001"]
    return [ch * length for ch in WORST]


def with_value(body: dict[str, Any], path: Path, value: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    node: Any = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


# --- what each command does through the service, and where its texts are read back --------------------------------


@dataclass
class World:
    hosho: Hosho
    zest_id: int  # a paid zest contract
    sendback_id: int  # a paid ipro send-back contract with an open covered case
    case_id: int


def _zest(hosho: Hosho) -> int:
    created, _ = contracts.enroll(hosho, AGENT, commands.Enrol.model_validate(ENROL))
    contracts.pay_fee(hosho, AGENT, created.id, commands.Pay(date=date(2024, 4, 1)))
    return created.id


def _world(hosho: Hosho) -> World:
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    sendback = commands.Enrol.model_validate(
        {
            "program": "ipro",
            "plan": "sendback-3y",
            "purchase_date": "2025-03-01",
            "operation_start_date": "2025-03-10",
            "equipment": [
                {"kind": "camera", "model": "WV-X86530", "serial": "C1"},
                {"kind": "recorder", "model": "WJ-NX510", "serial": "R1"},
            ],
            "site": {"postal_code": "100-0001"},
            "subscriber": {"name": "山田 太郎"},
        }
    )
    created, _ = contracts.enroll(hosho, AGENT, sendback)
    contracts.pay_fee(hosho, AGENT, created.id, commands.Pay(date=date(2025, 3, 12)))
    request = commands.RequestRepair(at=datetime(2025, 6, 2, 10, tzinfo=JST), cause="normal_use")
    decided = cases.request_repair(hosho, AGENT, created.id, request)
    assert decided.case_id is not None
    return World(hosho, _zest(hosho), created.id, decided.case_id)


def _zest_case(world: World, cause: str) -> int:
    """A new case on the zest contract: covered (normal_use) or not (an excluded cause)."""
    request = commands.RequestRepair(at=datetime(2025, 6, 3, 10, tzinfo=JST), cause=cause)
    decided = cases.request_repair(world.hosho, AGENT, world.zest_id, request)
    assert decided.case_id is not None
    return decided.case_id


def _under_review(world: World) -> int:
    """A new zest contract whose unreported maker replacement sends its request to review."""
    contract_id = _zest(world.hosho)
    replaced = commands.MakerReplacement(date=date(2025, 1, 10), reported=False)
    contracts.replace_by_maker(world.hosho, AGENT, contract_id, replaced)
    request = commands.RequestRepair(at=datetime(2025, 6, 3, 10, tzinfo=JST), cause="normal_use")
    decided = cases.request_repair(world.hosho, AGENT, contract_id, request)
    assert decided.decision == "review" and decided.case_id is not None
    return decided.case_id


def _disputed(world: World) -> int:
    case_id = _zest_case(world, "impact_or_water")
    adjudication.open_dispute(world.hosho, AGENT, case_id, commands.OpenDispute(date=date(2025, 6, 4), note="x"))
    return case_id


def _json(answer: Any) -> dict[str, Any]:
    """A service result as the API's JSON."""
    result: dict[str, Any] = answer.model_dump(mode="json")
    return result


def _contract(world: World, contract_id: int) -> dict[str, Any]:
    return _json(contracts.get(world.hosho, AGENT, contract_id))


def _case(world: World) -> dict[str, Any]:
    view = _contract(world, world.sendback_id)
    return next(case for case in view["cases"] if case["id"] == world.case_id)


def _report_serial(world: World) -> str:
    with world.hosho.reading() as session:
        report = session.execute(
            select(m.ChangeReport)
            .where(m.ChangeReport.contract_id == world.zest_id, m.ChangeReport.kind == "maker_replacement")
            .order_by(m.ChangeReport.id.desc())
            .limit(1)
        ).scalar_one()
        return str(report.fields["serial"])


def _enrol_read(world: World, answer: dict[str, Any], path: Path) -> Any:
    view = _contract(world, answer["id"])
    where = {"program": ("program",), "plan": ("plan", "id"), "site": ("site",)}.get(str(path[0]), (path[0],))
    node: Any = view
    for part in (*where, *path[1:]):
        node = node[part]
    return node


@dataclass(frozen=True)
class Action:
    body: dict[str, Any]
    run: Callable[[World, Any], dict[str, Any]]  # through the service; the answer
    read: Callable[[World, dict[str, Any], Path], Any]  # the stored text at the path
    url: Callable[[World], str]


ENROL: dict[str, Any] = {
    "program": "zest",
    "plan": "kaden-5y",
    "purchase_date": "2024-04-01",
    "purchase_price": 100_000,
    "warranty_fee": 5_000,
    "equipment": [{"kind": "other", "model": "NA-VX1", "serial": "SN-0001"}],
    "site": {"postal_code": "100-0001"},
    "retailer": "R1",
    "subscriber": {"name": "山田 太郎", "phone": "090-1234-5678"},
}

ACTIONS: dict[type[commands.Command], Action] = {
    commands.Enrol: Action(
        ENROL,
        lambda w, c: _json(contracts.enroll(w.hosho, AGENT, c)[0]),
        _enrol_read,
        lambda w: "/v1/contracts",
    ),
    commands.ReportChange: Action(
        {"date": "2025-01-10", "fields": {}},
        lambda w, c: _json(contracts.report_changes(w.hosho, AGENT, w.zest_id, c)),
        lambda w, a, path: _contract(w, w.zest_id)["subscriber"][path[-1]],
        lambda w: f"/v1/contracts/{w.zest_id}/change-reports",
    ),
    commands.MakerReplacement: Action(
        {"date": "2025-01-10", "reported": True},
        lambda w, c: _json(contracts.replace_by_maker(w.hosho, AGENT, w.zest_id, c)),
        lambda w, a, path: _report_serial(w),
        lambda w: f"/v1/contracts/{w.zest_id}/manufacturer-replacement",
    ),
    commands.RequestRepair: Action(
        {"at": "2025-06-03T10:00:00+09:00", "cause": "normal_use"},
        lambda w, c: _json(cases.request_repair(w.hosho, AGENT, w.sendback_id, c)),
        lambda w, a, path: next(case for case in _contract(w, w.sendback_id)["cases"] if case["id"] == a["case_id"])[
            str(path[-1])
        ],
        lambda w: f"/v1/contracts/{w.sendback_id}/repair-requests",
    ),
    commands.ItemArrived: Action(
        {"kind": "item_arrived", "date": "2025-06-05"},
        lambda w, c: _json(cases.record_event(w.hosho, AGENT, w.case_id, c)),
        lambda w, a, path: _case(w)["events"][-1]["data"]["note"],
        lambda w: f"/v1/cases/{w.case_id}/events",
    ),
    commands.Estimate: Action(
        {"kind": "estimate", "date": "2025-06-05", "amount": 1_000},
        lambda w, c: _json(cases.record_event(w.hosho, AGENT, w.case_id, c)),
        lambda w, a, path: _case(w)["events"][-1]["data"]["note"],
        lambda w: f"/v1/cases/{w.case_id}/events",
    ),
    commands.Progress: Action(
        {"kind": "replaced", "date": "2025-06-05"},  # a replacement records the new item's serial too
        lambda w, c: _json(cases.record_event(w.hosho, AGENT, w.case_id, c)),
        lambda w, a, path: _case(w)["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{w.case_id}/events",
    ),
    commands.Diagnosis: Action(
        {"date": "2025-06-05"},
        lambda w, c: _json(adjudication.diagnose(w.hosho, AGENT, _zest_case(w, "normal_use"), c)),
        lambda w, a, path: a["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{_zest_case(w, 'normal_use')}/diagnosis",
    ),
    commands.DecideReview: Action(
        {"date": "2025-06-05", "decision": "covered", "note": "x"},
        lambda w, c: _json(adjudication.decide_review(w.hosho, ADMIN, _under_review(w), c)),
        lambda w, a, path: a["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{_under_review(w)}/review-decision",
    ),
    commands.OpenDispute: Action(
        {"date": "2025-06-05", "note": "x"},
        lambda w, c: _json(adjudication.open_dispute(w.hosho, AGENT, _zest_case(w, "impact_or_water"), c)),
        lambda w, a, path: a["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{_zest_case(w, 'impact_or_water')}/dispute",
    ),
    commands.DisputeOpinion: Action(
        {"date": "2025-06-05", "opinion": "x"},
        lambda w, c: _json(adjudication.record_opinion(w.hosho, AGENT, _disputed(w), c)),
        lambda w, a, path: a["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{_disputed(w)}/dispute/opinion",
    ),
    commands.DecideDispute: Action(
        {"date": "2025-06-05", "decision": "not_covered", "note": "x"},
        lambda w, c: _json(adjudication.decide_dispute(w.hosho, ADMIN, _disputed(w), c)),
        lambda w, a, path: a["events"][-1]["data"][str(path[-1])],
        lambda w: f"/v1/cases/{_disputed(w)}/dispute/decision",
    ),
}
# Commands with no text of their own (dates, amounts, choices), checked by test_every_command_is_exercised.
WITHOUT_TEXT = {commands.Pay, commands.TransferOwnership, commands.CreateBatch, commands.Advance}
# Commands whose texts are never stored as typed: a bank account is checked and converted to the Zengin form (its
# holder to at most 30 bytes of half-width kana, test_payouts.py), a bank's reason and a closure's name go into JSON
# columns; a figure's filters are read, never stored; their bounds are still the command's (checked one past the
# maximum below).
CONVERTED = {
    commands.BankAccountIn,
    commands.BankAnswer,
    commands.ClosureRange,
    commands.Cancel,
    commands.SetClosures,
    FigureFilters,
}


def _all_commands(base: type[commands.Command] = commands.Command) -> set[type[commands.Command]]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub, *_all_commands(sub)}
    return found


def test_every_command_is_exercised() -> None:
    nested = {
        name
        for action in ACTIONS
        for name in action.model_json_schema().get("$defs", {})  # parts of a command: Subscriber, Site, …
    }
    left = {
        command.__name__
        for command in _all_commands()
        if command not in {*ACTIONS, *WITHOUT_TEXT, *CONVERTED} and command.__name__ not in nested
    }
    assert not left, f"add these commands to ACTIONS (or WITHOUT_TEXT): {sorted(left)}"
    assert all(not list(text_fields(command)) for command in WITHOUT_TEXT)


@pytest.mark.parametrize("command", sorted(CONVERTED, key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_a_converted_text_one_past_its_maximum_is_refused_naming_the_field(command: type[commands.Command]) -> None:
    bodies = {
        commands.BankAccountIn: {
            "bank_code": "0005",
            "branch_code": "001",
            "account_type": 1,
            "account_number": "1",
            "holder": "ｱ",
        },
        commands.BankAnswer: {"refund_id": 1, "result": "returned", "date": "2026-12-04", "reason": "x"},
        commands.ClosureRange: {"first": "2026-12-29", "last": "2027-01-03", "name": "x"},
        FigureFilters: {"from": "2026-01", "to": "2026-12"},
    }
    bodies[commands.Cancel] = {"date": "2026-12-01", "bank_account": bodies[commands.BankAccountIn]}
    bodies[commands.SetClosures] = {"year": 2026, "ranges": [bodies[commands.ClosureRange]]}
    for path, length in text_fields(command):
        with pytest.raises(ValidationError) as refused:
            command.model_validate(with_value(bodies[command], path, "㍿" * (length + 1)))
        assert dotted(path) in {dotted(error["loc"]) for error in refused.value.errors()}


def test_the_fields_found_include_the_ones_the_issue_names() -> None:
    found = {dotted(path): length for path, length in text_fields(commands.Enrol)}
    assert found["equipment.0.model"] == found["equipment.0.serial"] == 100
    assert (found["subscriber.name"], found["subscriber.phone"], found["site.postal_code"]) == (200, 40, 8)
    assert {"fields.name", "fields.phone"} <= {dotted(path) for path, _ in text_fields(commands.ReportChange)}


# --- the tests ----------------------------------------------------------------------------------------------------


def _cases(command: type[commands.Command]) -> Iterator[tuple[Path, int, str]]:
    for path, length in text_fields(command):
        for text in fillers(path, length):
            yield path, length, text


def _refused_naming(error: ServiceError, path: Path) -> bool:
    named = error.field is not None and (str(path[-1]) in error.field or error.field == path[0])
    return error.code in ("not_found", "invalid_request", "invalid_contract") and named


@pytest.mark.parametrize("command", list(ACTIONS), ids=lambda c: c.__name__)
def test_the_longest_text_is_stored_whole_and_one_more_character_is_refused_naming_the_field(
    hosho: Hosho, command: type[commands.Command]
) -> None:
    world = _world(hosho)
    action = ACTIONS[command]
    problems: list[str] = []
    for path, length, text in _cases(command):
        where = f"{command.__name__} {dotted(path)} {text[:1]!r}×{length}"
        body = with_value(action.body, path, text)
        try:
            answer = action.run(world, command.model_validate(body))
        except ServiceError as error:
            if path[-1] not in WORDS or not _refused_naming(error, path):
                problems.append(f"{where}: refused {error.code} {error.field}")
        else:
            if path[-1] not in WORDS and action.read(world, answer, path) != text:
                problems.append(f"{where}: read back differs")
        longer = with_value(action.body, path, text + text[-1])
        with pytest.raises(ValidationError) as refused:
            command.model_validate(longer)
        if dotted(path) not in {dotted(error["loc"]) for error in refused.value.errors()}:
            problems.append(f"{where} + 1: refused at {[e['loc'] for e in refused.value.errors()]}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def api_world(hosho: Hosho) -> Iterator[tuple[World, TestClient, dict[str, str]]]:
    world = _world(hosho)
    key = keys.create_key(hosho, role=Role.ADMIN, name="bounds")
    with TestClient(create_app(hosho)) as client:
        yield world, client, {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("command", list(ACTIONS), ids=lambda c: c.__name__)
def test_the_api_stores_the_longest_text_and_answers_422_naming_the_field_one_past_it(
    api_world: tuple[World, TestClient, dict[str, str]], command: type[commands.Command]
) -> None:
    world, client, headers = api_world
    action = ACTIONS[command]
    problems: list[str] = []
    for path, length, text in _cases(command):
        where = f"{command.__name__} {dotted(path)} {text[:1]!r}×{length}"
        answer = client.post(action.url(world), json=with_value(action.body, path, text), headers=headers)
        if answer.status_code >= 500:
            problems.append(f"{where}: {answer.status_code}")
        elif path[-1] in WORDS:
            if answer.status_code < 400 or str(path[-1]) not in (answer.json().get("field") or ""):
                problems.append(f"{where}: {answer.status_code} {answer.json().get('field')}")
        elif answer.status_code not in (200, 201):
            problems.append(f"{where}: {answer.status_code} {json.dumps(answer.json(), ensure_ascii=False)[:200]}")
        elif action.read(world, answer.json(), path) != text:
            problems.append(f"{where}: read back differs")
        longer = client.post(action.url(world), json=with_value(action.body, path, text + text[-1]), headers=headers)
        if longer.status_code != 422 or longer.json().get("field") != dotted(path):
            problems.append(f"{where} + 1: {longer.status_code} {longer.json().get('field')}")
    assert not problems, "\n".join(problems)


def test_a_key_with_the_longest_name_enrols_idempotently_and_is_named_in_the_audit(hosho: Hosho) -> None:
    keys.ensure_retailer(hosho, code="R1", name="量販店1")
    name = "ﷺ" * m.KEY_NAME_LENGTH
    actor = keys.authenticate(hosho, keys.create_key(hosho, role=Role.AGENT, name=name))
    assert actor is not None
    application = commands.Enrol.model_validate(ENROL)
    created, fresh = contracts.enroll(hosho, actor, application, idempotency_key="k" * 200)
    again, repeated = contracts.enroll(hosho, actor, application, idempotency_key="k" * 200)
    assert (fresh, repeated, again.id) == (True, False, created.id)
    assert [entry.actor for entry in contracts.audit_trail(hosho, actor, created.id)] == [f"key:{name}"]
