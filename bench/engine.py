#!/usr/bin/env python3
"""Conversation engine cost: CPU per customer message, webhook transport left out.

    python bench/engine.py [--messages 3000] [--rounds 3]

Stores MESSAGES first messages of distinct customers on a fresh SQLite database (the inbox,
as webhooks would), then starts the engine and times until every one is answered: the
flows, their writes and the outbox rows. CPU time (all threads of the process) is reported
beside wall time, because on a shared machine CPU time is the steadier of the two. Run it
with PYTHONPATH pointing at another checkout to compare two versions in the same conditions.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from core import db
from core.bus import InProcessBus
from core.conversations import ConversationEngine
from core.events import ChatType, EventKind, InboundEvent, Platform, Sender
from core.inbox import Inbox
from core.models import Channel, Message
from core.settings import Settings
from flows import FlowConfig, decide


def _event(channel_id: int, index: int) -> InboundEvent:
    return InboundEvent(
        platform=Platform.TELEGRAM, channel_id=channel_id, kind=EventKind.MESSAGE,
        external_id=f"{index}:1", sender=Sender(external_id=str(index), display_name="مریم"),
        chat_id=str(index), chat_type=ChatType.PRIVATE, text="سلام",
        occurred_at=datetime(2026, 3, 21, 8, 30, tzinfo=UTC))


async def _round(messages: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        await db.migrate(settings)
        await db.open_database(settings)
        try:
            channel_id = (await Channel.create(platform="telegram", key="1")).id
            inbox = Inbox(InProcessBus())
            await inbox.start()
            for start in range(0, messages, 500):
                await inbox.ingest([_event(channel_id, i)
                                    for i in range(start, min(messages, start + 500))])
            await inbox.close()
            batch_done = asyncio.Event()  # the engine wakes the outbox after each batch
            engine = ConversationEngine(partial(decide, config=FlowConfig()), InProcessBus(),
                                        batch_done.set)
            wall, cpu = time.perf_counter(), time.process_time()
            await engine.start()
            while await Message.filter(direction="out").count() < messages:
                await batch_done.wait()
                batch_done.clear()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            await engine.close()
        finally:
            await db.close_database()
    return wall, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = [await _round(args.messages) for _ in range(args.rounds)]
    per_message = [1e6 * cpu / args.messages for _, cpu in results]
    rate = [args.messages / wall for wall, _ in results]
    print(f"{args.messages} first messages, {args.rounds} rounds: "
          f"CPU {statistics.median(per_message):.0f} µs/message (median; "
          f"{', '.join(f'{v:.0f}' for v in per_message)}), "
          f"{statistics.median(rate):,.0f} answered/s wall")


if __name__ == "__main__":
    asyncio.run(main())
