"""WhatsApp Cloud API: Meta's webhooks in, messages out through the Graph API."""

from __future__ import annotations

import aiohttp

from adapters.meta.adapter import MetaWebhooks
from adapters.whatsapp.media import WhatsAppMedia
from adapters.whatsapp.parse import parse_webhook
from adapters.whatsapp.transport import WhatsAppTransport
from core.events import ChannelCredentials
from core.settings import Settings


class WhatsAppAdapter(MetaWebhooks):
    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppTransport:
        return WhatsAppTransport(session, graph_base=settings.meta_graph_base,
                                 token=channel.token, phone_number_id=channel.key)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> WhatsAppMedia:
        return WhatsAppMedia(session, graph_base=settings.meta_graph_base, token=channel.token)


WHATSAPP = WhatsAppAdapter(parse_webhook)

__all__ = ["WHATSAPP", "parse_webhook"]
