"""Typed settings, read once from the environment and `.env`.

Every setting is listed, with a one-line comment, in `.env.example`. A platform's own keys
belong to its adapter: it reads them from `Settings.environment` with the `env_*` readers
below, so adding a platform adds no field here.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from dotenv import dotenv_values
from yarl import URL


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
    # panel points a channel's webhook at <public_url>/webhooks/<platform>.
    public_url: str = ""
    # The panel's cookie is sent over HTTPS only. None = decided by `cookies_secure`.
    cookie_secure: bool | None = None

    outbox_max_attempts: int = 8
    webhook_max_body_bytes: int = 1024 * 1024  # the platforms' bodies are far smaller
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

    def with_environment(self, **keys: str) -> Settings:
        """These settings with `keys` set as if in the environment (an adapter's own keys)."""
        return replace(self, environment=MappingProxyType({**self.environment, **keys}))

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
        outbox_max_attempts=_as_int("OUTBOX_MAX_ATTEMPTS", get("OUTBOX_MAX_ATTEMPTS", "8")),
        media_max_bytes=_as_int("MEDIA_MAX_BYTES", get("MEDIA_MAX_BYTES", str(16 * 1024 * 1024))),
        media_allowed_hosts=(_as_hosts(get("MEDIA_ALLOWED_HOSTS"))
                             if "MEDIA_ALLOWED_HOSTS" in values else None),
        environment=MappingProxyType(values),
    )
    return settings
