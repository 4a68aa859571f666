"""Instagram Direct: Meta's webhooks in (messages, comments, mentions), replies out."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from adapters.base import BadPayload, NewChannel
from adapters.instagram.media import InstagramMedia
from adapters.instagram.parse import parse_webhook
from adapters.instagram.transport import (
    QUICK_REPLIES_MAX,
    QUICK_REPLY_TITLE_MAX,
    InstagramTransport,
)
from adapters.meta.adapter import MetaChannels
from adapters.meta.config import MetaConfig
from core.channel_setup import ButtonRules, ButtonStyle, PlatformLook
from core.events import ChannelCredentials
from core.i18n import lazy_gettext
from core.proactive import ProactiveRules
from core.settings import Settings


class InstagramAdapter(MetaChannels):
    buttons = ButtonRules((ButtonStyle(lazy_gettext("quick replies"), QUICK_REPLIES_MAX,
                                       QUICK_REPLY_TITLE_MAX),))
    # Nothing outside Instagram's 24 hours: its HUMAN_AGENT tag is for a person's answer,
    # never for a business writing first.
    proactive = ProactiveRules(window=timedelta(hours=24))

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        config = MetaConfig.of(settings)
        if not (config.instagram_account_id and config.instagram_access_token):
            return ()
        return (NewChannel(key=config.instagram_account_id,
                           token=config.instagram_access_token,
                           webhook_secret=config.app_secret, name="Instagram", notice=""),)

    def media_hosts(self) -> tuple[str, ...]:
        # The attachment and CDN URLs webhooks carry.
        return ("lookaside.fbsbx.com", "*.fbcdn.net", "*.cdninstagram.com")

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> InstagramTransport:
        return InstagramTransport(session, graph_base=MetaConfig.of(settings).graph_base,
                                  token=channel.token, account_id=channel.key)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> InstagramMedia:
        return InstagramMedia()


INSTAGRAM = InstagramAdapter(
    "instagram", PlatformLook(name=lazy_gettext("Instagram"), letters="IG", colour="#d62976",
                              icon_svg=PlatformLook.icon_beside(__file__)),
    parse_webhook)

__all__ = ["INSTAGRAM", "BadPayload", "parse_webhook"]
