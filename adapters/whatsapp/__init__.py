"""WhatsApp Cloud API: Meta's webhooks in, messages out through the Graph API."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from adapters.base import NewChannel
from adapters.meta.adapter import MetaChannels
from adapters.whatsapp.media import WhatsAppMedia
from adapters.whatsapp.parse import parse_webhook
from adapters.whatsapp.transport import WhatsAppTransport
from core.channel_setup import PlatformLook
from core.events import ChannelCredentials
from core.i18n import lazy_gettext
from core.proactive import ProactiveRules
from core.settings import Settings


class WhatsAppAdapter(MetaChannels):
    # Free text only within 24 hours of the customer's last message; after that only an
    # approved template (a follow-up rule names one), else the follow-up goes elsewhere.
    proactive = ProactiveRules(window=timedelta(hours=24), templates_outside_window=True)

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        if not (settings.whatsapp_phone_number_id and settings.whatsapp_access_token):
            return ()
        return (NewChannel(key=settings.whatsapp_phone_number_id,
                           token=settings.whatsapp_access_token,
                           webhook_secret=settings.meta_app_secret, name="WhatsApp", notice=""),)

    def media_hosts(self) -> tuple[str, ...]:
        return ("lookaside.fbsbx.com",)  # where Graph's short-lived media URLs point

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppTransport:
        return WhatsAppTransport(session, graph_base=settings.meta_graph_base,
                                 token=channel.token, phone_number_id=channel.key)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppMedia:
        return WhatsAppMedia(session, graph_base=settings.meta_graph_base, token=channel.token)


WHATSAPP = WhatsAppAdapter(
    "whatsapp", PlatformLook(name=lazy_gettext("WhatsApp"), letters="WA", colour="#25d366"),
    parse_webhook)

__all__ = ["WHATSAPP", "parse_webhook"]
