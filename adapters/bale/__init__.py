"""Bale (بله): a domestic messenger whose Bot API follows Telegram's at
`https://tapi.bale.ai/bot<TOKEN>/<METHOD>`, so this adapter parses, sends, polls and
fetches files with the Telegram adapter's code, under its own platform name.

What Bale does differently, and how this adapter honours it (sources in
docs/channels/bale.md):
- `setWebhook` takes a URL and nothing else: no secret header, no update filter. The
  secret is therefore the last segment of the webhook's path,
  `/webhooks/bale/{BALE_WEBHOOK_SECRET}`; a wrong or missing one is a 404.
- `getUpdates` documents no `allowed_updates`: the poller does not send it, and updates of
  kinds support has no use for are ignored by the parser as on Telegram.
- Bale publishes no send limit: Telegram's pace is kept (BALE_SENDS_PER_SECOND).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

import aiohttp

from adapters.bale.config import BaleConfig
from adapters.base import (
    NewChannel,
    SetupContext,
    WebhookRejected,
    WebhookRequest,
    channel_with_secret,
)
from adapters.telegram import bot_id, make_bot
from adapters.telegram.connect import get_me, set_webhook
from adapters.telegram.media import TelegramMedia
from adapters.telegram.parse import parse_update
from adapters.telegram.polling import TelegramPoller
from adapters.telegram.transport import TelegramTransport
from core.channel_setup import ChannelForm, FieldKind, FormField, PlatformLook, SetupRefused
from core.events import ChannelCredentials, InboundEvent, Platform
from core.i18n import gettext_noop, lazy_gettext
from core.settings import Settings

WEBHOOK_SECRET_BYTES = 32

FORM = ChannelForm(
    slug="bale",
    title=lazy_gettext("Add a Bale bot"),
    intro=lazy_gettext("The token Bale's BotFather gave you. Pasokh points the bot's webhook "
                       "at %(url)s/… with a secret path of its own."),
    fields=(FormField(name="token", label=lazy_gettext("Bot token"), kind=FieldKind.SECRET,
                      max_chars=200),),
    submit=lazy_gettext("Connect"),
)


def webhook_address(base_url: str, secret: str) -> str:
    """Where Bale is told to deliver: the secret rides in the path, as Bale sends no
    secret header."""
    return f"{base_url.rstrip('/')}/{secret}"


class BaleAdapter:
    look = PlatformLook(name=lazy_gettext("Bale"), letters="BL", colour="#00a86b")
    form = FORM
    webhook_path = 1  # /webhooks/bale/{secret}
    checks_connection = False  # connecting already called getMe and setWebhook

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        config = BaleConfig.of(settings)
        if not config.bot_token:
            return ()
        return (NewChannel(key=bot_id(config.bot_token), token=config.bot_token,
                           webhook_secret=config.webhook_secret, name="Bale", notice=""),)

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return (BaleConfig.of(settings).api_base,)

    def media_hosts(self) -> tuple[str, ...]:
        return ()  # files come from the Bot API's own file server, /file/bot<TOKEN>/…

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        """getMe checks the token, setWebhook points the bot at a secret path of its own."""
        token = values.get("token", "").strip()
        try:
            key = bot_id(token)
        except ValueError:
            raise SetupRefused(gettext_noop("That does not look like a bot token "
                                            "(123456789:ABC-DEF…).")) from None
        if not context.webhook_url:
            raise SetupRefused(gettext_noop("Set PASOKH_PUBLIC_URL first: Bale needs the "
                                            "address where it reaches this service."))
        api_base = BaleConfig.of(context.settings).api_base
        me = await get_me(context.session, api_base, token)
        if not me.ok or not isinstance(me.result, dict):
            raise SetupRefused(gettext_noop("Bale did not accept the token."), me.description)
        # A bot added again keeps its secret, so updates already on their way are not refused.
        known = {channel.key: channel.webhook_secret for channel in context.known}
        secret = known.get(key) or secrets.token_urlsafe(WEBHOOK_SECRET_BYTES)
        hooked = await set_webhook(context.session, api_base, token,
                                   url=webhook_address(context.webhook_url, secret))
        if not hooked.ok:
            raise SetupRefused(gettext_noop("Bale refused the webhook."), hooked.description)
        return NewChannel(key=key, token=token, webhook_secret=secret,
                          name="@" + str(me.result.get("username") or key),
                          answer=hooked.description,
                          notice=gettext_noop("The bot %(name)s is connected and answers "
                                              "from now on."))

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        me = await get_me(context.session, BaleConfig.of(context.settings).api_base,
                          channel.token)
        if not me.ok or not isinstance(me.result, dict):
            raise SetupRefused(gettext_noop("The connection test failed."), me.description)
        return "@" + str(me.result.get("username") or channel.key)

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        """`pasokh bale set-webhook URL` registers URL/{BALE_WEBHOOK_SECRET}."""
        if not channel.webhook_secret:
            raise SetupRefused("set BALE_WEBHOOK_SECRET first")
        hooked = await set_webhook(session, BaleConfig.of(settings).api_base, channel.token,
                                   url=webhook_address(url, channel.webhook_secret))
        if not hooked.ok:
            raise SetupRefused("Bale refused the webhook", hooked.description)
        return hooked.description

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> TelegramPoller | None:
        config = BaleConfig.of(settings)
        if not config.polling:
            return None
        return TelegramPoller(make_bot(channel.token, session, config.api_base),
                              channel.channel_id, platform=Platform.BALE, allowed_updates=None)

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(404, "Bale webhooks have no GET handshake")

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        """The secret is in the path: the whole check needs no body."""
        self.verify(request, channels)

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials]:
        """The path's secret picks the bot. A wrong one is answered like a path that does not
        exist (404), so that a stranger learns nothing from the answer."""
        presented = request.path[0] if len(request.path) == 1 else ""
        matched = channel_with_secret(presented, channels)
        if matched is None:
            raise WebhookRejected(404, "no such webhook")
        return (matched,)

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        (channel,) = channels  # verify named the one bot this secret belongs to
        return parse_update(body, channel.channel_id, Platform.BALE)

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramTransport:
        config = BaleConfig.of(settings)
        return TelegramTransport(make_bot(channel.token, session, config.api_base),
                                 channel_key=bot_id(channel.token),
                                 sends_per_second=config.sends_per_second,
                                 platform=Platform.BALE)

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramMedia:
        return TelegramMedia(make_bot(channel.token, session, BaleConfig.of(settings).api_base))


BALE = BaleAdapter()

__all__ = ["BALE", "BaleAdapter", "webhook_address"]
