"""Settings of Meta's platforms (WhatsApp, Instagram), read from the environment and
`.env` (see .env.example): the app's secret and verify token, the Graph API's address, and
the channels `.env` declares."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings, SettingsError, env_text

DEFAULT_GRAPH_BASE = "https://graph.facebook.com/v23.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class MetaConfig:
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    graph_base: str
    whatsapp_phone_number_id: str
    whatsapp_access_token: str = field(repr=False)
    instagram_account_id: str
    instagram_access_token: str = field(repr=False)

    @classmethod
    def of(cls, settings: Settings) -> MetaConfig:
        config = cls(
            app_secret=env_text(settings, "META_APP_SECRET"),
            verify_token=env_text(settings, "META_VERIFY_TOKEN"),
            graph_base=env_text(settings, "META_GRAPH_BASE", DEFAULT_GRAPH_BASE).rstrip("/")
            or DEFAULT_GRAPH_BASE,
            whatsapp_phone_number_id=env_text(settings, "WHATSAPP_PHONE_NUMBER_ID"),
            whatsapp_access_token=env_text(settings, "WHATSAPP_ACCESS_TOKEN"),
            instagram_account_id=env_text(settings, "INSTAGRAM_ACCOUNT_ID"),
            instagram_access_token=env_text(settings, "INSTAGRAM_ACCESS_TOKEN"),
        )
        if (config.whatsapp_phone_number_id or config.instagram_account_id) \
                and not config.app_secret:
            raise SettingsError("META_APP_SECRET is needed to check WhatsApp and Instagram"
                                " webhooks")
        return config
