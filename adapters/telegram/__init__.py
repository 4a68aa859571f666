"""Telegram: webhook verification, update parsing, sending through python-telegram-bot."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

import aiohttp
import telegram

from adapters.base import BadPayload, WebhookRejected
from adapters.telegram.media import TelegramMedia
from adapters.telegram.parse import parse_polled, parse_update
from adapters.telegram.request import AiohttpRequest
from adapters.telegram.transport import TelegramTransport
from core.events import ChannelCredentials, InboundEvent
from core.settings import Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


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


class TelegramAdapter:
    def handshake(self, query: Mapping[str, str], settings: Settings) -> str:
        raise WebhookRejected(405, "Telegram webhooks have no GET handshake")

    def verify(
        self, headers: Mapping[str, str], body: bytes, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials]:
        """Each bot has its own secret, and the secret picks the channel."""
        presented = headers.get(SECRET_HEADER)
        if not presented:
            raise WebhookRejected(401, f"missing {SECRET_HEADER} header")
        matched = None
        for channel in channels:
            # Compare against every channel, so timing does not reveal which one matched.
            if channel.webhook_secret and hmac.compare_digest(
                presented.encode(), channel.webhook_secret.encode()
            ):
                matched = channel
        if matched is None:
            raise WebhookRejected(403, f"wrong {SECRET_HEADER} header")
        return (matched,)

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        (channel,) = channels  # verify named the one bot this secret belongs to
        return parse_update(body, channel.channel_id)

    def transport(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramTransport:
        return TelegramTransport(
            make_bot(channel.token, session, settings.telegram_api_base),
            channel_key=bot_id(channel.token),
            sends_per_second=settings.telegram_sends_per_second,
        )

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> TelegramMedia:
        return TelegramMedia(make_bot(channel.token, session, settings.telegram_api_base))


TELEGRAM = TelegramAdapter()

__all__ = ["TELEGRAM", "BadPayload", "bot_id", "make_bot", "parse_polled", "parse_update"]
