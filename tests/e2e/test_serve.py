"""`hosho serve` as a user runs it, and `hosho check --api` against it; the admin commands; one line on errors."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hosho.engine import Engine
from hosho.scenarios.inprocess import runner, scratch_service
from tests.conftest import SCENARIOS, SPEC_EXAMPLES
from tests.integration.databases import DATABASES, fresh_database

Completed = subprocess.CompletedProcess[str]
KEY = re.compile(r"demo admin key \(revoked at the next start\): (hsk_\S+)")
DEMO_USER = re.compile(r"console: \S+/console/  user (\S+) / password (\S+) ")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def hosho(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hosho.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env if env is not None else _env(),
        cwd=cwd,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOSHO_API_KEY", "HOSHO_DATABASE_URL")}
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, str | None]]:
    """Run `hosho serve` until /v1/health answers; yield (base URL, the demo key if printed); always stop it."""
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "hosho.cli", "serve", "--port", str(port), *args]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env or _env(), cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"hosho serve exited with {server.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"hosho serve did not answer /v1/health:\n{log.read_text()}")
            time.sleep(0.2)
        found = KEY.search(log.read_text())
        yield base, found.group(1) if found else None
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.skipif(not SPEC_EXAMPLES.is_dir(), reason="shared/spec is not beside this checkout")
def test_check_api_runs_the_spec_examples_through_a_served_hosho(tmp_path: Path) -> None:
    # As CI and the before-stop hook do it: a key from `hosho keys create`, then `hosho serve --no-demo`.
    database = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    assert hosho("migrate", "--database-url", database).returncode == 0
    created = hosho("keys", "create", "--role", "admin", "--name", "hook", "--database-url", database)
    key = created.stdout.strip()
    with serving(tmp_path, "--no-demo", "--database-url", database) as (base, printed):
        assert printed is None and "hsk_" not in (tmp_path / "serve.log").read_text()
        result = hosho("check", "--api", base, SPEC_EXAMPLES, env=_env(HOSHO_API_KEY=key))
        assert (result.returncode, result.stdout.splitlines()[-1]) == (0, "15 passed, 0 failed"), result.stderr
        stored = httpx.get(f"{base}/v1/contracts", headers={"Authorization": f"Bearer {key}"}).json()["total"]
    # Every example's contract is in the service's database, but those the terms refuse at enrolment.
    with scratch_service(Engine()) as service:
        run = runner(service)
        enrolled = [run(path).results[0].facts.get("error") is None for path in SPEC_EXAMPLES.glob("*.yaml")]
    assert stored == sum(enrolled) < len(enrolled)


@pytest.mark.parametrize("kind", DATABASES)
def test_every_scenario_and_example_passes_through_a_served_hosho_as_in_process(kind: str, tmp_path: Path) -> None:
    """Issue 7's proof: the same files, the same lines, in-process and through `hosho serve` on both databases
    (calendar blocks through the company calendar, `advance` on a service started for testing)."""
    paths = [SCENARIOS, *([SPEC_EXAMPLES] if SPEC_EXAMPLES.is_dir() else [])]
    with fresh_database(kind, tmp_path) as database:
        created = hosho("keys", "create", "--role", "admin", "--name", "scenarios", "--database-url", database)
        key = created.stdout.strip()
        served_env = _env(HOSHO_TESTING="1")
        with serving(tmp_path, "--no-demo", "--database-url", database, env=served_env) as (base, _):
            through_api = hosho("check", "--api", base, *paths, env=_env(HOSHO_API_KEY=key))
    in_process = hosho("check", *paths)
    assert through_api.stdout == in_process.stdout, through_api.stderr
    assert (through_api.returncode, through_api.stdout.splitlines()[-1].endswith(" passed, 0 failed")) == (0, True)


def test_serve_loads_the_demo_prints_url_docs_and_key_and_several_workers_answer(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    with serving(tmp_path, "--workers", "2", "--database-url", database) as (base, key):
        assert key is not None
        out = (tmp_path / "serve.log").read_text()
        assert "demo data: 300 contracts (loaded in " in out
        assert f"Hosho is serving {base}" in out
        assert f"API docs (OpenAPI): {base}/v1/docs" in out
        assert httpx.get(f"{base}/v1/docs").status_code == 200
        for _ in range(4):  # whichever worker answers sees the same database
            seen = httpx.get(f"{base}/v1/contracts", headers={"Authorization": f"Bearer {key}"})
            assert (seen.status_code, seen.json()["total"]) == (200, 300)


def test_the_served_console_signs_in_the_demo_user_on_any_worker_and_logs_no_query(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'console.sqlite3'}"
    with serving(tmp_path, "--workers", "2", "--database-url", database) as (base, key):
        assert key is not None
        log = tmp_path / "serve.log"
        found = DEMO_USER.search(log.read_text())
        assert found, log.read_text()
        user, password = found.groups()
        with httpx.Client(base_url=base) as browser:
            token = CSRF.search(browser.get("/console/login").text)
            assert token is not None
            form = {"username": user, "password": password, "csrf_token": token.group(1)}
            assert browser.post("/console/login", data=form).status_code == 303
            for _ in range(6):  # two workers: the cookie one signed is good in the other (one session key)
                page = browser.get("/console/", params={"q": "090-0000-0000"})
                assert page.status_code == 200 and "デモ管理者さん" in page.text
        phone = "09011112222"
        httpx.get(f"{base}/v1/contracts", params={"phone": phone}, headers={"Authorization": f"Bearer {key}"})
        httpx.get(f"{base}/v1/contracts/090-3333-4444", headers={"Authorization": f"Bearer {key}"})
        httpx.get(f"{base}/090-5555-6666")
        httpx.get(f"{base}/console/090-7777-8888")
        time.sleep(0.5)  # the workers' log lines reach the file
        written = log.read_text()
        assert "GET /v1/contracts 200" in written  # Hosho's own access line, by route, without the query
        assert "GET /v1/contracts/{contract_id} 422" in written and "GET (unmatched) 404" in written
        assert "GET /console/{path} 404" in written  # the console's own not-found page
        assert re.search(r"GET /console/ 200 [0-9.]+ms user:demo\n", written), written
        assert phone not in written and "090-0000-0000" not in written and "q=" not in written
        assert not [digits for digits in ("3333", "5555", "7777") if digits in written]
        assert "/v1/console" not in written


def test_the_demo_key_works_until_the_next_start_which_revokes_it(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    with serving(tmp_path, "--database-url", database) as (base, demo_key):
        assert demo_key is not None
        headers = {"Authorization": f"Bearer {demo_key}"}
        assert httpx.get(f"{base}/v1/contracts", headers=headers).status_code == 200
    # The next start, even without the demo, ends that key and makes none.
    with serving(tmp_path, "--no-demo", "--database-url", database) as (base, printed):
        out = (tmp_path / "serve.log").read_text()
        assert printed is None and "hsk_" not in out
        assert "the previous start's demo key is revoked (demo-admin)" in out
        assert "hosho keys create --role admin --name NAME" in out
        refused = httpx.get(f"{base}/v1/contracts", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    listed = hosho("keys", "list", "--database-url", database).stdout.splitlines()
    assert len(listed) == 2 and re.search(r"demo-admin\s+admin\s+-\s+\S+ \S+\s+\d{4}-\d\d-\d\d \d\d:\d\d$", listed[1])


def test_serve_on_postgresql_makes_no_key_even_with_the_demo_off(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as database:
        with serving(tmp_path, "--no-demo", "--database-url", database) as (_, printed):
            assert printed is None and "hsk_" not in (tmp_path / "serve.log").read_text()
        assert hosho("keys", "list", "--database-url", database).stdout == ""


def test_keys_list_shows_every_key_but_no_secret_and_revoke_takes_a_name_or_an_id(tmp_path: Path) -> None:
    env = _env(HOSHO_DATABASE_URL=f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    assert hosho("migrate", env=env).returncode == 0
    hosho("retailers", "add", "kaden-east", "でんきのミライ 東日本", env=env)
    made = [
        hosho("keys", "create", "--role", "admin", "--name", "hook", env=env).stdout.strip(),
        hosho("keys", "create", "--role", "retailer", "--name", "店舗1", "--retailer", "kaden-east", env=env).stdout,
        hosho("keys", "create", "--role", "agent", "--name", "hook", env=env).stdout.strip(),
    ]
    listed = hosho("keys", "list", env=env)
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["ID", "PREFIX", "NAME", "ROLE", "RETAILER", "CREATED", "(JST)", "REVOKED"]
    assert [line.split()[:5] + line.split()[-1:] for line in lines[1:]] == [
        ["1", made[0].split("_")[1], "hook", "admin", "-", "-"],
        ["2", made[1].split("_")[1], "店舗1", "retailer", "kaden-east", "-"],
        ["3", made[2].split("_")[1], "hook", "agent", "-", "-"],
    ]
    assert not any(key.split("_", 2)[2].strip() in listed.stdout for key in made)  # never a secret
    ambiguous = hosho("keys", "revoke", "hook", env=env)
    assert (ambiguous.returncode, ambiguous.stderr) == (
        2,
        "hosho keys: 2 live keys are named 'hook' (ids 1, 3): give an id\n",
    )
    assert hosho("keys", "revoke", "3", env=env).stdout.startswith("key 3 'hook' (agent) revoked ")
    assert hosho("keys", "revoke", "hook", env=env).stdout.splitlines()[0].startswith("key 1 'hook' (admin) revoked ")
    assert [line.split()[-1] == "-" for line in hosho("keys", "list", env=env).stdout.splitlines()[1:]] == [
        False,
        True,
        False,
    ]
    unknown = hosho("keys", "revoke", "nobody", env=env)
    assert (unknown.returncode, unknown.stderr) == (2, "hosho keys: no API key has the id, prefix or name 'nobody'\n")
    reserved = hosho("keys", "create", "--role", "admin", "--name", "demo-admin", env=env)
    assert reserved.returncode == 2 and "demo-admin" in reserved.stderr


def test_serve_refuses_a_port_in_use_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = hosho("serve", "--port", str(port), "--no-demo", "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"hosho serve: port {port} on 127.0.0.1 is already in use (another server? choose --port)"
    )
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "reason"),
    [("not a url", "invalid database URL"), ("nosuchdb://x", "invalid database URL")],
)
def test_serve_and_migrate_refuse_a_bad_database_url_with_one_line(url: str, reason: str) -> None:
    for command in (["serve", "--port", str(free_port()), "--no-demo"], ["migrate"]):
        result = hosho(*command, "--database-url", url)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and reason in result.stderr
        assert "Traceback" not in result.stderr


def test_migrate_then_retailers_and_keys_from_the_environment_url(tmp_path: Path) -> None:
    env = _env(HOSHO_DATABASE_URL=f"sqlite:///{tmp_path / 'admin.sqlite3'}")
    assert hosho("migrate", env=env).returncode == 0
    assert hosho("retailers", "add", "kaden-east", "でんきのミライ 東日本", env=env).stdout.startswith("retailer kaden")
    created = hosho("keys", "create", "--role", "retailer", "--name", "店舗1", "--retailer", "kaden-east", env=env)
    assert created.returncode == 0 and re.fullmatch(r"hsk_[0-9a-f]{12}_\S{43}\n", created.stdout), created.stdout
    unknown = hosho("keys", "create", "--role", "retailer", "--name", "x", "--retailer", "nope", env=env)
    assert (unknown.returncode, unknown.stderr) == (2, "hosho keys: unknown retailer 'nope'\n")


def test_keys_before_migrate_says_to_migrate(tmp_path: Path) -> None:
    result = hosho(
        "keys", "create", "--role", "agent", "--name", "a", "--database-url", f"sqlite:///{tmp_path / 'e.db'}"
    )
    assert result.returncode == 2
    assert "run `hosho migrate` first" in result.stderr and "Traceback" not in result.stderr


def test_the_default_database_is_a_file_in_the_current_directory(tmp_path: Path) -> None:
    assert hosho("migrate", cwd=tmp_path).returncode == 0
    assert (tmp_path / "hosho.sqlite3").is_file()


def test_check_api_without_a_service_or_a_key_is_one_line() -> None:
    unreachable = hosho("check", "--api", f"http://127.0.0.1:{free_port()}", "--key", "k", SPEC_EXAMPLES)
    assert unreachable.returncode == 2 and unreachable.stderr.startswith("hosho check: cannot reach the Hosho API")
    no_key = hosho("check", "--api", "http://127.0.0.1:1", SPEC_EXAMPLES)
    assert (no_key.returncode, no_key.stderr) == (
        2,
        "hosho check: no API key: pass --key or set HOSHO_API_KEY (hosho serve prints one)\n",
    )
