"""The OpenAPI as integrators' tools read it: Spectral (`spectral:oas`) and Redocly (`recommended`), the versions
pinned in tools/package-lock.json (installed by scripts/setup), report no error and no warning.

Without the tools the tests skip, except with CI=true, where they fail: the lint is part of the checks.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hosho.api.app import create_app
from hosho.engine import Engine
from hosho.service.context import create_hosho

TOOLS = Path(__file__).resolve().parents[2] / "tools"
BIN = TOOLS / "node_modules" / ".bin"
# No network from the tools: no telemetry, no update check.
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_UPDATE_NOTIFIER": "1"}


def tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        message = f"{path} is missing: run scripts/setup (npm ci --prefix tools)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Iterator[Path]:
    """The OpenAPI as /v1/openapi.json serves it, written to a file."""
    folder = tmp_path_factory.mktemp("openapi")
    hosho = create_hosho(f"sqlite:///{folder / 'unused.sqlite3'}", rules=engine)  # the document reads no table
    path = folder / "openapi.json"
    path.write_text(json.dumps(create_app(hosho).openapi(), ensure_ascii=False), encoding="utf-8")
    yield path
    hosho.dispose()


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=TOOLS,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **QUIET},
        check=False,
    )


def test_spectral_oas_finds_nothing(document: Path) -> None:
    spectral = tool("spectral")
    done = run(spectral, "lint", "--ruleset", TOOLS / ".spectral.yaml", "--format", "json", "--quiet", document)
    results: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    found = [f"{'.'.join(map(str, r['path']))}: {r['code']}: {r['message']}" for r in results]
    assert found == [], "\n".join(found)
    assert done.returncode == 0, done.stderr


def test_redocly_recommended_finds_nothing(document: Path) -> None:
    redocly = tool("redocly")
    done = run(redocly, "lint", "--config", TOOLS / "redocly.yaml", "--format", "json", document)
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout[done.stdout.index("{") :])
    found = [
        f"{problem['severity']} {problem['ruleId']}: {problem['message']} at "
        + ", ".join(location.get("pointer", "") for location in problem.get("location", []))
        for problem in report["problems"]
    ]
    assert found == [], "\n".join(found)
    assert report["totals"]["errors"] == report["totals"]["warnings"] == 0
    assert done.returncode == 0, done.stderr
