"""Pushing to open visitor streams: a reply is stored first (the outbox's row), so a stream
only has to hear "something new for you" and the widget reads what it has not seen.

The outbox's transport publishes a notice on the bus (so a visitor whose stream is open on
another process hears it too); each process listens to that one topic once and wakes the
streams it holds for that visitor. A stream that was closed when the notice came loses
nothing: the widget reads from the last message it has when it connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

from core.bus import Bus, Subscription
from core.delivery import FileRules, Pace, TransientError
from core.desk import PRESENCE_TOPIC
from core.events import ChannelCredentials, OutboundMessage, SendResult
from core.visitors import chat_of

log = logging.getLogger(__name__)

TOPIC = "visitor.sync"
CONVERSATIONS_REMEMBERED = 10_000  # which visitor a conversation is; forgotten all at once


class Waker:
    """One open stream's doorbell: what it has to tell its visitor next."""

    __slots__ = ("news", "rung")

    def __init__(self) -> None:
        self.rung = asyncio.Event()
        # "sync" (read what is new), "typing" (an agent types), "seen" (an agent has the
        # conversation open, so has read it)
        self.news: set[str] = set()

    def ring(self, news: str) -> None:
        self.news.add(news)
        self.rung.set()

    def take(self) -> set[str]:
        news, self.news = self.news, set()
        self.rung.clear()
        return news


class Hub:
    """The streams this process holds, by (channel id, visitor id)."""

    def __init__(self) -> None:
        self.bus: Bus | None = None
        self._streams: dict[tuple[int, str], set[Waker]] = {}
        self._listener: asyncio.Task[None] | None = None
        # conversation id -> (channel id, visitor id), or None for another platform's
        self._conversations: dict[int, tuple[int, str] | None] = {}

    async def start(self, bus: Bus) -> None:
        self.bus = bus
        # Registered now: nothing published after is lost.
        subscription = bus.subscribe(TOPIC, PRESENCE_TOPIC)
        self._listener = asyncio.create_task(self._listen(subscription), name="webchat-hub")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self.bus = None

    async def notify(self, channel_id: int, visitor: str) -> None:
        """Tells every process that this visitor has something new."""
        if self.bus is None:
            raise TransientError("web chat is not serving yet")
        await self.bus.publish(TOPIC, {"channel_id": channel_id, "visitor": visitor})

    def open(self, channel_id: int, visitor: str) -> Waker:
        waker = Waker()
        self._streams.setdefault((channel_id, visitor), set()).add(waker)
        return waker

    def close(self, channel_id: int, visitor: str, waker: Waker) -> None:
        streams = self._streams.get((channel_id, visitor))
        if streams is not None:
            streams.discard(waker)
            if not streams:
                del self._streams[(channel_id, visitor)]

    async def _listen(self, subscription: Subscription) -> None:
        async for notice in subscription:
            try:
                if notice.topic == PRESENCE_TOPIC:
                    await self._presence(notice.data)
                    continue
                key = (notice.data.get("channel_id"), notice.data.get("visitor"))
                for waker in self._streams.get(key, ()):  # type: ignore[call-overload]
                    waker.ring("sync")
            except Exception:
                log.exception("webchat: a notice could not be passed on: %.200r", notice.data)

    async def _presence(self, data: dict) -> None:
        """An agent has a conversation open (the panel says so when it shows it, then every
        few seconds) or types in it: tell that visitor's streams held here."""
        if not self._streams:
            return
        conversation_id = data.get("conversation_id")
        if not isinstance(conversation_id, int):
            return
        if conversation_id not in self._conversations:
            if len(self._conversations) >= CONVERSATIONS_REMEMBERED:
                self._conversations.clear()
            self._conversations[conversation_id] = await chat_of(conversation_id)
        key = self._conversations[conversation_id]
        for waker in self._streams.get(key, ()) if key else ():
            waker.ring("typing" if data.get("typing") is True else "seen")


hub = Hub()


class VisitorTransport:
    """The outbox's way to a visitor: the reply is stored already; wake its streams.

    An agent's file is stored with its message too (core/desk `reply_file`), so it reaches
    the visitor the same way: the widget reads it with the visitor's token (api.file). The
    rules for it are the visitors' own for the files they send."""

    def __init__(self, channel: ChannelCredentials, file_rules: FileRules) -> None:
        self._channel = channel
        self.file_rules = file_rules

    async def send(self, message: OutboundMessage) -> SendResult:
        await hub.notify(self._channel.channel_id, message.chat_id)
        return SendResult()

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        return ()  # no platform to spare: the visitor's own limits are on the way in

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        return None
