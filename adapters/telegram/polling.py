"""Telegram long polling (TELEGRAM_MODE=polling): getUpdates instead of a webhook.

The runtime's loop (bots/polling.py) stores what a poll returns before it moves the
offset, so a crash at any point means Telegram sends the updates again.
"""

from __future__ import annotations

import asyncio
import logging

import telegram
from telegram.error import InvalidToken, TelegramError

from adapters.base import BadPayload, Polled, PollFailed, PollingStopped
from adapters.telegram.parse import parse_polled
from core.events import InboundEvent, Platform

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member",
                   "business_message", "edited_business_message"]


class TelegramPoller:
    """getUpdates for one bot. Bale's Bot API has the same call; it polls through this class
    under its own platform, without `allowed_updates`, which it does not document, and with
    a pause after an empty answer (`idle_pause`), since its documentation does not say that
    it holds a poll open for `timeout`: an empty answer at once must not become a busy loop."""

    def __init__(self, bot: telegram.Bot, channel_id: int, *,
                 platform: Platform = Platform.TELEGRAM,
                 allowed_updates: list[str] | None = ALLOWED_UPDATES,
                 idle_pause: float = 0.0) -> None:
        self._bot = bot
        self._channel_id = channel_id
        self._platform = platform
        self._allowed_updates = allowed_updates
        self._idle_pause = idle_pause

    async def start(self) -> None:
        """getUpdates is refused while a webhook is set; polling mode means no webhook."""
        try:
            await self._bot.delete_webhook()
        except TelegramError as error:
            log.warning("%s polling: could not remove the webhook: %s", self._platform.value,
                        error)

    async def poll(self, offset: int) -> Polled:
        try:
            polled = await self._bot.get_updates(
                offset=offset,
                timeout=LONG_POLL_SECONDS,
                allowed_updates=self._allowed_updates,
                read_timeout=LONG_POLL_SECONDS + 10,
            )
        except InvalidToken:
            raise PollingStopped("the bot token was refused") from None
        except TelegramError as error:  # RetryAfter, Conflict, network errors among them
            raise PollFailed(str(error)) from None
        updates = [update.to_dict() for update in polled]
        if not updates:
            await asyncio.sleep(self._idle_pause)
            return Polled(events=[], next_offset=offset)
        return Polled(events=self._events(updates),
                      next_offset=max(int(update["update_id"]) for update in updates) + 1)

    def _events(self, updates: list[dict]) -> list[InboundEvent]:
        events: list[InboundEvent] = []
        for update in updates:
            try:
                events.extend(parse_polled(update, self._channel_id, self._platform))
            except BadPayload as error:
                log.warning("%s polling: update %s skipped: %s", self._platform.value,
                            update.get("update_id"), error)
        return events
