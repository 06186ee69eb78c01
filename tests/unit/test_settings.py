"""Settings come from the environment and refuse unsafe production values."""

import pytest

from kitsu_web.settings import Settings, SettingsError


def test_defaults_follow_kitsu_names():
    """KITSU_API_TARGET and KITSU_EVENT_TARGET have Kitsu's defaults."""
    settings = Settings.from_env({})
    assert settings.api_target == "http://127.0.0.1:5000"
    assert settings.event_target == "http://127.0.0.1:5001"


def test_production_refuses_missing_or_default_secret():
    """Production mode with no secret, or a default one, does not start."""
    for secret in ("", "change-me", "short"):
        with pytest.raises(SettingsError, match="SECRET_KEY"):
            Settings.from_env({"KITSU_WEB_ENV": "production",
                               "SECRET_KEY": secret,
                               "KITSU_WEB_REDIS_URL": "redis://x/5"})


def test_production_requires_redis():
    """Production keeps sessions in Redis."""
    with pytest.raises(SettingsError, match="KITSU_WEB_REDIS_URL"):
        Settings.from_env({"KITSU_WEB_ENV": "production",
                           "SECRET_KEY": "a" * 64})


def test_typed_parsing_names_the_variable():
    """A bad number names the variable at fault."""
    with pytest.raises(SettingsError, match="KITSU_WEB_PAGE_SIZE"):
        Settings.from_env({"KITSU_WEB_PAGE_SIZE": "many"})
    assert Settings.from_env({"KITSU_WEB_PAGE_SIZE": "25"}).page_size == 25
