"""SMS: texts to and from customers' phones through a provider (one module per provider,
adapters/sms/providers.py), on one line `.env` declares.

- The channel's key is `provider:line` (kavenegar:10004346), its token the provider's API
  key and its webhook secret SMS_WEBHOOK_SECRET: a provider calls
  /webhooks/sms/{provider}/{SMS_WEBHOOK_SECRET}, and a wrong provider or secret is a 404
  that takes as long as a right one.
- «۱۱» and «۱۲» from a customer are Iran's "leave this line's news" and "come back": they
  arrive as those buttons (core.actions.OPT_OUT_PAYLOAD), which the flows confirm.
- Where nothing calls back (Ghasedak; a line without SMS_WEBHOOK_SECRET), the provider is
  asked instead: adapters/sms/poller.py, run by the runtime as this adapter's poller.
- A sender is a phone number: its phone key (core.text.phone_key, 98912…) is the sender's
  id and the chat, so 0912…, +98912… and ۰۹۱۲… are one customer, who is the customer
  already known by that number on another channel (`Sender.phone_proven`).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import aiohttp

from adapters.base import BadPayload, NewChannel, SetupContext, WebhookRejected, WebhookRequest
from adapters.sms.events import received_event, report_event
from adapters.sms.poller import DEFAULT_INTERVAL_SECONDS, DEFAULT_MAX_AGE, SmsPoller
from adapters.sms.provider import Line, Provider, Received, Report, TextsByPolling
from adapters.sms.providers import PROVIDERS
from adapters.sms.transport import SmsTransport
from core.channel_setup import ButtonRules, PlatformLook, SetupRefused
from core.events import ChannelCredentials, InboundEvent
from core.i18n import lazy_gettext
from core.media import MediaRefused, MediaSource
from core.proactive import ProactiveRules
from core.secrets_at_rest import derived_key, installation_secret
from core.settings import Settings, env_choice, env_float, env_int, env_text
from core.text import phone_key

DEFAULT_SENDS_PER_SECOND = 10.0
POLLING_MODES = ("auto", "on", "off")


def channel_key(provider: str, line: str) -> str:
    return f"{provider}:{line}"


def _provider_of(channel: ChannelCredentials) -> tuple[Provider, str]:
    name, _, line = channel.key.partition(":")
    return PROVIDERS[name], line


class NoMedia:
    """Texts carry no files (an MMS is not offered by Iranian providers' APIs)."""

    async def locate(self, ref: object) -> None:
        raise MediaRefused("a text message has no files")

OPT_OUT_SUFFIX = "\nلغو۱۱"


class SmsAdapter:
    look = PlatformLook(name=lazy_gettext("SMS"), letters="SMS", colour="#6b7280",
                        counts_parts=True, icon_svg=PlatformLook.icon_beside(__file__))
    buttons = ButtonRules(())  # a text has no buttons: every menu goes as numbered lines
    form = None  # a line is declared in .env (SMS_PROVIDER and the provider's keys)
    webhook_path = 2  # /webhooks/sms/{provider}/{secret}
    checks_connection = False
    # A line writes to any number at any time; Iran's convention ends a service line's
    # informational text with «لغو۱۱» (answering 11 leaves, 12 comes back: adapters/sms/events.py).
    proactive = ProactiveRules(reaches_phone_numbers=True, opt_out_suffix=OPT_OUT_SUFFIX)

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
               settings: Settings) -> SmsPoller | None:
        """SMS_POLLING: `on` asks the provider for delivery reports whatever else is set up;
        `auto` (the default) does when nothing can call back: the provider takes no
        callbacks (Ghasedak) or SMS_WEBHOOK_SECRET is unset; `off` never does."""
        provider, number = _provider_of(channel)
        mode = env_choice(settings, "SMS_POLLING", POLLING_MODES, "auto")
        no_callbacks = isinstance(provider, TextsByPolling) or not channel.webhook_secret
        if mode == "off" or (mode == "auto" and not no_callbacks):
            return None
        line = Line(api_base=provider.api_base(settings), api_key=channel.token, number=number)
        return SmsPoller(
            provider, line, session, channel_id=channel.channel_id,
            interval=env_float(settings, "SMS_POLL_SECONDS", DEFAULT_INTERVAL_SECONDS),
            max_age=timedelta(hours=env_float(settings, "SMS_POLL_MAX_AGE_HOURS",
                                              DEFAULT_MAX_AGE.total_seconds() / 3600)))

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
                event = received_event(callback, _line_channel(channels, callback.line).channel_id,
                                       now)
                if event is not None:
                    events.append(event)
            elif isinstance(callback, Report):
                # A report names no line: each line's id space is checked (a wrong one
                # matches nothing and expires as an early receipt).
                events += [report_event(callback, channel.channel_id, now) for channel in channels]
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


SMS = SmsAdapter()

__all__ = ["SMS", "channel_key"]
