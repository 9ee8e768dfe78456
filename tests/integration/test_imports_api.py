"""Retailer files through the REST API: upload, progress, rejected lines, a retailer key only for its own channel."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hosho.api import imports as api_imports
from hosho.api.app import create_app
from hosho.api.limits import LIMIT_ATTRIBUTE
from hosho.service import keys
from hosho.service.context import Hosho, Role
from tests.integration.queued import run_jobs

HEADER = "販売店コード,受付番号,プログラム,プラン,購入日,購入金額,保証料,氏名,電話番号,郵便番号,住所,型番,製造番号"
LINE = "{shop},{ref},zest,kaden-5y,{day},128000,6400,山田 太郎,090-1234-5678,100-0001,東京都,NA-1,S{ref}"


def _file(*lines: str) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp932")


def _line(ref: str, *, shop: str = "R1", day: str = "2024-04-01") -> str:
    return LINE.format(shop=shop, ref=ref, day=day)


class Shop:
    def __init__(self, hosho: Hosho, client: TestClient) -> None:
        self.client = client
        self.hosho = hosho
        keys.ensure_retailer(hosho, code="R1", name="家電の店")
        keys.ensure_retailer(hosho, code="R2", name="別の店")
        self.r1 = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.RETAILER, name='r1', retailer='R1')}"}
        self.r2 = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.RETAILER, name='r2', retailer='R2')}"}
        self.tech = {"Authorization": f"Bearer {keys.create_key(hosho, role=Role.TECHNICIAN, name='tech')}"}

    def upload(self, data: bytes, headers: dict[str, str], **params: str) -> dict[str, object]:
        answer = self.client.post(
            "/v1/imports", content=data, params=params, headers={**headers, "Content-Type": "text/csv"}
        )
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def done(self, import_id: object, headers: dict[str, str]) -> dict[str, object]:
        for _ in range(200):
            run_jobs(self.hosho)
            run = self.client.get(f"/v1/imports/{import_id}", headers=headers).json()
            if run["state"] != "running":
                return dict(run)
            time.sleep(0.05)
        raise AssertionError("the import did not finish")


@pytest.fixture
def shop(hosho: Hosho) -> Iterator[Shop]:
    with TestClient(create_app(hosho)) as client:
        yield Shop(hosho, client)


def test_an_upload_is_imported_in_the_background_and_its_rejected_lines_can_be_fetched(shop: Shop) -> None:
    data = _file(_line("Z1"), _line("Z2", day="令和6年2月30日"), _line("Z3", shop="R2"))
    started = shop.upload(data, shop.r1, file_name="0401.csv")
    assert (started["file_name"], started["lines"]) == ("0401.csv", 3)
    run = shop.done(started["id"], shop.r1)
    assert (run["state"], run["imported"], run["already"], run["rejected"], run["rejected_lines"]) == (
        "done",
        1,
        0,
        2,
        2,
    )
    rejects = shop.client.get(f"/v1/imports/{started['id']}/rejects", headers=shop.r1)
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    lines = rejects.content.decode("cp932").splitlines()
    assert [line.split(",")[-4:-1] for line in lines[1:]] == [
        ["3", "購入日", "invalid_contract"],
        ["4", "販売店コード", "forbidden"],
    ]
    again = shop.done(shop.upload(data, shop.r1)["id"], shop.r1)
    assert (again["imported"], again["already"]) == (0, 1)


def test_a_retailer_sees_only_its_own_imports_and_a_technician_none(shop: Shop) -> None:
    import_id = shop.upload(_file(_line("Z1")), shop.r1)["id"]
    shop.done(import_id, shop.r1)
    assert shop.client.get(f"/v1/imports/{import_id}", headers=shop.r2).status_code == 404
    assert shop.client.get(f"/v1/imports/{import_id}/rejects", headers=shop.r2).status_code == 404
    assert shop.client.get(f"/v1/imports/{import_id}/rejects", headers=shop.r1).status_code == 404  # none rejected
    refused = shop.client.post("/v1/imports", content=_file(_line("Z9")), headers=shop.tech)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert shop.client.post("/v1/imports", content=_file(_line("Z9"))).status_code == 401


def test_a_file_that_cannot_be_read_is_refused_at_once_naming_the_line(shop: Shop) -> None:
    refused = shop.client.post(
        "/v1/imports",
        content=_file(_line("Z1"), _line("Z2") + "," * 10_000),
        headers=shop.r1,
        params={"file_name": "a.csv"},
    )
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("invalid_file", "file")
    assert "a.csv:3: " in refused.json()["detail"]


def test_an_upload_over_the_limit_is_refused_before_it_is_read(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_imports.create_import, LIMIT_ATTRIBUTE, 1_000)
    refused = shop.client.post("/v1/imports", content=_file(*(_line(f"Z{n}") for n in range(50))), headers=shop.r1)
    assert (refused.status_code, refused.json()["code"]) == (413, "too_large")
