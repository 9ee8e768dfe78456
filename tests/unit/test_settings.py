"""Settings read from the environment: defaults, values, and a bad value named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hosho import cli
from hosho.settings import InvalidSetting, SessionSettings


def test_session_settings_come_from_the_environment_and_name_a_bad_variable() -> None:
    settings = SessionSettings.load({"HOSHO_SESSION_IDLE_MINUTES": "45", "HOSHO_SIGNIN_USER_LOCK_AFTER": "8"})
    assert (settings.idle, settings.user_lock_after, settings.absolute) == (
        timedelta(minutes=45),
        8,
        timedelta(hours=12),
    )
    for name, value in (("HOSHO_SESSION_MAX_HOURS", "twelve"), ("HOSHO_SIGNIN_USER_LOCK_AFTER", "0")):
        with pytest.raises(InvalidSetting, match=name):
            SessionSettings.load({name: value})


def test_hosho_serve_stops_with_one_line_naming_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HOSHO_SIGNIN_LOCK_MINUTES", "-5")
    assert cli.main(["serve", "--no-demo"]) == 2
    assert capsys.readouterr().err == (
        "hosho serve: HOSHO_SIGNIN_LOCK_MINUTES must be a number from 0.01 to 1,000,000, not '-5'\n"
    )
