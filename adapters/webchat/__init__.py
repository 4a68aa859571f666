"""Web chat: a widget a shop pastes into its own site (`<script … data-channel=KEY>`),
answered by the same bot and the same inbox as the messengers.

A channel here has no platform behind it: its key is public (it is in the snippet), its
secret (the channel's `token`, sealed at rest) signs the visitors' tokens and checks the
site's identity tokens, and its options are the origins allowed to use it and its
language. Visitors come over Pasokh's own HTTP (adapters/webchat/api.py); replies reach
them through the outbox and a transport that wakes their open streams (hub.py).
"""

from __future__ import annotations

import argparse
import re
import secrets
from collections.abc import Mapping, Sequence

import aiohttp
from aiohttp import web

from adapters.base import (
    AdapterServices,
    NewChannel,
    SetupContext,
    WebhookRejected,
    WebhookRequest,
)
from adapters.webchat import api
from adapters.webchat.cli import add_commands
from adapters.webchat.guard import Gate, VisitorLimits, normal_origin, origin_allowed
from adapters.webchat.hub import VisitorTransport, hub
from core.channel_setup import (
    ButtonRules,
    ButtonStyle,
    ChannelForm,
    FieldKind,
    FormField,
    PlatformLook,
    Preview,
    SetupRefused,
)
from core.delivery import FileRules
from core.events import ChannelCredentials, InboundEvent, MediaRef
from core.i18n import gettext_noop, lazy_gettext
from core.media import MediaLocation, MediaRefused, MediaSource
from core.owner_config import MAX_TITLE
from core.proactive import NO_PROACTIVE_RULES
from core.settings import Settings

KEY_BYTES = 12
SECRET_BYTES = 32
LANGUAGES = ("fa", "en")
PRECHAT_FIELDS = ("name", "phone", "email")  # offered before the first message, never required
# Where "continue in Telegram" sends the visitor: the shop's bot, which gets /start <token>.
TELEGRAM_LINK = re.compile(r"https://t\.me/[A-Za-z][A-Za-z0-9_]{3,31}")

FORM = ChannelForm(
    slug="webchat",
    title=lazy_gettext("Add a chat to your website"),
    intro=lazy_gettext("A chat bubble on your own site, answered by the same bot and inbox. "
                       "Pasokh gives you one line to paste before </body>."),
    fields=(
        FormField(name="name", label=lazy_gettext("Name"), kind=FieldKind.TEXT, max_chars=128),
        FormField(name="origins", label=lazy_gettext("Site addresses (one or more, e.g. "
                                                     "https://shop.example)"),
                  kind=FieldKind.SECRET, max_chars=2000),
        FormField(name="language", label=lazy_gettext("Language (fa or en)"),
                  kind=FieldKind.SECRET, max_chars=2, required=False),
        FormField(name="ask", label=lazy_gettext("Fields a visitor may fill in first: name, "
                                                 "phone, email (optional, none required)"),
                  kind=FieldKind.SECRET, max_chars=40, required=False),
        FormField(name="continue_on", label=lazy_gettext("Your Telegram bot's link, for "
                                                         "“continue in Telegram” (optional)"),
                  kind=FieldKind.SECRET, max_chars=64, required=False),
    ),
    submit=lazy_gettext("Create"),
)


def channel_options(origins: Sequence[str], language: str, continue_on: str = "",
                    ask: Sequence[str] = (), sound: bool = False) -> tuple[tuple[str, str], ...]:
    """The stored options, or SetupRefused when an origin, the language or the Telegram
    link is not one."""
    normal = []
    for text in origins:
        origin = normal_origin(text)
        if origin is None:
            raise SetupRefused(gettext_noop("Each site address is like https://shop.example "
                                            "(no path)."), text[:200])
        normal.append(origin)
    if not normal:
        raise SetupRefused(gettext_noop("Name at least one site address."))
    if language not in LANGUAGES:
        raise SetupRefused(gettext_noop("The language is fa or en."))
    continuing = ()
    if continue_on:
        if not TELEGRAM_LINK.fullmatch(continue_on.strip()):
            raise SetupRefused(gettext_noop("The Telegram bot's link is like "
                                            "https://t.me/ShopBot."), continue_on[:200])
        continuing = (("continue", continue_on.strip()),)
    if any(field not in PRECHAT_FIELDS for field in ask):
        raise SetupRefused(gettext_noop("The fields a visitor may fill in first are name, "
                                        "phone and email."))
    return (*(("origin", origin) for origin in dict.fromkeys(normal)), ("language", language),
            *continuing, *(("ask", field) for field in dict.fromkeys(ask)),
            *((("sound", "on"),) if sound else ()))


def new_channel(name: str, origins: Sequence[str], language: str = "fa",
                continue_on: str = "", ask: Sequence[str] = (),
                sound: bool = False) -> NewChannel:
    options = channel_options(origins, language, continue_on, ask, sound)
    return NewChannel(key=secrets.token_urlsafe(KEY_BYTES), token=new_secret(),
                      webhook_secret="", name=name.strip()[:128] or "Web chat",  # nosec B106 # no webhook: an empty secret, not a password
                      options=options, notice=gettext_noop(
                          "The web chat %(name)s is ready: paste its line into your site."))


def new_secret() -> str:
    """What signs visitors' tokens and checks the site's identity tokens (HS256)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def snippet_line(base_url: str, key: str, language: str = "fa") -> str:
    """The line to paste; a channel in another language than Persian says so (`data-lang`),
    so that the bubble's label is in it before the chat has asked the server anything."""
    lang = f' data-lang="{language}"' if language != "fa" else ""
    return (f'<script src="{base_url}/webchat/widget.js" data-channel="{key}"{lang} '
            'async></script>')


class NoFiles:
    """Visitors' files are stored as they arrive (api.upload), so the inbox records them
    stored: nothing is ever downloaded."""

    async def locate(self, ref: MediaRef) -> MediaLocation:
        raise MediaRefused("web chat keeps no files elsewhere")


class WebchatAdapter:
    look = PlatformLook(name=lazy_gettext("Web chat"), letters="WEB", colour="#5b5bd6",
                        icon_svg=PlatformLook.icon_beside(__file__))
    # The widget draws every button as it comes, each title as long as a menu title may be.
    buttons = ButtonRules((ButtonStyle(lazy_gettext("buttons in the chat"), 100, MAX_TITLE),))
    form = FORM
    webhook_path = None  # visitors come over the widget's own endpoints
    checks_connection = False
    # A visitor is reached only while their page is open: nothing is sent first.
    proactive = NO_PROACTIVE_RULES

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        return ()  # made with `pasokh webchat create` or in the panel

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return ()

    def media_hosts(self) -> tuple[str, ...]:
        return ()

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        origins = values.get("origins", "").replace(",", " ").split()
        return new_channel(values.get("name", ""), origins,
                           values.get("language", "").strip().lower() or "fa",
                           values.get("continue_on", ""),
                           values.get("ask", "").replace(",", " ").lower().split())

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        raise SetupRefused(gettext_noop("This channel has no connection to test."))

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        raise SetupRefused("web chat has no webhook")

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> None:
        return None

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(404, "web chat has no webhook")

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        raise WebhookRejected(404, "web chat has no webhook")

    def verify(self, request: WebhookRequest,
               channels: Sequence[ChannelCredentials]) -> Sequence[ChannelCredentials]:
        raise WebhookRejected(404, "web chat has no webhook")

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        return []  # visitors' messages are made into events by api.send

    def transport(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
                  settings: Settings) -> VisitorTransport:
        limits = VisitorLimits.of(settings)
        return VisitorTransport(channel, FileRules(types=limits.file_types,
                                                   max_bytes=limits.max_file_bytes))

    def media_source(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
                     settings: Settings) -> MediaSource:
        return NoFiles()

    # --- SiteChannel: the widget's own endpoints --------------------------------------

    def routes(self) -> list[web.AbstractRouteDef]:
        return api.routes()

    async def start(self, services: AdapterServices) -> None:
        api.serving.gate = Gate(VisitorLimits.of(services.settings))
        api.serving.gate.refusals.start()
        await hub.start(services.bus)

    async def end_streams(self) -> None:
        if api.serving.gate is not None:
            api.serving.gate.end_streams()

    async def stop(self) -> None:
        gate, api.serving.gate = api.serving.gate, None
        if gate is not None:
            gate.end_streams()
            await gate.refusals.stop()
        await hub.stop()

    def add_commands(self, commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        add_commands(commands)

    def snippet(self, channel: ChannelCredentials, settings: Settings) -> str:
        return snippet_line(settings.public_url or f"http://{settings.host}:{settings.port}",
                            channel.key, api.language_of(channel))

    def new_secret(self) -> str:
        return new_secret()

    def preview(self, channel: ChannelCredentials, address: str) -> Preview | None:
        if not origin_allowed(channel, address):
            return None
        return Preview(channel_id=channel.channel_id, script="/webchat/widget.js",
                       key=channel.key)


WEBCHAT = WebchatAdapter()
