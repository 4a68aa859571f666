"""Polling, the other way in besides the webhook, for channels whose adapter polls
(Telegram or Bale in polling mode, an SMS line that no provider calls back).

The offset moves past an update only after the update is stored, so a crash at any point
means the platform sends it again, and the inbox ignores the repeat.
"""

from __future__ import annotations

import asyncio
import logging

from adapters.base import Poller, PollFailed, PollingStopped
from core.channels import poll_offset, save_poll_offset
from core.events import ChannelCredentials, Platform
from core.inbox import Inbox

log = logging.getLogger(__name__)

MAX_PAUSE_SECONDS = 60.0


async def poll_forever(platform: Platform, channel: ChannelCredentials, poller: Poller,
                       inbox: Inbox) -> None:
    offset = await poll_offset(channel.channel_id)
    failures = 0
    await poller.start()
    log.info("%s polling: channel %s listening", platform.value, channel.channel_id)
    while True:
        try:
            polled = await poller.poll(offset)
        except PollingStopped as error:
            log.error("%s polling: %s; polling stops", platform.value, error)
            return
        except PollFailed as error:
            failures += 1
            pause = min(MAX_PAUSE_SECONDS, 2.0**failures)
            log.warning("%s polling: %s; again in %.0f s", platform.value, error, pause)
            await asyncio.sleep(pause)
            continue
        failures = 0
        # A poll may bring events without moving the offset (an SMS line's delivery
        # reports, adapters/sms/poller.py); only a poll that brings neither is skipped.
        if polled.next_offset == offset and not polled.events:
            continue
        try:
            await inbox.ingest(polled.events)
        except Exception:
            log.exception("%s polling: could not store updates; they will be fetched again",
                          platform.value)
            await asyncio.sleep(1)
            continue
        offset = polled.next_offset
        await save_poll_offset(channel.channel_id, offset)
