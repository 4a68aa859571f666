"""Dummy chat: a made-up platform shaped like the coming ones (a secret in the webhook's
path, as Bale and SMS providers have; no reply window; no GET handshake; an owner adds a
channel with an id and a token). Sends are kept in `SENT`, where the test reads them."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import aiohttp
import orjson

from adapters.base import BadPayload, NewChannel, SetupContext, WebhookRejected, WebhookRequest
from core.channel_setup import (
    ButtonRules,
    ChannelForm,
    FieldKind,
    FormField,
    PlatformLook,
    SetupRefused,
)
from core.delivery import Pace
from core.events import (
    ChannelCredentials,
    EventKind,
    InboundEvent,
    MediaRef,
    OutboundMessage,
    Platform,
    Sender,
    SendResult,
)
from core.i18n import gettext_noop, lazy_gettext
from core.media import MediaLocation, MediaRefused
from core.proactive import ProactiveRules
from core.settings import Settings

SENT: list[OutboundMessage] = []


class DummyTransport:
    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        return ()

    def reply_window(self, message: OutboundMessage) -> None:
        return None

    async def send(self, message: OutboundMessage) -> SendResult:
        SENT.append(message)
        return SendResult(external_id=f"out-{len(SENT)}")


class DummyMedia:
    async def locate(self, ref: MediaRef) -> MediaLocation:
        raise MediaRefused("dummy chat sends no files")


class DummyAdapter:
    look = PlatformLook(name=lazy_gettext("Dummy chat"), letters="DC", colour="#123456")
    buttons = ButtonRules(())  # no buttons: every menu goes as numbered text
    form = ChannelForm(
        slug="dummy",
        title=lazy_gettext("Add a dummy chat"),
        fields=(FormField(name="key", label=lazy_gettext("Room"), kind=FieldKind.TEXT,
                          max_chars=32),
                FormField(name="token", label=lazy_gettext("Key"), kind=FieldKind.SECRET,
                          max_chars=64)),
        submit=lazy_gettext("Connect"),
        intro=lazy_gettext("Its webhook goes to %(url)s/<secret>."),
    )
    webhook_path = 1  # the secret
    checks_connection = True
    proactive = ProactiveRules()  # no reply window: writes first to anyone who wrote

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        return ()

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return ()

    def media_hosts(self) -> tuple[str, ...]:
        return ("files.dummy.example",)

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        key, token = values.get("key", "").strip(), values.get("token", "").strip()
        if not key or not token:
            raise SetupRefused(gettext_noop("No such channel."))
        secret = secrets.token_urlsafe(16)
        return NewChannel(key=key, token=token, webhook_secret=secret, name=f"room {key}",
                          answer=f"hooked at {context.webhook_url}/…",
                          notice=gettext_noop("The bot %(name)s is connected and answers "
                                              "from now on."))

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        return f"room {channel.key} is fine"

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        return f"{url}/{channel.webhook_secret}"

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> None:
        return None

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(405, "no GET handshake")

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        self.verify(request, channels)

    def verify(self, request: WebhookRequest,
               channels: Sequence[ChannelCredentials]) -> tuple[ChannelCredentials]:
        (presented,) = request.path
        matched = None
        for channel in channels:
            if hmac.compare_digest(presented.encode(), channel.webhook_secret.encode()):
                matched = channel
        if matched is None:
            raise WebhookRejected(403, "wrong secret in the path")
        return (matched,)

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        (channel,) = channels
        try:
            item = orjson.loads(body)
            return [InboundEvent(
                platform=Platform("dummy"), channel_id=channel.channel_id,
                kind=EventKind.MESSAGE, external_id=str(item["id"]),
                sender=Sender(external_id=str(item["from"]), display_name=item["name"]),
                chat_id=str(item["from"]), text=item["text"],
                occurred_at=datetime.fromtimestamp(item["at"], UTC), raw=item)]
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise BadPayload(f"not a dummy message: {error}") from None

    def transport(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
                  settings: Settings) -> DummyTransport:
        return DummyTransport()

    def media_source(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
                     settings: Settings) -> DummyMedia:
        return DummyMedia()


DUMMY = DummyAdapter()
