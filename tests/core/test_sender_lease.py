"""Several processes on one PostgreSQL database: exactly one of them sends."""

from __future__ import annotations

import asyncio

import pytest

from core.bus import InProcessBus
from core.leadership import SenderLease
from core.models import OutboxItem
from core.outbox import OutboxWorker
from tests.core.test_outbox import ScriptedTransport, _queue, _states
from tests.integration.helpers import eventually


@pytest.fixture
async def postgres(any_database):
    if any_database.is_embedded_database:
        pytest.skip("one process owns an SQLite file: there is no second sender to exclude")
    return any_database.effective_database_url


async def test_only_one_holder_at_a_time_and_the_next_takes_over(postgres):
    first = SenderLease(postgres, check_seconds=0.1)
    second = SenderLease(postgres, check_seconds=0.1)
    await first.start()
    await asyncio.wait_for(first.held.wait(), 5)
    await second.start()
    try:
        await asyncio.sleep(0.5)
        assert not second.held.is_set()
        await first.close()  # the holder stops (or dies): its session ends
        await asyncio.wait_for(second.held.wait(), 5)
    finally:
        await first.close()
        await second.close()


async def test_two_workers_send_each_reply_once_through_the_leader(postgres):
    await _queue("9", count=3)
    await _queue("10", count=3)
    transports = [ScriptedTransport(), ScriptedTransport()]
    workers = [OutboxWorker(lambda _, t=t: t, InProcessBus(),
                            sender_lease=SenderLease(postgres, check_seconds=0.1))
               for t in transports]
    for worker in workers:
        await worker.start()
    try:
        await eventually(lambda: _all_sent(), what="all sent")
    finally:
        for worker in workers:
            await worker.close()
    counts = sorted(len(t.sent) for t in transports)
    assert counts == [0, 6]


async def test_the_new_sender_resends_what_a_dead_one_had_claimed(postgres):
    await _queue("9")
    await OutboxItem.all().update(state="sending", send_started=True)  # died mid-send
    transport = ScriptedTransport()
    worker = OutboxWorker(lambda _: transport, InProcessBus(),
                          sender_lease=SenderLease(postgres, check_seconds=0.1))
    await worker.start()
    try:
        await eventually(lambda: _all_sent(), what="re-sent")
    finally:
        await worker.close()
    assert len(transport.sent) == 1
    assert (await OutboxItem.first()).possibly_duplicated is True


async def _all_sent() -> bool:
    states = await _states()
    return bool(states) and set(states) == {"sent"}
