"""Issue 17, part 3, "no one starved": one channel's backlog does not hold back another
channel's replies.

A burst on one WhatsApp number leaves a thousand replies waiting for its 80/s pace; the reply
to a customer on another channel, written after all of them, goes out at once, not when the
backlog has drained (about 12 s later). The worker runs on a fake clock that jumps to its
next deadline: no sleeping, and the times below are the worker's own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core.bus import InProcessBus
from core.clock import Clock
from core.db import connection, is_postgres
from core.delivery import Pace
from core.events import OutboundMessage, Platform, SendResult
from core.models import Channel, Conversation, Customer, Identity, Message, OutboxItem
from core.outbox import PAGE, OutboxWorker
from core.outbox_due import due_rows
from tests.fakes.clock import FakeClock
from tests.integration.helpers import eventually

pytestmark = pytest.mark.usefixtures("any_database")

BACKLOG = 1_000
NUMBER_PACE = 1 / 80  # one WhatsApp number: 80 messages a second


class NumberTransport:
    """A platform paced per sending number, recording each send at the worker's time."""

    def __init__(self, number: str, clock: Clock) -> None:
        self.number = number
        self.sent: list[tuple[float, str]] = []
        self._clock = clock

    def reply_window(self, message: OutboundMessage):
        return None

    def pacing(self, message: OutboundMessage):
        return (Pace("number", self.number, NUMBER_PACE),)

    async def send(self, message: OutboundMessage) -> SendResult:
        self.sent.append((self._clock.monotonic(), message.chat_id))
        return SendResult(external_id=f"{self.number}:{len(self.sent)}")


async def _replies(key: str, chats: list[str], now: datetime) -> int:
    """One waiting reply in each of `chats` on a new channel, all due `now`."""
    channel = await Channel.create(platform="whatsapp", key=key)
    customer = await Customer.create()
    identity = await Identity.create(customer=customer, channel=channel, external_id=key)
    conversation = await Conversation.create(channel=channel, customer=customer,
                                             identity=identity, chat_id=key, created_at=now,
                                             last_message_at=now)
    await Message.bulk_create([
        Message(conversation=conversation, channel=channel, direction="out", author="bot",
                kind="text", text=f"reply to {chat}", created_at=now) for chat in chats])
    messages = await Message.filter(channel=channel).order_by("id")
    await OutboxItem.bulk_create([
        OutboxItem(channel=channel, identity=identity, chat_id=chat, message=message,
                   payload=OutboundMessage(platform=Platform.WHATSAPP, channel_id=channel.id,
                                           chat_id=chat, text=message.text).to_payload(),
                   next_attempt_at=now, created_at=now)
        for chat, message in zip(chats, messages, strict=True)])
    return channel.id


@pytest.fixture
async def clock() -> AsyncIterator[FakeClock]:
    async with FakeClock().jumping() as clock:
        yield clock


async def test_each_channel_gets_its_own_page_of_due_rows():
    now = datetime.now(UTC)
    busy = await _replies("busy", [f"b{n}" for n in range(BACKLOG)], now)
    quiet = await _replies("quiet", ["q1"], now)
    rows = await due_rows(connection(), now, PAGE)
    assert [row["channel_id"] for row in rows].count(busy) == PAGE
    assert [row["channel_id"] for row in rows].count(quiet) == 1


async def test_many_channels_are_read_in_several_statements(monkeypatch):
    from core import outbox_due

    monkeypatch.setattr(outbox_due, "PAGES_PER_QUERY", 3)
    now = datetime.now(UTC)
    channels = [await _replies(f"c{n}", [f"c{n}-1", f"c{n}-2"], now) for n in range(7)]
    rows = await due_rows(connection(), now, 1)
    assert sorted(row["channel_id"] for row in rows) == sorted(channels)


async def test_a_thousand_row_backlog_does_not_delay_another_channels_reply(clock):
    now = clock.now()
    busy = await _replies("busy", [f"b{n}" for n in range(BACKLOG)], now)
    quiet = await _replies("quiet", ["q1"], now)
    transports = {busy: NumberTransport("busy", clock), quiet: NumberTransport("quiet", clock)}
    worker = OutboxWorker(transports.get, InProcessBus(), clock=clock)
    started = clock.monotonic()
    await worker.start()
    try:
        await eventually(lambda: _sent(transports[quiet]), what="the quiet channel's reply")
    finally:
        await worker.close()
    (answered, chat), = transports[quiet].sent
    busy_sends = transports[busy].sent
    assert chat == "q1"
    # Sent within the first pass, while the busy number had gone through a few of its
    # thousand (which take 12.5 s at its pace).
    assert answered - started < 0.5
    assert len([at for at, _ in busy_sends if at <= answered]) < 40
    # ... and the busy number kept its pace and its order meanwhile.
    assert [chat for _, chat in busy_sends] == [f"b{n}" for n in range(len(busy_sends))]


async def _sent(transport: NumberTransport) -> bool:
    return bool(transport.sent)


async def test_a_number_keeps_its_pace_while_ingest_holds_the_database(clock):
    """SQLite has one connection and a transaction holds it: here "ingest" keeps it 0.5 s at
    a time, back to back, as a burst of webhooks does. Each pass of the worker waits that
    long, so it claims far enough ahead for its sends to keep the number's pace."""
    if is_postgres(connection()):
        pytest.skip("PostgreSQL's transactions do not wait for one another to read")
    now = clock.now()
    busy = await _replies("busy", [f"b{n}" for n in range(BACKLOG)], now)
    transport = NumberTransport("busy", clock)

    async def ingest() -> None:
        while True:
            async with in_transaction("default"):
                await clock.sleep(0.5)
            await asyncio.sleep(0)

    held = asyncio.create_task(ingest())
    worker = OutboxWorker({busy: transport}.get, InProcessBus(), clock=clock)
    started = clock.monotonic()
    await worker.start()
    try:
        await eventually(lambda: _past(clock, started + 6.5), what="the worker's 6.5 s")
    finally:
        held.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await held
        await worker.close()
    # From the second second on: the first slow pass teaches the worker how far to reach.
    window = [at for at, _ in transport.sent if started + 2 <= at < started + 6]
    assert len(window) >= 0.95 * 4 / NUMBER_PACE  # 95 % of 80/s over 4 s


async def _past(clock: FakeClock, moment: float) -> bool:
    return clock.monotonic() >= moment
