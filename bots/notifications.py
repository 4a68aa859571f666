"""Notifications in the runtime: every process hears assignments and customers' messages on
the bus (and every minute looks for conversations past a response-time target), works out
whom to tell (core/notifications/), and the one process that claims a
notification tells the agent: the open panels through the bus (NOTIFY_TOPIC, which each
agent's live stream passes to them only), and, when the agent chose it, their phone by Web
Push (not while they are offline, unless they chose that too)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import aiohttp

from core.bus import Bus, Notice
from core.clock import utcnow
from core.i18n import DEFAULT_LANGUAGE, translation
from core.inbox import StoredMessage
from core.notifications import (
    NOTIFY_TOPIC,
    Notification,
    choices_of,
    claim,
    for_assignment,
    for_breaches,
    for_customer_message,
)
from core.notifications.messenger import code_in, link, send_to_agent
from core.notifications.texts import LINKED, push_payload
from core.notifications.webpush import push
from core.routing import ASSIGNMENT_TOPIC, Presence, status_of

log = logging.getLogger(__name__)

DEFAULT_VAPID_SUBJECT = "mailto:pasokh@localhost"
TARGET_CHECK_SECONDS = 60.0


class Notifier:
    def __init__(self, bus: Bus, session: aiohttp.ClientSession, *, vapid_subject: str,
                 wake_outbox: Callable[[], None], clock: Callable[[], datetime] = utcnow
                 ) -> None:
        self._bus = bus
        self._session = session
        self._wake_outbox = wake_outbox
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
        if not (choices.push or choices.messenger):
            return True
        status = await status_of(notification.user_id, now)
        if (status is None or status.status == Presence.OFFLINE) and not choices.while_offline:
            return True  # nothing goes to the phone while they are offline, unless asked
        payload = push_payload(notification)
        if choices.push:
            await push(self._session, notification.user_id, payload, self._subject)
        if choices.messenger and await send_to_agent(
                notification.user_id, f"{payload['title']}\n{payload['body']}", now):
            self._wake_outbox()
        return True


def vapid_subject(public_url: str) -> str:
    """Push services want a way to reach the sender: the shop's https address, if it has one."""
    return public_url if public_url.startswith("https://") else DEFAULT_VAPID_SUBJECT


class MessengerLinker:
    """Stands between the inbox and the conversation engine: a message that is an agent's
    link code (core/notifications/messenger.py) links their chat and goes no further; any
    other message, or a code that is no valid one, goes on to the engine as before."""

    def __init__(self, submit: Callable[[Sequence[StoredMessage]], None],
                 wake_outbox: Callable[[], None], clock: Callable[[], datetime] = utcnow
                 ) -> None:
        self._submit = submit
        self._wake_outbox = wake_outbox
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, stored: Sequence[StoredMessage]) -> None:
        codes = [s for s in stored if code_in(s.event.text)]
        others = [s for s in stored if not code_in(s.event.text)]
        if others:
            self._submit(others)
        for message in codes:
            task = asyncio.create_task(self._link(message), name="messenger-link")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _link(self, message: StoredMessage) -> None:
        now = self._clock()
        try:
            user_id = await link(code_in(message.event.text) or "",
                                 message_id=message.message_id,
                                 conversation_id=message.conversation_id, now=now)
        except Exception:
            log.exception("notifications: linking a messenger account failed")
            user_id = None
        if user_id is None:
            self._submit([message])  # not a valid code: the bot answers it as any message
            return
        if await send_to_agent(user_id, translation(DEFAULT_LANGUAGE).gettext(LINKED), now):
            self._wake_outbox()
