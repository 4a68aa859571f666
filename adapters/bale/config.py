"""Bale's own settings, read from the environment and `.env` (see .env.example)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings, SettingsError, env_choice, env_float, env_text

DEFAULT_API_BASE = "https://tapi.bale.ai"
MODES = ("webhook", "polling")


@dataclass(frozen=True, slots=True, kw_only=True)
class BaleConfig:
    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_base: str
    polling: bool
    # Bale publishes no send limit; Telegram's 30 per second per bot is the default pace
    # (docs/channels/bale.md), and 0 lifts it, as the benchmarks against the fakes do.
    sends_per_second: float

    @classmethod
    def of(cls, settings: Settings) -> BaleConfig:
        token = env_text(settings, "BALE_BOT_TOKEN")
        prefix, _, rest = token.partition(":")
        if token and not (prefix.isdigit() and rest):
            raise SettingsError("BALE_BOT_TOKEN must look like 123456789:ABC… "
                                "(the token Bale's BotFather gives)")
        return cls(
            bot_token=token,
            webhook_secret=env_text(settings, "BALE_WEBHOOK_SECRET"),
            api_base=env_text(settings, "BALE_API_BASE", DEFAULT_API_BASE).rstrip("/")
            or DEFAULT_API_BASE,
            polling=env_choice(settings, "BALE_MODE", MODES, "webhook") == "polling",
            sends_per_second=env_float(settings, "BALE_SENDS_PER_SECOND", 30.0),
        )
