#!/usr/bin/env python3
"""Routing cost: how fast the queue is assigned (core/routing/assigner.py), on SQLite.

    python bench/routing.py [--conversations 2000] [--agents 20] [--rounds 3]

Stores CONVERSATIONS first messages of distinct customers (the inbox, as webhooks would),
hands them all to people, makes AGENTS available with room for all of them, then times the
router until the queue is empty: one transaction per assignment, with its record. CPU time
is reported beside wall time, because on a shared machine it is the steadier of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from core import db
from core.bus import InProcessBus
from core.events import ChatType, EventKind, InboundEvent, Platform, Sender
from core.inbox import Inbox
from core.models import Channel, Conversation, User
from core.owner_config import OwnerDocument, Routing, store
from core.routing import Presence, Router, seen, set_status
from core.settings import Settings

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _event(channel_id: int, index: int) -> InboundEvent:
    return InboundEvent(
        platform=Platform.TELEGRAM, channel_id=channel_id, kind=EventKind.MESSAGE,
        external_id=f"{index}:1", sender=Sender(external_id=str(index), display_name="مریم"),
        chat_id=str(index), chat_type=ChatType.PRIVATE, text="اپراتور",
        occurred_at=NOW)


async def _round(conversations: int, agents: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        await db.migrate(settings)
        await db.open_database(settings)
        try:
            channel_id = (await Channel.create(platform="telegram", key="1")).id
            inbox = Inbox(InProcessBus())
            await inbox.start()
            for start in range(0, conversations, 500):
                await inbox.ingest([_event(channel_id, i)
                                    for i in range(start, min(conversations, start + 500))])
            await inbox.close()
            await Conversation.all().update(status="pending", handed_off_at=NOW)
            await store(OwnerDocument(routing=Routing(
                mode="round_robin", max_open_per_agent=conversations // agents + 1)))
            for n in range(agents):
                user = await User.create(email=f"agent{n}@shop.example", password_hash="-")
                await set_status(user.id, Presence.AVAILABLE, NOW)
                await seen(user.id, NOW)
            router = Router(InProcessBus(), lambda team, at: True, clock=lambda: NOW)
            wall, cpu = time.perf_counter(), time.process_time()
            while await router.assign_waiting():
                pass
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert await Conversation.filter(assignee_id=None).count() == 0
            return wall, cpu
        finally:
            await db.close_database()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = [await _round(args.conversations, args.agents) for _ in range(args.rounds)]
    walls, cpus = [r[0] for r in results], [r[1] for r in results]
    print(f"{args.conversations} conversations to {args.agents} agents, {args.rounds} rounds")
    print(f"assigned/s (wall): median {args.conversations / statistics.median(walls):,.0f}")
    print(f"CPU per assignment: median {statistics.median(cpus) / args.conversations * 1e3:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
