"""Notifications in the runtime: every process hears assignments and customers' messages on
the bus (and every minute looks for conversations past a response-time target), works out
whom to tell (core/notifications/), and the one process that claims a
notification tells the agent: the open panels through the bus (NOTIFY_TOPIC, which each
agent's live stream passes to them only), and, when the agent chose it, their phone by Web
Push (not while they are offline, unless they chose that too)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp

from core.bus import Bus, Notice
from core.clock import utcnow
from core.notifications import (
    NOTIFY_TOPIC,
    Notification,
    choices_of,
    claim,
    for_assignment,
    for_breaches,
    for_customer_message,
)
from core.notifications.texts import push_payload
from core.notifications.webpush import push
from core.routing import ASSIGNMENT_TOPIC, Presence, status_of

log = logging.getLogger(__name__)

DEFAULT_VAPID_SUBJECT = "mailto:pasokh@localhost"
TARGET_CHECK_SECONDS = 60.0


class Notifier:
    def __init__(self, bus: Bus, session: aiohttp.ClientSession, *, vapid_subject: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._bus = bus
        self._session = session
        self._subject = vapid_subject
        self._clock = clock

    async def run(self) -> None:
        """Runs until cancelled."""
        notices = self._bus.subscribe(ASSIGNMENT_TOPIC, "message.new")
        try:
            async for notice in notices:
                try:
                    await self.handle(notice)
                except Exception:  # one failed notification must not stop the others
                    log.exception("notifications: could not handle %s", notice.topic)
        finally:
            await notices.aclose()

    async def watch_targets(self, every: float = TARGET_CHECK_SECONDS) -> None:
        """Runs until cancelled: tells agents of their conversations past a target."""
        while True:
            try:
                await self.tell_breaches()
            except Exception:  # a database hiccup must not end the loop: try next time
                log.exception("notifications: checking the targets failed")
            await asyncio.sleep(every)

    async def tell_breaches(self) -> int:
        told = 0
        for notification in await for_breaches(self._clock()):
            told += await self.tell(notification)
        return told

    async def handle(self, notice: Notice) -> bool:
        """Tells the agent, when the notice calls for it and this process claims it first."""
        notification = (for_assignment(notice.data) if notice.topic == ASSIGNMENT_TOPIC
                        else await for_customer_message(notice.data))
        if notification is None:
            return False
        return await self.tell(notification)

    async def tell(self, notification: Notification) -> bool:
        choices = await choices_of(notification.user_id)
        if not choices.wants(notification.kind.value):
            return False
        now = self._clock()
        if not await claim(notification, now):
            return False  # another process tells them
        await self._bus.publish(NOTIFY_TOPIC, notification.as_notice())
        if choices.push:
            status = await status_of(notification.user_id, now)
            offline = status is None or status.status == Presence.OFFLINE
            if not offline or choices.while_offline:
                await push(self._session, notification.user_id, push_payload(notification),
                           self._subject)
        return True


def vapid_subject(public_url: str) -> str:
    """Push services want a way to reach the sender: the shop's https address, if it has one."""
    return public_url if public_url.startswith("https://") else DEFAULT_VAPID_SUBJECT
