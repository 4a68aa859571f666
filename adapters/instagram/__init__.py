"""Instagram Direct: Meta's webhooks in (messages, comments, mentions), replies out."""

from __future__ import annotations

import aiohttp

from adapters.base import BadPayload
from adapters.instagram.media import InstagramMedia
from adapters.instagram.parse import parse_webhook
from adapters.instagram.transport import InstagramTransport
from adapters.meta.adapter import MetaWebhooks
from core.events import ChannelCredentials
from core.settings import Settings


class InstagramAdapter(MetaWebhooks):
    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> InstagramTransport:
        return InstagramTransport(session, graph_base=settings.meta_graph_base,
                                  token=channel.token, account_id=channel.key)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> InstagramMedia:
        return InstagramMedia()


INSTAGRAM = InstagramAdapter(parse_webhook)

__all__ = ["INSTAGRAM", "BadPayload", "parse_webhook"]
