"""The shape every platform adapter has."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import aiohttp

from core.delivery import Transport
from core.events import ChannelCredentials, InboundEvent
from core.media import MediaSource
from core.settings import Settings


class BadPayload(ValueError):
    """The body is not what the platform sends (not JSON, wrong shape). Answer 400."""


class WebhookRejected(Exception):
    """The request did not prove it comes from the platform."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class Adapter(Protocol):
    def handshake(self, query: Mapping[str, str], settings: Settings) -> str:
        """The body to answer a platform's GET verification with, or raise WebhookRejected."""

    def verify(
        self, headers: Mapping[str, str], body: bytes, channels: Sequence[ChannelCredentials]
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
        """Something that sends for this channel, over the shared HTTP session."""

    def media_source(
        self, channel: ChannelCredentials, session: aiohttp.ClientSession, settings: Settings
    ) -> MediaSource:
        """Where this channel's received files are downloaded from (the URL, the headers)."""
