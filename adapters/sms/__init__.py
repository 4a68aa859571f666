"""SMS: texts to and from customers' phones through a provider (one module per provider,
adapters/sms/providers.py), on one line `.env` declares.

- The channel's key is `provider:line` (kavenegar:10004346), its token the provider's API
  key and its webhook secret SMS_WEBHOOK_SECRET: a provider calls
  /webhooks/sms/{provider}/{SMS_WEBHOOK_SECRET}, and a wrong provider or secret is a 404
  that takes as long as a right one.
- «۱۱» and «۱۲» from a customer are Iran's "leave this line's news" and "come back": they
  arrive as those buttons (core.actions.OPT_OUT_PAYLOAD), which the flows confirm.
- A sender is a phone number: its phone key (core.text.phone_key, 98912…) is the sender's
  id and the chat, so 0912…, +98912… and ۰۹۱۲… are one customer, who is the customer
  already known by that number on another channel (`Sender.phone_proven`).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import aiohttp

from adapters.base import BadPayload, NewChannel, SetupContext, WebhookRejected, WebhookRequest
from adapters.sms.provider import Line, Provider, Received, Report
from adapters.sms.providers import PROVIDERS
from adapters.sms.transport import SmsTransport
from core.actions import OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD
from core.channel_setup import ButtonRules, PlatformLook, SetupRefused
from core.events import (
    ChannelCredentials,
    EventKind,
    InboundEvent,
    MessageKind,
    Platform,
    Sender,
)
from core.i18n import lazy_gettext
from core.media import MediaRefused, MediaSource
from core.secrets_at_rest import derived_key, installation_secret
from core.settings import Settings, env_choice, env_float, env_int, env_text
from core.text import local_phone, phone_key, strip_invisible, to_latin_digits, to_persian_digits

log = logging.getLogger(__name__)

DEFAULT_SENDS_PER_SECOND = 10.0
# Iran's convention for service lines: a recipient answers 11 to leave a line's news and 12
# to come back. The flows confirm and keep the choice (flows/opt_out.py).
_CHOICES = {"11": OPT_OUT_PAYLOAD, "12": OPT_IN_PAYLOAD}


def channel_key(provider: str, line: str) -> str:
    return f"{provider}:{line}"


def _provider_of(channel: ChannelCredentials) -> tuple[Provider, str]:
    name, _, line = channel.key.partition(":")
    return PROVIDERS[name], line


class NoMedia:
    """Texts carry no files (an MMS is not offered by Iranian providers' APIs)."""

    async def locate(self, ref: object) -> None:
        raise MediaRefused("a text message has no files")


class SmsAdapter:
    look = PlatformLook(name=lazy_gettext("SMS"), letters="SMS", colour="#6b7280",
                        counts_parts=True, icon_svg=PlatformLook.icon_beside(__file__))
    buttons = ButtonRules(())  # a text has no buttons: every menu goes as numbered lines
    form = None  # a line is declared in .env (SMS_PROVIDER and the provider's keys)
    webhook_path = 2  # /webhooks/sms/{provider}/{secret}
    checks_connection = False

    def declared(self, settings: Settings) -> tuple[NewChannel, ...]:
        chosen = env_choice(settings, "SMS_PROVIDER", ("", *PROVIDERS), "")
        if not chosen:
            return ()
        line = PROVIDERS[chosen].line(settings)
        if line is None:
            return ()
        return (NewChannel(key=channel_key(chosen, line.number), token=line.api_key,
                           webhook_secret=env_text(settings, "SMS_WEBHOOK_SECRET"),
                           name=f"SMS {line.number}", notice=""),)

    def media_origins(self, settings: Settings) -> tuple[str, ...]:
        return ()

    def media_hosts(self) -> tuple[str, ...]:
        return ()

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        raise SetupRefused("an SMS line is declared in .env (SMS_PROVIDER)")

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        return channel.key

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        raise SetupRefused("SMS providers take their callback addresses in their own panel: "
                           f"{url}/{channel.key.partition(':')[0]}/<SMS_WEBHOOK_SECRET>")

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> None:
        return None

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        raise WebhookRejected(404, "not found")

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        self.verify(request, channels)

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials, ...]:
        """The lines of the provider in the path whose secret is the one in the path. Every
        secret is compared, so timing does not tell a wrong provider from a wrong secret."""
        provider, presented = request.path
        matched = []
        for channel in channels:
            same_secret = bool(channel.webhook_secret) and hmac.compare_digest(
                presented.encode(), channel.webhook_secret.encode())
            if same_secret and channel.key.partition(":")[0] == provider:
                matched.append(channel)
        if not matched:
            raise WebhookRejected(404, "not found")
        return tuple(matched)

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        try:
            form = dict(parse_qsl(body.decode("utf-8", errors="replace"),
                                  keep_blank_values=True, max_num_fields=50))
        except ValueError as error:
            raise BadPayload(f"not a form: {error}") from None
        provider, _ = _provider_of(channels[0])
        now = datetime.now(UTC)
        events: list[InboundEvent] = []
        for callback in provider.parse(form):
            if isinstance(callback, Received):
                event = _received(callback, _line_channel(channels, callback.line), now)
                if event is not None:
                    events.append(event)
            elif isinstance(callback, Report):
                # A report names no line: each line's id space is checked (a wrong one
                # matches nothing and expires as an early receipt).
                events += [_report(callback, channel.channel_id, now) for channel in channels]
        return events

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> SmsTransport:
        provider, number = _provider_of(channel)
        line = Line(api_base=provider.api_base(settings), api_key=channel.token, number=number)
        return SmsTransport(
            provider, line, session,
            sends_per_second=env_float(settings, "SMS_SENDS_PER_SECOND",
                                       DEFAULT_SENDS_PER_SECOND),
            price_per_part=env_int(settings, "SMS_PRICE_PER_PART", 0),
            installation=derived_key(installation_secret(settings), b"text-message local ids"))

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> MediaSource:
        return NoMedia()


def _line_channel(channels: Sequence[ChannelCredentials], line: str) -> ChannelCredentials:
    wanted = phone_key(line) or line
    return next((channel for channel in channels
                 if phone_key(_provider_of(channel)[1]) == wanted), channels[0])


def _received(callback: Received, channel: ChannelCredentials, now: datetime
              ) -> InboundEvent | None:
    phone = phone_key(callback.sender)
    if phone is None:
        log.warning("sms: a text from a sender without a number (%d characters) dropped",
                    len(callback.sender))
        return None
    choice = _CHOICES.get(to_latin_digits(strip_invisible(callback.text)).strip())
    return InboundEvent(
        platform=Platform.SMS, channel_id=channel.channel_id, kind=EventKind.MESSAGE,
        external_id=f"in-{callback.message_id}",  # apart from the ids of texts we sent
        sender=Sender(external_id=phone, display_name=to_persian_digits(local_phone(phone)),
                      phone=phone, phone_proven=True),
        chat_id=phone, text=callback.text, occurred_at=now, raw=callback.text,
        message_kind=MessageKind.BUTTON if choice else MessageKind.TEXT,
        button_payload=choice)


def _report(callback: Report, channel_id: int, now: datetime) -> InboundEvent:
    return InboundEvent(
        platform=Platform.SMS, channel_id=channel_id, kind=EventKind.STATUS,
        external_id=callback.message_id, sender=Sender(external_id="", display_name=""),
        chat_id="", delivery_status=callback.state, delivery_error=callback.reason,
        recipient_refuses=callback.blocked, occurred_at=now)


SMS = SmsAdapter()

__all__ = ["SMS", "channel_key"]
