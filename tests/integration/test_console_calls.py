"""The console's call list: who to call or write to and why, the call's outcome recorded by an agent; roles."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hosho.service import contracts
from hosho.service.context import SYSTEM, Hosho
from tests.integration.test_console import app_hosho, client, fast_hashing, sign_in, world

__all__ = ["app_hosho", "client", "fast_hashing", "world"]  # the console tests' fixtures, used here too


def _forms(html: str) -> list[str]:
    return re.findall(r'action="/console/calls/(\d+)"', html)


def test_an_agent_sees_the_letters_to_post_and_records_what_was_done(
    client: TestClient, world: dict[str, int], app_hosho: Hosho
) -> None:
    token = sign_in(client, "agent")
    page = client.get("/console/calls")
    assert page.status_code == 200
    assert "山田 太郎 様" in page.text and "山田 花子 様" in page.text
    assert "加入者証の発行" in page.text and "郵送(書面)" in page.text
    first, second = _forms(page.text)
    empty = client.post(f"/console/calls/{first}", data={"outcome": " ", "csrf_token": token})
    assert empty.status_code == 422
    assert "結果を400文字以内で入力してください。" in empty.text
    done = client.post(
        f"/console/calls/{first}", data={"outcome": "加入者証を郵送した", "csrf_token": token}, follow_redirects=False
    )
    assert (done.status_code, done.headers["location"]) == (303, "/console/calls?notice=recorded")
    after = client.get("/console/calls?notice=recorded")
    assert "記録しました。" in after.text
    assert _forms(after.text) == [second]
    trail = contracts.audit_trail(app_hosho, SYSTEM, world["R1"])
    assert trail[-1].action == "notice.call_recorded"


def test_a_technician_has_no_call_list(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "technician")
    assert client.get("/console/calls").status_code == 403
    assert "ご連絡" not in client.get("/console/").text.split("<main")[0]


def test_recording_without_the_form_s_token_is_refused(client: TestClient, world: dict[str, int]) -> None:
    sign_in(client, "agent")
    [first, _] = _forms(client.get("/console/calls").text)
    refused = client.post(f"/console/calls/{first}", data={"outcome": "電話した"})
    assert refused.status_code == 403
    assert len(_forms(client.get("/console/calls").text)) == 2
