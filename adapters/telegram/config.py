"""The settings of a channel on a Bot API (Telegram's, and Bale's that follows it), read
from the environment and `.env` (see .env.example) by one reader: each family names its
keys by its prefix (TELEGRAM_BOT_TOKEN, BALE_BOT_TOKEN, …) and has its own defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings, SettingsError, env_choice, env_float, env_text

MODES = ("webhook", "polling")


@dataclass(frozen=True, slots=True, kw_only=True)
class BotApiFamily:
    """What differs between the Bot APIs' settings: the keys' prefix, the API's address,
    and whether a token of the wrong shape is refused when the settings are read."""

    prefix: str  # "TELEGRAM" reads TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE, …
    name: str  # the channel's name when `.env` declares it
    default_api_base: str
    # Both platforms allow 30 messages a second per bot (Bale publishes no limit and keeps
    # Telegram's: docs/channels/bale.md); 0 lifts the pace, as benchmarks on fakes do.
    default_sends_per_second: float = 30.0
    checks_token_shape: bool = False


TELEGRAM_FAMILY = BotApiFamily(prefix="TELEGRAM", name="Telegram",
                               default_api_base="https://api.telegram.org")


@dataclass(frozen=True, slots=True, kw_only=True)
class BotApiConfig:
    bot_token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_base: str
    polling: bool
    sends_per_second: float

    @classmethod
    def of(cls, settings: Settings, family: BotApiFamily) -> BotApiConfig:
        key = f"{family.prefix}_BOT_TOKEN"
        token = env_text(settings, key)
        prefix, _, rest = token.partition(":")
        if family.checks_token_shape and token and not (prefix.isdigit() and rest):
            raise SettingsError(f"{key} must look like 123456789:ABC… "
                                f"(the token {family.name}'s BotFather gives)")
        return cls(
            bot_token=token,
            webhook_secret=env_text(settings, f"{family.prefix}_WEBHOOK_SECRET"),
            api_base=env_text(settings, f"{family.prefix}_API_BASE",
                              family.default_api_base).rstrip("/")
            or family.default_api_base,
            polling=env_choice(settings, f"{family.prefix}_MODE", MODES, "webhook") == "polling",
            sends_per_second=env_float(settings, f"{family.prefix}_SENDS_PER_SECOND",
                                       family.default_sends_per_second),
        )
