"""Typed settings, read once from the environment and `.env`.

Every setting is listed, with a one-line comment, in `.env.example`. A platform's own keys
belong to its adapter: it reads them from `Settings.environment` with the `env_*` readers
below, so adding a platform adds no field here.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from dotenv import dotenv_values
from yarl import URL


class TelegramMode(StrEnum):
    WEBHOOK = "webhook"
    POLLING = "polling"


class SettingsError(ValueError):
    """A setting has a value Pasokh cannot use; the message names it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = ""
    log_level: str = "INFO"
    # Encrypts the panel's session cookies; empty = generated once and kept in data_dir.
    secret_key: str = field(default="", repr=False)
    # Where the platforms reach this service, e.g. https://support.example.com: the owners'
    # panel points a Telegram bot's webhook at <public_url>/webhooks/telegram.
    public_url: str = ""
    # The panel's cookie is sent over HTTPS only. None = decided by `cookies_secure`.
    cookie_secure: bool | None = None

    telegram_bot_token: str = field(default="", repr=False)
    telegram_webhook_secret: str = field(default="", repr=False)
    telegram_mode: TelegramMode = TelegramMode.WEBHOOK
    telegram_api_base: str = "https://api.telegram.org"
    telegram_sends_per_second: float = 30.0

    meta_app_secret: str = field(default="", repr=False)
    meta_verify_token: str = field(default="", repr=False)
    meta_graph_base: str = "https://graph.facebook.com/v23.0"
    whatsapp_phone_number_id: str = ""
    whatsapp_access_token: str = field(default="", repr=False)
    instagram_account_id: str = ""
    instagram_access_token: str = field(default="", repr=False)

    outbox_max_attempts: int = 8
    webhook_max_body_bytes: int = 1024 * 1024  # Telegram and Meta bodies are far smaller
    # A body not received within this many seconds is abandoned (408): a slow or stalled
    # sender must not hold a connection.
    body_read_seconds: float = 10.0

    media_max_bytes: int = 16 * 1024 * 1024
    # Besides the platforms' API bases, which are always allowed; None = the hosts each
    # adapter names (adapters.media_host_policy).
    media_allowed_hosts: tuple[str, ...] | None = None

    # Every key read from the environment and `.env`, for the adapters' own settings.
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}),
                                           repr=False, compare=False)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite://{self.data_dir / 'pasokh.db'}"

    @property
    def cookies_secure(self) -> bool:
        """PASOKH_COOKIE_SECURE when set; otherwise on, except for a panel served over plain
        HTTP on this machine alone (`make run`: no public URL, or an http:// one, on a
        loopback address), where a browser would never send a Secure cookie back."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        if self.public_url:
            return not (self.public_url.startswith("http://")
                        and _is_loopback(URL(self.public_url).host or ""))
        return not _is_loopback(self.host)

    @property
    def is_embedded_database(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


def env_text(settings: Settings, name: str, default: str = "") -> str:
    """An adapter's own setting, stripped; `default` when it is missing."""
    return settings.environment.get(name, default).strip()


def env_int(settings: Settings, name: str, default: int) -> int:
    raw = env_text(settings, name)
    return _as_int(name, raw) if raw else default


def env_float(settings: Settings, name: str, default: float) -> float:
    raw = env_text(settings, name)
    return _as_float(name, raw) if raw else default


def env_bool(settings: Settings, name: str, default: bool) -> bool:
    value = _as_bool(name, env_text(settings, name))
    return default if value is None else value


def env_choice(settings: Settings, name: str, choices: tuple[str, ...], default: str) -> str:
    """One of `choices` (case-insensitive); SettingsError names the key otherwise."""
    raw = env_text(settings, name, default).lower()
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _as_bool(name: str, raw: str) -> bool | None:
    lowered = raw.lower()
    if not lowered:
        return None
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _as_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _as_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {raw!r}")
    return value


def _as_hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(host.strip().lower() for host in raw.split(",") if host.strip())
    for host in hosts:
        name = host.removeprefix("*.")
        if not name or "*" in name or "/" in name or ":" in name or "." not in name:
            raise SettingsError(
                f"MEDIA_ALLOWED_HOSTS takes host names or *.domain, comma-separated; got {host!r}"
            )
    return hosts


def _as_mode(raw: str) -> TelegramMode:
    try:
        return TelegramMode(raw.strip().lower())
    except ValueError:
        raise SettingsError(f"TELEGRAM_MODE must be webhook or polling, got {raw!r}") from None


MIN_SECRET_KEY_CHARS = 32


def _as_secret_key(raw: str) -> str:
    if raw and len(raw) < MIN_SECRET_KEY_CHARS:
        raise SettingsError(
            f"PASOKH_SECRET_KEY must have at least {MIN_SECRET_KEY_CHARS} characters"
            " (or be empty to have one generated)"
        )
    return raw


def _as_public_url(raw: str) -> str:
    if raw and not raw.startswith(("https://", "http://")):
        raise SettingsError(f"PASOKH_PUBLIC_URL must start with https://, got {raw!r}")
    return raw.rstrip("/")


def load_settings(env_file: str | os.PathLike[str] | None = ".env") -> Settings:
    """Settings from the process environment, falling back to `env_file`.

    The process environment wins so that a deployment can override `.env`.
    """
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip()

    settings = Settings(
        host=get("PASOKH_HOST", "127.0.0.1"),
        port=_as_int("PASOKH_PORT", get("PASOKH_PORT", "8080")),
        data_dir=Path(get("PASOKH_DATA_DIR", "data")),
        database_url=get("DATABASE_URL"),
        redis_url=get("REDIS_URL"),
        log_level=get("PASOKH_LOG_LEVEL", "INFO").upper(),
        secret_key=_as_secret_key(get("PASOKH_SECRET_KEY")),
        public_url=_as_public_url(get("PASOKH_PUBLIC_URL")),
        cookie_secure=_as_bool("PASOKH_COOKIE_SECURE", get("PASOKH_COOKIE_SECURE")),
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
        telegram_mode=_as_mode(get("TELEGRAM_MODE", "webhook")),
        telegram_api_base=get("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/"),
        telegram_sends_per_second=_as_float(
            "TELEGRAM_SENDS_PER_SECOND", get("TELEGRAM_SENDS_PER_SECOND", "30")
        ),
        meta_app_secret=get("META_APP_SECRET"),
        meta_verify_token=get("META_VERIFY_TOKEN"),
        meta_graph_base=get("META_GRAPH_BASE", "https://graph.facebook.com/v23.0").rstrip("/"),
        whatsapp_phone_number_id=get("WHATSAPP_PHONE_NUMBER_ID"),
        whatsapp_access_token=get("WHATSAPP_ACCESS_TOKEN"),
        instagram_account_id=get("INSTAGRAM_ACCOUNT_ID"),
        instagram_access_token=get("INSTAGRAM_ACCESS_TOKEN"),
        outbox_max_attempts=_as_int("OUTBOX_MAX_ATTEMPTS", get("OUTBOX_MAX_ATTEMPTS", "8")),
        media_max_bytes=_as_int("MEDIA_MAX_BYTES", get("MEDIA_MAX_BYTES", str(16 * 1024 * 1024))),
        media_allowed_hosts=(_as_hosts(get("MEDIA_ALLOWED_HOSTS"))
                             if "MEDIA_ALLOWED_HOSTS" in values else None),
        environment=MappingProxyType(values),
    )
    meta_channels = settings.whatsapp_phone_number_id or settings.instagram_account_id
    if meta_channels and not settings.meta_app_secret:
        raise SettingsError("META_APP_SECRET is needed to check WhatsApp and Instagram webhooks")
    return settings
