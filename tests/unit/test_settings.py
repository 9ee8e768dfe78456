"""Settings read from the environment: defaults, values, and a bad value named."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
