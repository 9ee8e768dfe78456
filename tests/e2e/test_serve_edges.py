"""Edges of a served Hosho: the key checked before a body is read, a body over the limit refused while it
arrives, the API docs without the internet, the console's own page for a path it does not have.

Raw sockets for the bodies, so that the test sees when the answer comes while the body is still being sent (a client
library sends the whole body before it reads the answer).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator

import httpx
import pytest

from tests.e2e.test_serve import hosho, serving

ASSET = re.compile(r'(?:src|href)="([^"]+)"')

MiB = 1024 * 1024
CHUNK = 64 * 1024


def send(base: str, head: str, body: Iterable[bytes] = ()) -> tuple[str, int, float]:
    """Send the head, then the body from another thread until the server answers.

    Returns the status line, how many body bytes were sent when the answer came, and the seconds it took.
    """
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head.encode())
        sent, answered = 0, threading.Event()

        def feed() -> None:
            nonlocal sent
            try:
                for chunk in body:
                    if answered.is_set():
                        return
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:  # the server closed the connection after its answer
                pass

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        answer = b""
        while b"\r\n" not in answer:
            part = sock.recv(4096)
            if not part:
                break
            answer += part
        at_answer = sent
        answered.set()
    feeder.join(10)
    return answer.split(b"\r\n", 1)[0].decode(), at_answer, time.monotonic() - started


def chunked(total: int) -> Iterator[bytes]:
    data = b"x" * CHUNK
    for _ in range(total // CHUNK):
        yield b"%x\r\n%s\r\n" % (len(data), data)
    yield b"0\r\n\r\n"


def head(path: str, *headers: str) -> str:
    return "\r\n".join([f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", *headers, "", ""])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    tmp_path = tmp_path_factory.mktemp("limits")
    database = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    assert hosho("migrate", "--database-url", database).returncode == 0
    key = hosho("keys", "create", "--role", "agent", "--name", "limits", "--database-url", database).stdout.strip()
    with serving(tmp_path, "--no-demo", "--database-url", database) as (base, _):
        yield base, key


def test_a_gigabyte_announced_without_a_key_is_refused_before_any_of_it_is_sent(served: tuple[str, str]) -> None:
    base, _ = served
    status, sent, seconds = send(base, head("/v1/contracts", f"Content-Length: {1024 * MiB}"))
    assert status == "HTTP/1.1 401 Unauthorized" and sent == 0 and seconds < 5


def test_a_chunked_body_without_a_key_is_refused_before_it_is_read(served: tuple[str, str]) -> None:
    base, _ = served
    status, sent, _ = send(base, head("/v1/contracts", "Transfer-Encoding: chunked"), chunked(512 * MiB))
    assert status == "HTTP/1.1 401 Unauthorized" and sent < 64 * MiB


def test_a_declared_length_over_the_limit_is_413_at_once(served: tuple[str, str]) -> None:
    base, key = served
    status, sent, seconds = send(base, head("/v1/contracts", f"X-API-Key: {key}", f"Content-Length: {2 * MiB}"))
    assert status == "HTTP/1.1 413 Request Entity Too Large" and sent == 0 and seconds < 5


def test_a_chunked_body_over_the_limit_is_413_while_it_arrives(served: tuple[str, str]) -> None:
    base, key = served
    sending = chunked(512 * MiB)
    status, sent, _ = send(base, head("/v1/contracts", f"X-API-Key: {key}", "Transfer-Encoding: chunked"), sending)
    assert status == "HTTP/1.1 413 Request Entity Too Large" and MiB <= sent < 64 * MiB


def test_a_console_form_over_the_limit_is_413_too(served: tuple[str, str]) -> None:
    base, _ = served
    form = head("/console/login", "Transfer-Encoding: chunked").replace(
        "application/json", "application/x-www-form-urlencoded"
    )
    status, sent, _ = send(base, form, chunked(512 * MiB))
    assert status == "HTTP/1.1 413 Request Entity Too Large" and sent < 64 * MiB


def test_the_api_docs_load_every_asset_from_the_server_itself(served: tuple[str, str]) -> None:
    base, _ = served
    page = httpx.get(f"{base}/v1/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    assert "http://" not in page.text and "https://" not in page.text and "//cdn" not in page.text
    assets = ASSET.findall(page.text)
    assert sorted(assets) == [
        "/v1/docs/static/favicon-32x32.png",
        "/v1/docs/static/swagger-ui-bundle.js",
        "/v1/docs/static/swagger-ui.css",
    ]
    for asset in assets:
        loaded = httpx.get(f"{base}{asset}")
        assert loaded.status_code == 200 and len(loaded.content) > 500, asset
    assert "'/v1/openapi.json'" in page.text and httpx.get(f"{base}/v1/openapi.json").json()["openapi"] == "3.1.0"


def test_an_unknown_console_path_is_the_console_s_japanese_page_with_its_headers(served: tuple[str, str]) -> None:
    base, _ = served
    for method in ("GET", "POST"):
        missing = httpx.request(method, f"{base}/console/no-such-page/090-1234-5678")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert '<h1 id="error-title">見つかりません</h1>' in missing.text
        assert "お探しのページは見つかりませんでした。" in missing.text and "090-1234-5678" not in missing.text
        assert missing.headers["X-Frame-Options"] == "DENY" and missing.headers["Cache-Control"] == "no-store"
        assert missing.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert httpx.get(f"{base}/console/static/htmx.min.js").status_code == 200  # the files stay reachable
