"""Telegram long polling (TELEGRAM_MODE=polling): the other way in besides the webhook.

The offset moves past an update only after the update is stored, so a crash at any point
means Telegram sends it again, and the inbox ignores the repeat.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from telegram.error import Conflict, InvalidToken, RetryAfter, TelegramError

from adapters import BadPayload
from adapters.telegram import make_bot, parse_polled
from core.channels import poll_offset, save_poll_offset
from core.events import ChannelCredentials, InboundEvent
from core.inbox import Inbox

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 25
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member",
                   "business_message", "edited_business_message"]


async def poll_forever(
    channel: ChannelCredentials, session: aiohttp.ClientSession, api_base: str, inbox: Inbox
) -> None:
    bot = make_bot(channel.token, session, api_base)
    offset = await poll_offset(channel.channel_id)
    failures = 0
    await _delete_webhook(bot)
    log.info("telegram polling: channel %s listening", channel.channel_id)
    while True:
        try:
            polled = await bot.get_updates(
                offset=offset,
                timeout=LONG_POLL_SECONDS,
                allowed_updates=ALLOWED_UPDATES,
                read_timeout=LONG_POLL_SECONDS + 10,
            )
        except InvalidToken:
            log.error("telegram polling: the bot token was refused; polling stops")
            return
        except (RetryAfter, Conflict, TelegramError) as error:
            failures += 1
            pause = min(60.0, 2.0**failures)
            log.warning("telegram polling: %s; again in %.0f s", error, pause)
            await asyncio.sleep(pause)
            continue
        failures = 0
        if not polled:
            continue
        updates = [update.to_dict() for update in polled]
        try:
            await inbox.ingest(_events(updates, channel.channel_id))
        except Exception:
            log.exception("telegram polling: could not store updates; they will be fetched again")
            await asyncio.sleep(1)
            continue
        offset = max(int(update["update_id"]) for update in updates) + 1
        await save_poll_offset(channel.channel_id, offset)


def _events(updates: list[dict], channel_id: int) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    for update in updates:
        try:
            events.extend(parse_polled(update, channel_id))
        except BadPayload as error:
            log.warning("telegram polling: update %s skipped: %s", update.get("update_id"), error)
    return events


async def _delete_webhook(bot) -> None:
    """getUpdates is refused while a webhook is set; polling mode means no webhook."""
    try:
        await bot.delete_webhook()
    except TelegramError as error:
        log.warning("telegram polling: could not remove the webhook: %s", error)
