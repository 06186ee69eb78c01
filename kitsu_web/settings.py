"""Settings read from the environment, with typed parsing and fail-fast checks.

Every variable is documented once, in ``config/kitsu-web.env.example``.
Names for Zou follow Kitsu's own (``KITSU_API_TARGET``,
``KITSU_EVENT_TARGET``); the rest are prefixed ``KITSU_WEB_``.
"""

import os
from dataclasses import dataclass, field, fields

DEFAULT_SECRETS = {"", "change-me", "secret", "mysecretkey", "dev"}


class SettingsError(RuntimeError):
    """A required setting is missing or invalid."""


def _bool(value):
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass
class Settings:
    """kitsu-web's configuration; one attribute per environment variable."""

    env: str = field(default="development", metadata={"var": "KITSU_WEB_ENV"})
    secret_key: str = field(default="", metadata={"var": "SECRET_KEY"})
    api_target: str = field(
        default="http://127.0.0.1:5000", metadata={"var": "KITSU_API_TARGET"}
    )
    event_target: str = field(
        default="http://127.0.0.1:5001", metadata={"var": "KITSU_EVENT_TARGET"}
    )
    redis_url: str = field(default="", metadata={"var": "KITSU_WEB_REDIS_URL"})
    session_dir: str = field(
        default="", metadata={"var": "KITSU_WEB_SESSION_DIR"}
    )
    bind: str = field(
        default="127.0.0.1:8080", metadata={"var": "KITSU_WEB_BIND"}
    )
    public_url: str = field(default="", metadata={"var": "KITSU_WEB_PUBLIC_URL"})
    zou_timeout: float = field(
        default=30.0, metadata={"var": "KITSU_WEB_ZOU_TIMEOUT"}
    )
    upload_timeout: float = field(
        default=900.0, metadata={"var": "KITSU_WEB_UPLOAD_TIMEOUT"}
    )
    max_upload_bytes: int = field(
        default=1024**3, metadata={"var": "KITSU_WEB_MAX_UPLOAD_BYTES"}
    )
    trusted_proxies: int = field(
        default=0, metadata={"var": "KITSU_WEB_TRUSTED_PROXIES"}
    )
    login_rate_limit: int = field(
        default=10, metadata={"var": "KITSU_WEB_LOGIN_RATE_LIMIT"}
    )
    login_rate_window: int = field(
        default=60, metadata={"var": "KITSU_WEB_LOGIN_RATE_WINDOW"}
    )
    page_size: int = field(default=50, metadata={"var": "KITSU_WEB_PAGE_SIZE"})
    bridge_mode: str = field(
        default="inprocess", metadata={"var": "KITSU_WEB_BRIDGE"}
    )
    bot_token: str = field(default="", metadata={"var": "KITSU_WEB_BOT_TOKEN"})
    socketio_channel: str = field(
        default="kitsu-web-socketio",
        metadata={"var": "KITSU_WEB_SOCKETIO_CHANNEL"},
    )
    secure_cookies: bool = field(
        default=False, metadata={"var": "KITSU_WEB_SECURE_COOKIES"}
    )
    log_level: str = field(default="INFO", metadata={"var": "KITSU_WEB_LOG_LEVEL"})

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Build settings from ``environ`` (default ``os.environ``)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f.metadata["var"])
            if raw is None:
                continue
            try:
                values[f.name] = _parse(f.type, raw)
            except ValueError as exc:
                raise SettingsError(
                    f"{f.metadata['var']} is invalid: {exc}"
                ) from exc
        values.update(overrides)
        settings = cls(**values)
        settings.check()
        return settings

    @property
    def production(self):
        """True unless running in development or testing mode."""
        return self.env not in ("development", "testing")

    def check(self):
        """Refuse settings that must not reach production."""
        if self.env not in ("development", "testing", "production"):
            raise SettingsError(
                "KITSU_WEB_ENV must be development, testing or production"
            )
        if self.production and (
            self.secret_key in DEFAULT_SECRETS or len(self.secret_key) < 32
        ):
            raise SettingsError(
                "SECRET_KEY must be set to a random value of at least 32 "
                "characters in production (python3 -c 'import secrets; "
                "print(secrets.token_hex(32))')"
            )
        if self.production and not self.redis_url:
            raise SettingsError(
                "KITSU_WEB_REDIS_URL is required in production "
                "(for example redis://redis:6379/5)"
            )
        if self.bridge_mode not in ("inprocess", "external", "off"):
            raise SettingsError(
                "KITSU_WEB_BRIDGE must be inprocess, external or off"
            )
        for name in ("api_target", "event_target"):
            if not getattr(self, name).startswith(("http://", "https://")):
                raise SettingsError(f"{name} must be an http(s) URL")


def _parse(kind, raw):
    if kind in (bool, "bool"):
        return _bool(raw)
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    return raw
