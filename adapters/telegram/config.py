"""Telegram's own settings, read from the environment and `.env` (see .env.example)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings, env_choice, env_float, env_text

DEFAULT_API_BASE = "https://api.telegram.org"
MODES = ("webhook", "polling")


@dataclass(frozen=True, slots=True, kw_only=True)
class TelegramConfig:
    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_base: str
    polling: bool
    # Telegram's limit is 30 messages a second per bot; 0 lifts the pace (benchmarks on fakes).
    sends_per_second: float

    @classmethod
    def of(cls, settings: Settings) -> TelegramConfig:
        return cls(
            bot_token=env_text(settings, "TELEGRAM_BOT_TOKEN"),
            webhook_secret=env_text(settings, "TELEGRAM_WEBHOOK_SECRET"),
            api_base=env_text(settings, "TELEGRAM_API_BASE", DEFAULT_API_BASE).rstrip("/")
            or DEFAULT_API_BASE,
            polling=env_choice(settings, "TELEGRAM_MODE", MODES, "webhook") == "polling",
            sends_per_second=env_float(settings, "TELEGRAM_SENDS_PER_SECOND", 30.0),
        )
