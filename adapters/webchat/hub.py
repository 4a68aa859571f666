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

from core.bus import Bus
from core.delivery import Pace, TransientError
from core.events import ChannelCredentials, OutboundMessage, SendResult

log = logging.getLogger(__name__)

TOPIC = "visitor.sync"


class Hub:
    """The streams this process holds, by (channel id, visitor id)."""

    def __init__(self) -> None:
        self.bus: Bus | None = None
        self._streams: dict[tuple[int, str], set[asyncio.Event]] = {}
        self._listener: asyncio.Task[None] | None = None

    async def start(self, bus: Bus) -> None:
        self.bus = bus
        subscription = bus.subscribe(TOPIC)  # registered now: nothing published after is lost
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

    def open(self, channel_id: int, visitor: str) -> asyncio.Event:
        event = asyncio.Event()
        self._streams.setdefault((channel_id, visitor), set()).add(event)
        return event

    def close(self, channel_id: int, visitor: str, event: asyncio.Event) -> None:
        streams = self._streams.get((channel_id, visitor))
        if streams is not None:
            streams.discard(event)
            if not streams:
                del self._streams[(channel_id, visitor)]

    @property
    def open_streams(self) -> int:
        return sum(len(events) for events in self._streams.values())

    async def _listen(self, subscription) -> None:  # type: ignore[no-untyped-def]
        async for notice in subscription:
            key = (notice.data.get("channel_id"), notice.data.get("visitor"))
            for event in self._streams.get(key, ()):  # type: ignore[call-overload]
                event.set()


hub = Hub()


class VisitorTransport:
    """The outbox's way to a visitor: the reply is stored already; wake its streams."""

    def __init__(self, channel: ChannelCredentials) -> None:
        self._channel = channel

    async def send(self, message: OutboundMessage) -> SendResult:
        await hub.notify(self._channel.channel_id, message.chat_id)
        return SendResult()

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        return ()  # no platform to spare: the visitor's own limits are on the way in

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        return None
