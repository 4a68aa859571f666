"""What the WhatsApp and Instagram adapters share: one Meta app signs both, and one body
may carry entries for several of the app's numbers or accounts."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence

from adapters.meta.webhook import answer_challenge, check_signature
from core.events import ChannelCredentials, InboundEvent
from core.settings import Settings

ParseWebhook = Callable[[bytes, Callable[[str], "int | None"]], list[InboundEvent]]


class MetaWebhooks:
    """GET handshake, POST signature and entry routing for one Meta product."""

    def __init__(self, parse_webhook: ParseWebhook) -> None:
        self._parse_webhook = parse_webhook

    def handshake(self, query: Mapping[str, str], settings: Settings) -> str:
        return answer_challenge(query, settings.meta_verify_token)

    def verify(
        self, headers: Mapping[str, str], body: bytes, channels: Sequence[ChannelCredentials]
    ) -> tuple[ChannelCredentials, ...]:
        """The channels of the app whose secret signed the body (entries name one of them)."""
        signed_by = check_signature(headers, body, {c.webhook_secret for c in channels})
        return tuple(c for c in channels
                     if hmac.compare_digest(c.webhook_secret.encode(), signed_by.encode()))

    def parse(self, body: bytes, channels: Sequence[ChannelCredentials]) -> list[InboundEvent]:
        by_key = {channel.key: channel.channel_id for channel in channels}
        return self._parse_webhook(body, by_key.get)
