"""A desk over a real database, fed through the real inbox, for the desk's tests and the
runtime's snooze loop."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from core.bus import InProcessBus
from core.channels import sync_channel
from core.desk import Desk
from core.events import EventKind, InboundEvent, MessageKind, Platform, Sender
from core.inbox import Inbox

_ids = itertools.count(1)


class World:
    """A desk over a real database, fed through the real inbox."""

    def __init__(self) -> None:
        self.bus = InProcessBus()
        self.woken = 0
        self.submitted: list[int] = []  # system messages handed to the engine
        self.desk = Desk(self.bus, self._wake, self.submitted.extend)
        self.inbox = Inbox(self.bus)
        self.channel_id = 0

    def _wake(self) -> None:
        self.woken += 1

    async def start(self) -> None:
        self.channel_id = await sync_channel(Platform.TELEGRAM, key="42", token="t",
                                             webhook_secret="s", name="Shop bot")
        await self.inbox.start()

    async def message(self, chat: int, text: str | None, *, name: str = "مریم",
                      kind: MessageKind = MessageKind.TEXT) -> int:
        (stored,) = await self.inbox.ingest([InboundEvent(
            platform=Platform.TELEGRAM, channel_id=self.channel_id, kind=EventKind.MESSAGE,
            external_id=f"m{next(_ids)}", sender=Sender(external_id=str(chat), display_name=name),
            chat_id=str(chat), message_kind=kind, text=text,
            occurred_at=datetime.now(UTC),
        )])
        return stored.conversation_id


async def running_world() -> AsyncIterator[World]:
    world = World()
    await world.start()
    yield world
    await world.inbox.close()
