"""`hosho figures refresh`: the daily work's step that rebuilds the dashboard's summaries."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from tests.e2e.test_cli import hosho


def test_figures_refresh_rebuilds_the_summaries_and_says_as_of_when(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hosho.sqlite3'}"
    assert hosho("migrate", "--database-url", url).returncode == 0
    done = hosho("figures", "refresh", "--database-url", url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dashboard figures rebuilt as of 20")
    engine = create_engine(url)
    with engine.connect() as connection:
        day = connection.execute(text("SELECT last_day FROM daily_runs WHERE job = 'figures'")).scalar_one()
    engine.dispose()
    assert done.stdout.strip().endswith(str(day))
