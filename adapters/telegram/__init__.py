"""Telegram: webhook verification, update parsing, sending through python-telegram-bot,
and a bot's life-cycle (.env, the owners' form, getMe, setWebhook, long polling)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp
import telegram

from adapters.base import (
    BadPayload,
    NewChannel,
    SetupContext,
    WebhookRejected,
    WebhookRequest,
    channel_with_secret,
)
from adapters.telegram.config import TELEGRAM_FAMILY, BotApiConfig, BotApiFamily
from adapters.telegram.connect import TelegramAnswer, get_me, set_webhook
from adapters.telegram.media import TelegramMedia
from adapters.telegram.parse import parse_polled, parse_update
from adapters.telegram.polling import ALLOWED_UPDATES, TelegramPoller
from adapters.telegram.request import AiohttpRequest
from adapters.telegram.transport import TelegramTransport
from core.channel_setup import (
    ButtonRules,
    ButtonStyle,
    ChannelForm,
    FieldKind,
    FormField,
    PlatformLook,
    SetupRefused,
)
from core.events import ChannelCredentials, InboundEvent, Platform
from core.i18n import gettext_noop, lazy_gettext
from core.owner_config import MAX_TITLE
from core.proactive import ProactiveRules
from core.settings import Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)  # nosec B105
WEBHOOK_SECRET_BYTES = 32

FORM = ChannelForm(
    slug="telegram",
    title=lazy_gettext("Add a Telegram bot"),
    intro=lazy_gettext("The token BotFather gave you. Pasokh points the bot's webhook at "
                       "%(url)s with a secret of its own."),
    fields=(FormField(name="token", label=lazy_gettext("Bot token"), kind=FieldKind.SECRET,
                      max_chars=200),),
    submit=lazy_gettext("Connect"),
)


def bot_id(token: str) -> str:
    """The bot's user id is the token's prefix: a stable key that needs no API call."""
    prefix, _, rest = token.partition(":")
    if not prefix.isdigit() or not rest:
        raise ValueError("a Telegram bot token looks like 123456789:ABC-DEF…")
    return prefix


def make_bot(token: str, session: aiohttp.ClientSession, api_base: str) -> telegram.Bot:
    request = AiohttpRequest(session)
    return telegram.Bot(
        token,
        base_url=f"{api_base}/bot",
        base_file_url=f"{api_base}/file/bot",
        request=request,
        get_updates_request=AiohttpRequest(session, read_timeout=60),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Wording:
    """What the owner is told when setting a bot up, in its platform's name (translation
    keys; the CLI prints them as they are)."""

    needs_public_url: str
    token_refused: str
    webhook_refused: str


class TelegramAdapter:
    """A Telegram bot's channel. Bale's Bot API follows Telegram's, so its adapter is this
    class with its own platform, settings, wording and webhook (adapters/bale)."""

    platform = Platform.TELEGRAM
    look = PlatformLook(name=lazy_gettext("Telegram"), letters="TG", colour="#229ed9",
                        icon_svg=PlatformLook.icon_beside(__file__))
    # The Bot API sets no count a menu reaches; titles are as long as a menu title may be.
    buttons = ButtonRules((ButtonStyle(lazy_gettext("buttons under the message"), 100,
                                       MAX_TITLE),))
    form = FORM
    webhook_path = 0
    checks_connection = False  # connecting already called getMe and setWebhook
    secret_setting = "TELEGRAM_WEBHOOK_SECRET"  # noqa: S105 (a setting's name)  # nosec B105
    family: BotApiFamily = TELEGRAM_FAMILY  # which keys of `.env` are this platform's
    # A bot writes to anyone who started it and has not blocked it, at any time.
    proactive = ProactiveRules()
    allowed_updates: list[str] | None = ALLOWED_UPDATES
    idle_pause = 0.0  # seconds after an empty poll: Telegram's getUpdates waits by itself
    wording = Wording(
        needs_public_url=gettext_noop("Set PASOKH_PUBLIC_URL first: Telegram needs the "
                                      "address where it reaches this service."),
        token_refused=gettext_noop("Telegram did not accept the token."),
        webhook_refused=gettext_noop("Telegram refused the webhook."),
    )

    def config(self, settings: Settings) -> BotApiConfig:
        return BotApiConfig.of(settings, self.family)

    def api_base(self, settings: Settings) -> str:
        return self.config(settings).api_base

    def polled(self, settings: Settings) -> bool:
        return self.config(settings).polling

    def sends_per_second(self, settings: Settings) -> float:
        return self.config(settings).sends_per_second

    async def hook(self, session: aiohttp.ClientSession, api_base: str, token: str, *,
                   url: str, secret: str) -> TelegramAnswer:
        """setWebhook: Telegram sends the secret back in a header."""
        return await set_webhook(session, api_base, token, url=url, secret=secret,
                                 allowed_updates=ALLOWED_UPDATES)

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        config = self.config(settings)
        if not config.bot_token:
            return ()
        return (NewChannel(key=bot_id(config.bot_token), token=config.bot_token,
                           webhook_secret=config.webhook_secret, name=self.family.name,
                           notice=""),)

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return (self.api_base(settings),)

    def media_hosts(self) -> tuple[str, ...]:
        return ()  # files come from the Bot API's own file server

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        """getMe checks the token, setWebhook points the bot here with a secret of its own."""
        token = values.get("token", "").strip()
        try:
            key = bot_id(token)
        except ValueError:
            raise SetupRefused(gettext_noop("That does not look like a bot token "
                                            "(123456789:ABC-DEF…).")) from None
        if not context.webhook_url:
            raise SetupRefused(self.wording.needs_public_url)
        api_base = self.api_base(context.settings)
        me = await get_me(context.session, api_base, token)
        if not me.ok or not isinstance(me.result, dict):
            raise SetupRefused(self.wording.token_refused, me.description)
        # A bot added again keeps its secret, so updates already on their way are not refused.
        known = {channel.key: channel.webhook_secret for channel in context.known}
        secret = known.get(key) or secrets.token_urlsafe(WEBHOOK_SECRET_BYTES)
        hooked = await self.hook(context.session, api_base, token, url=context.webhook_url,
                                 secret=secret)
        if not hooked.ok:
            raise SetupRefused(self.wording.webhook_refused, hooked.description)
        return NewChannel(key=key, token=token, webhook_secret=secret,
                          name="@" + str(me.result.get("username") or key),
                          answer=hooked.description,
                          notice=gettext_noop("The bot %(name)s is connected and answers "
                                              "from now on."))

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        me = await get_me(context.session, self.api_base(context.settings), channel.token)
        if not me.ok or not isinstance(me.result, dict):
            raise SetupRefused(gettext_noop("The connection test failed."), me.description)
        return "@" + str(me.result.get("username") or channel.key)

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        if not channel.webhook_secret:
            raise SetupRefused(f"set {self.secret_setting} first")
        hooked = await self.hook(session, self.api_base(settings), channel.token, url=url,
                                 secret=channel.webhook_secret)
        if not hooked.ok:
            raise SetupRefused(self.wording.webhook_refused, hooked.description)
        return hooked.description

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> TelegramPoller | None:
        if not self.polled(settings):
            return None
        return TelegramPoller(make_bot(channel.token, session, self.api_base(settings)),
                              channel.channel_id, platform=self.platform,
                              allowed_updates=self.allowed_updates,
                              idle_pause=self.idle_pause)

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(405, "Telegram webhooks have no GET handshake")

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        """The secret is a header: the whole check needs no body."""
        self.verify(request, channels)

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials]:
        """Each bot has its own secret, and the secret picks the channel."""
        presented = request.headers.get(SECRET_HEADER)
        if not presented:
            raise WebhookRejected(401, f"missing {SECRET_HEADER} header")
        matched = channel_with_secret(presented, channels)
        if matched is None:
            raise WebhookRejected(403, f"wrong {SECRET_HEADER} header")
        return (matched,)

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        (channel,) = channels  # verify named the one bot this secret belongs to
        return parse_update(body, channel.channel_id, self.platform)

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramTransport:
        return TelegramTransport(
            make_bot(channel.token, session, self.api_base(settings)),
            channel_key=bot_id(channel.token),
            sends_per_second=self.sends_per_second(settings),
            platform=self.platform,
        )

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramMedia:
        return TelegramMedia(make_bot(channel.token, session, self.api_base(settings)))


TELEGRAM = TelegramAdapter()

__all__ = ["TELEGRAM", "BadPayload", "TelegramAdapter", "Wording", "bot_id", "make_bot",
           "parse_polled", "parse_update"]
