"""The shape every platform adapter has: a channel's whole life-cycle in one object.

An adapter says how its platform looks in the panel, which `.env` keys declare a channel
and how an owner adds one, how a channel is checked and its webhook set up, whether it can
be polled, which hosts its files come from, and (through its transport) its reply window
and send limits; and it translates webhooks into events and messages into sends. The
runtime and the panel reach every platform through `adapters.ADAPTERS` and this contract,
never by naming one.

Nothing here assumes one platform's shape: a webhook may be proven by a header (Telegram),
a body signature (Meta) or a secret in its path (Bale, SMS providers), or not exist at all
(web chat); a channel may have a reply window (Meta's 24 hours) or none.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

import aiohttp
from aiohttp import web

from core.bus import Bus
from core.channel_setup import ButtonRules, ChannelForm, PlatformLook, Preview
from core.channels import ChannelDirectory
from core.delivery import Transport
from core.events import ChannelCredentials, InboundEvent
from core.inbox import Inbox
from core.media import MediaSource
from core.proactive import ProactiveRules
from core.settings import Settings

log = logging.getLogger(__name__)

# A platform's clock is trusted within these bounds; outside them it is not a time at all.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CLOCK_SKEW = timedelta(days=1)


def channel_with_secret(presented: str,
                        channels: Sequence[ChannelCredentials]) -> ChannelCredentials | None:
    """The channel whose webhook secret is `presented`, compared against every channel in
    constant time, so that timing reveals neither a secret nor which channel matched."""
    matched = None
    for channel in channels:
        if channel.webhook_secret and hmac.compare_digest(
            presented.encode(), channel.webhook_secret.encode()
        ):
            matched = channel
    return matched


class BadPayload(ValueError):
    """The body is not what the platform sends (not JSON, wrong shape). Answer 400."""


# A \\uD800–\\uDFFF escape: half of a pair, or (when unpaired) no character at all.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def readable(body: bytes) -> bytes:
    """The body with invalid UTF-8 and unpaired surrogate escapes replaced (U+FFFD), so that
    one broken string in one item costs that string, not the batch. The signature was
    checked on the raw bytes."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("webhook body is not valid UTF-8; broken bytes replaced")
        body = body.decode("utf-8", errors="replace").encode()
    if _SURROGATE_ESCAPE.search(body):
        body = _without_lone_surrogates(body)
    return body


def _without_lone_surrogates(body: bytes) -> bytes:
    """Paired escapes (an emoji) pass as they are; a lone one, which strict JSON decoders
    refuse, becomes U+FFFD. The slower standard decoder reads lone surrogates, so this runs
    only on bodies that hold such an escape."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return body  # not JSON at all: the decoder says so
    text = json.dumps(document, ensure_ascii=False)
    mended = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if mended != text:
        log.warning("webhook body has an unpaired surrogate escape; replaced")
    return mended.encode()


def unix_time(seconds: float | int | str | None, *, source: str) -> datetime:
    """A platform's Unix time in seconds; the receive time when it is missing, not a
    number, or outside 2000…tomorrow (noted in the log)."""
    now = datetime.now(UTC)
    if not seconds:
        return now
    try:
        moment = datetime.fromtimestamp(float(seconds), UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        moment = None
    if moment is None or not _EARLIEST <= moment <= now + _CLOCK_SKEW:
        log.warning("%s: time %r is out of range; the receive time is used", source,
                    str(seconds)[:40])
        return now
    return moment


class WebhookRejected(Exception):
    """The request did not prove it comes from the platform."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRequest:
    """One request to /webhooks/<platform>[/<path>…], as an adapter needs to judge it."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    # The segments after /webhooks/<platform>/: e.g. Bale's secret, an SMS provider's name.
    path: tuple[str, ...] = ()
    body: bytes = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewChannel:
    """A channel an adapter has checked (and whose webhook it has set up), ready to store."""

    key: str
    token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    name: str
    answer: str = ""  # the platform's own words about the set-up, shown to the owner
    notice: str  # English message id telling the owner it worked; may use %(name)s
    options: tuple[tuple[str, str], ...] = ()  # the channel's own settings (ChannelCredentials)


@dataclass(frozen=True, slots=True, kw_only=True)
class SetupContext:
    """What an adapter may use while adding or checking a channel."""

    session: aiohttp.ClientSession
    settings: Settings
    known: Sequence[ChannelCredentials]  # the platform's channels stored already
    webhook_url: str  # PASOKH_PUBLIC_URL/webhooks/<platform>, or "" when it is not set


@dataclass(frozen=True, slots=True, kw_only=True)
class Polled:
    events: list[InboundEvent]
    next_offset: int  # stored only after the events are; a crash means they come again


class PollFailed(Exception):
    """This poll did not work (network, throttling, a conflict); try again after a pause."""


class PollingStopped(Exception):
    """Polling cannot work for this channel (the token was refused): stop it."""


class Poller(Protocol):
    """The other way in besides a webhook: fetch what the platform holds for a channel."""

    async def start(self) -> None:
        """Prepare to poll, e.g. remove a webhook that would make the platform refuse it."""

    async def poll(self, offset: int) -> Polled:
        """What arrived from `offset` on (waiting a while when nothing has)."""


class Adapter(Protocol):
    look: PlatformLook
    buttons: ButtonRules  # for the menu builder's preview; the transport applies them
    # How an owner adds a channel in the panel; None when only .env can declare one.
    form: ChannelForm | None
    # How many path segments follow /webhooks/<platform> (0 for Telegram and Meta, 1 for a
    # secret in the path); None for a platform that sends no webhooks.
    webhook_path: int | None
    checks_connection: bool  # whether `check` asks the platform anything
    # How a business may write first on this platform (follow-ups, broadcasts): its window,
    # whether «11»/«12» opt out and in, whether it reaches customers by phone number.
    proactive: ProactiveRules

    def declared(self, settings: Settings) -> Sequence[NewChannel]:
        """The channels `.env` declares (synced into the database at start)."""

    def media_origins(self, settings: Settings) -> Sequence[str]:
        """API bases files may be fetched from, with their scheme and port as configured."""

    def media_hosts(self) -> Sequence[str]:
        """HTTPS hosts (or *.domain) the platform serves files from, when MEDIA_ALLOWED_HOSTS
        does not say otherwise."""

    async def connect(self, values: Mapping[str, str], context: SetupContext) -> NewChannel:
        """Check what the owner entered in `form` and set the channel up (its webhook too);
        raise core.channel_setup.SetupRefused when it does not work."""

    async def check(self, channel: ChannelCredentials, context: SetupContext) -> str:
        """The platform's description of a stored channel, or SetupRefused."""

    async def set_webhook(self, channel: ChannelCredentials, url: str,
                          session: aiohttp.ClientSession, settings: Settings) -> str:
        """Point the channel's webhook at `url` (the CLI's set-up); the platform's answer,
        or SetupRefused when the platform refused or has no such call."""

    def poller(self, channel: ChannelCredentials, session: aiohttp.ClientSession,
               settings: Settings) -> Poller | None:
        """A poller when the settings say this channel is polled, else None."""

    def handshake(self, request: WebhookRequest, settings: Settings) -> str:
        """The body to answer a platform's GET verification with, or raise WebhookRejected."""

    def admit(self, request: WebhookRequest, channels: Sequence[ChannelCredentials]) -> None:
        """Raise WebhookRejected when the headers and path alone (`request.body` is empty)
        show the request is not the platform's, so that its body is never read: a missing
        signature header, a wrong secret in a header or the path."""

    def verify(
        self, request: WebhookRequest, channels: Sequence[ChannelCredentials]
    ) -> Sequence[ChannelCredentials]:
        """The channels this webhook request may speak for, or raise WebhookRejected.

        A Telegram secret names one bot; a Meta signature names an app, whose one body may
        carry entries for several of its numbers or accounts.
        """

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        """Every event in the payload, in order; raise BadPayload when it is not one."""

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> Transport:
        """Something that sends for this channel, over the shared HTTP session; it carries
        the platform's reply window and send limits (core/delivery.py)."""

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> MediaSource:
        """Where this channel's received files are downloaded from (the URL, the headers)."""


class PhoneSender(Protocol):
    """Sends to a person known only by a phone number, who never wrote to the channel."""

    async def send_to_phone(self, *, phone: str, text: str, request_id: str) -> str:
        """Sends `text` to `phone` (any Iranian form: core.text.phone_key reads it) and
        returns the platform's message id. `request_id` makes a repeat harmless: the same
        id again (a retry after a crash) sends nothing twice, so it must be stable for one
        message (e.g. derived from its outbox row). Raises core.delivery's errors, whose
        text an agent can read."""


@runtime_checkable
class ReachesByPhone(Protocol):
    """An adapter whose platform can start a conversation from a phone number alone
    (Bale's business API): what a proactive message to a customer known only by a phone
    number may go through, besides an SMS line."""

    def phone_sender(self, session: aiohttp.ClientSession,
                     settings: Settings) -> PhoneSender | None:
        """The sender when the settings turn this on (its own keys), else None."""


def proactive_rules(adapter: Adapter, session: aiohttp.ClientSession,
                    settings: Settings) -> ProactiveRules:
    """The adapter's ProactiveRules as the settings make them: a platform whose business
    API is turned on (ReachesByPhone with a sender) also reaches customers known only by a
    phone number, and is a fallback for follow-ups like an SMS line."""
    if isinstance(adapter, ReachesByPhone) and adapter.phone_sender(session, settings):
        return replace(adapter.proactive, reaches_phone_numbers=True)
    return adapter.proactive


@dataclass(frozen=True, slots=True, kw_only=True)
class AdapterServices:
    """What the runtime lends a channel that serves its own HTTP endpoints: the settings,
    the channels, the inbox that stores what arrives, and the bus."""

    settings: Settings
    channels: ChannelDirectory
    inbox: Inbox
    bus: Bus


# Filled by the runtime when it starts, for the handlers of SiteChannel adapters.
SERVICES: web.AppKey[AdapterServices] = web.AppKey("adapter_services", AdapterServices)


@runtime_checkable
class SiteChannel(Protocol):
    """An adapter whose people come to Pasokh over HTTP instead of a platform's webhooks
    (web chat): it serves its own routes and assets, has a command line of its own, and
    gives the owner something to paste where the channel lives."""

    def routes(self) -> Sequence[web.AbstractRouteDef]:
        """The adapter's own endpoints; handlers find AdapterServices at SERVICES."""

    async def start(self, services: AdapterServices) -> None:
        """Begin serving (e.g. listen on the bus for what to push to open streams)."""

    async def end_streams(self) -> None:
        """On shutdown, before the requests in flight are waited for: end the open streams
        at once (they never end by themselves, so the server would wait out its whole
        grace for them) and refuse new ones."""

    async def stop(self) -> None:
        """End open streams and background work (after the requests in flight)."""

    def add_commands(self, commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        """Adds `pasokh <platform> …` sub-commands; each sets `run(args, settings)`."""

    def snippet(self, channel: ChannelCredentials, settings: Settings) -> str:
        """What the owner pastes to put the channel where it lives (a script line)."""

    def new_secret(self) -> str:
        """A fresh secret for a channel (the owner rotates it in the panel); the channel's
        `token` holds it."""

    def preview(self, channel: ChannelCredentials, address: str) -> Preview | None:
        """The channel as the panel previews it on Pasokh's own `address`, when the channel
        allows a page there; else None."""
