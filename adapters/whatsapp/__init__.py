"""WhatsApp Cloud API: Meta's webhooks in, messages out through the Graph API."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from adapters.base import NewChannel
from adapters.meta.adapter import MetaChannels
from adapters.meta.config import MetaConfig
from adapters.whatsapp.media import WhatsAppMedia
from adapters.whatsapp.parse import parse_webhook
from adapters.whatsapp.transport import (
    BUTTON_TITLE_MAX,
    LIST_ROWS_MAX,
    REPLY_BUTTONS_MAX,
    ROW_TITLE_MAX,
    WhatsAppTransport,
)
from core.channel_setup import ButtonRules, ButtonStyle, PlatformLook
from core.events import ChannelCredentials
from core.i18n import lazy_gettext
from core.proactive import ProactiveRules
from core.settings import Settings


class WhatsAppAdapter(MetaChannels):
    buttons = ButtonRules((
        ButtonStyle(lazy_gettext("reply buttons"), REPLY_BUTTONS_MAX, BUTTON_TITLE_MAX),
        ButtonStyle(lazy_gettext("a list behind one button"), LIST_ROWS_MAX, ROW_TITLE_MAX),
    ))
    # Free text only within 24 hours of the customer's last message; after that only an
    # approved template (a follow-up rule names one), else the follow-up goes elsewhere.
    proactive = ProactiveRules(window=timedelta(hours=24), templates_outside_window=True)

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        config = MetaConfig.of(settings)
        if not (config.whatsapp_phone_number_id and config.whatsapp_access_token):
            return ()
        return (NewChannel(key=config.whatsapp_phone_number_id,
                           token=config.whatsapp_access_token,
                           webhook_secret=config.app_secret, name="WhatsApp", notice=""),)

    def media_hosts(self) -> tuple[str, ...]:
        return ("lookaside.fbsbx.com",)  # where Graph's short-lived media URLs point

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppTransport:
        return WhatsAppTransport(session, graph_base=MetaConfig.of(settings).graph_base,
                                 token=channel.token, phone_number_id=channel.key)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppMedia:
        return WhatsAppMedia(session, graph_base=MetaConfig.of(settings).graph_base,
                             token=channel.token)


WHATSAPP = WhatsAppAdapter(
    "whatsapp", PlatformLook(name=lazy_gettext("WhatsApp"), letters="WA", colour="#25d366",
                             icon_svg=PlatformLook.icon_beside(__file__)),
    parse_webhook)

__all__ = ["WHATSAPP", "parse_webhook"]
