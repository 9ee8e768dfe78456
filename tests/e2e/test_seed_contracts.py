"""`benchmarks.seed_contracts` as a user runs it: a SQLite file in a folder still to be made, or one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def seed(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.seed_contracts", url, "--count", "30"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )


def test_a_sqlite_file_in_a_missing_folder_is_seeded_after_the_folder_is_made(tmp_path: Path) -> None:
    target = tmp_path / "not" / "yet" / "hosho.sqlite3"
    result = seed(f"sqlite:///{target}")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM contracts").fetchone() == (30,)


def test_a_folder_that_cannot_be_made_is_one_line_without_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    url = f"sqlite:///{blocker / 'sub' / 'hosho.sqlite3'}"
    result = seed(url)
    assert result.returncode == 1
    assert result.stderr == f"{url}: cannot create the folder {blocker / 'sub'}: Not a directory\n"
