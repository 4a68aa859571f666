"""The outbox worker against a database and a transport that records what it is given.

The transport is a real object implementing the `Transport` protocol, not a mock chain:
it answers from a script of outcomes, the way a platform would. The worker runs on a fake
clock that jumps to its next deadline, so paces and retry delays take no real time.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core.bus import InProcessBus
from core.clock import SYSTEM_CLOCK, Clock
from core.delivery import Pace, PermanentError, RetryLater, TransientError
from core.events import EventKind, InboundEvent, OutboundMessage, Platform, Sender, SendResult
from core.inbox import Inbox
from core.models import (
    Channel,
    Conversation,
    Customer,
    EarlyReceipt,
    Identity,
    Message,
    OutboxItem,
)
from core.outbox import OutboxWorker, RetryPolicy, _mark_started
from core.ratelimit import MIN_SPACING
from tests.fakes.clock import FakeClock
from tests.integration.helpers import eventually

pytestmark = pytest.mark.usefixtures("any_database")


class ScriptedTransport:
    """Records each send with the time on `clock` (the worker's)."""

    def __init__(self, *outcomes: Exception | None, clock: Clock = SYSTEM_CLOCK) -> None:
        self.script = deque(outcomes)
        self.sent: list[tuple[float, OutboundMessage]] = []
        self._clock = clock

    def reply_window(self, message: OutboundMessage):
        return None

    def pacing(self, message: OutboundMessage):
        return (Pace("chat", message.chat_id, 0.2),)

    async def send(self, message: OutboundMessage) -> SendResult:
        outcome = self.script.popleft() if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append((self._clock.monotonic(), message))
        return SendResult(external_id=f"{message.chat_id}:{len(self.sent)}")


async def _queue(chat_id: str, count: int = 1, *, unreachable: bool = False) -> int:
    channel, _ = await Channel.get_or_create(platform="telegram", key="1")
    customer = await Customer.create()
    identity = await Identity.create(customer=customer, channel=channel, external_id=chat_id,
                                     unreachable=unreachable)
    now = datetime.now(UTC)
    conversation = await Conversation.create(
        channel=channel, customer=customer, identity=identity, chat_id=chat_id,
        created_at=now, last_message_at=now)
    for n in range(count):
        message = OutboundMessage(platform=Platform.TELEGRAM, channel_id=channel.id,
                                  chat_id=chat_id, text=f"reply {n}")
        row = await Message.create(conversation=conversation, channel=channel, direction="out",
                                   author="bot", kind="text", text=message.text, created_at=now)
        await OutboxItem.create(channel=channel, identity=identity, chat_id=chat_id,
                                message=row, payload=message.to_payload(), next_attempt_at=now,
                                created_at=now)
    return channel.id


@pytest.fixture
async def clock() -> AsyncIterator[FakeClock]:
    async with FakeClock().jumping() as clock:
        yield clock


async def _run(transport, clock: Clock, **options) -> OutboxWorker:
    worker = OutboxWorker(lambda _: transport, InProcessBus(), clock=clock,
                          policy=options.pop("policy", RetryPolicy(base_delay=0.05)), **options)
    await worker.start()
    return worker


async def _states() -> list[str]:
    return await OutboxItem.all().order_by("id").values_list("state", flat=True)


async def test_replies_to_one_chat_are_paced(clock):
    await _queue("9", count=3)
    transport = ScriptedTransport(clock=clock)
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("sent"), what="all sent")
    finally:
        await worker.close()
    times = [at for at, _ in transport.sent]
    assert [m.text for _, m in transport.sent] == ["reply 0", "reply 1", "reply 2"]
    # Slots are 0.2 s apart; a send woken late keeps MIN_SPACING of an interval from the last.
    assert all(later - earlier >= 0.2 * MIN_SPACING
               for earlier, later in zip(times, times[1:], strict=False))


async def _all_in(state: str) -> bool:
    states = await _states()
    return bool(states) and set(states) == {state}


async def test_retry_after_and_server_errors_are_retried_then_sent(clock):
    await _queue("9")
    transport = ScriptedTransport(RetryLater("429", retry_after=0.1), TransientError("502"),
                                  clock=clock)
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent after retries")
    finally:
        await worker.close()
    item = await OutboxItem.first()
    assert item.attempts == 3
    assert len(transport.sent) == 1


async def test_permanent_errors_fail_at_once_with_the_reason(clock):
    await _queue("9")
    worker = await _run(ScriptedTransport(PermanentError("Telegram: message is too long")), clock)
    try:
        await eventually(lambda: _all_in("failed"), what="failed")
    finally:
        await worker.close()
    item = await OutboxItem.first()
    assert (item.attempts, item.last_error) == (1, "Telegram: message is too long")


async def test_nothing_is_sent_to_an_unreachable_customer(clock):
    await _queue("9", count=2, unreachable=True)
    transport = ScriptedTransport()
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("cancelled"), what="cancelled")
    finally:
        await worker.close()
    assert transport.sent == []


async def test_a_claim_left_by_a_dead_run_is_sent_again_and_flagged(clock):
    await _queue("9")
    await OutboxItem.all().update(state="sending", attempts=1, send_started=True)
    transport = ScriptedTransport()
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent")
    finally:
        await worker.close()
    item = await OutboxItem.first()
    assert item.possibly_duplicated is True
    assert len(transport.sent) == 1


async def test_a_claim_whose_send_never_started_is_sent_again_unflagged(clock):
    """Claimed ahead of its slot, and the run died before the slot: nothing reached the
    platform, so the repeat is not a possible duplicate."""
    await _queue("9")
    await OutboxItem.all().update(state="sending", attempts=1, send_started=False)
    transport = ScriptedTransport()
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent")
    finally:
        await worker.close()
    item = await OutboxItem.first()
    assert (item.possibly_duplicated, item.attempts) == (False, 2)
    assert len(transport.sent) == 1


class StartCheckingTransport(ScriptedTransport):
    """Reads, at the platform call, what a run killed at that moment would leave."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.seen_at_send: list[tuple[str, bool]] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        row = await OutboxItem.get(id=message.outbox_id)
        self.seen_at_send.append((row.state, row.send_started))
        return await super().send(message)


async def test_the_start_of_a_send_is_committed_before_the_platform_call(clock):
    await _queue("9", count=3)
    transport = StartCheckingTransport(clock)
    worker = await _run(transport, clock)
    try:
        await eventually(lambda: _all_in("sent"), what="all sent")
    finally:
        await worker.close()
    assert transport.seen_at_send == [("sending", True)] * 3


async def test_only_a_claim_still_in_hand_is_marked_started():
    """A sender that lost its lease still holds its claims; the new sender has taken the rows
    back (pending again, or claimed anew): the old one may send only what is still its."""
    await _queue("9", count=3)
    ours, reclaimed, claimed_anew = await OutboxItem.all().order_by("id")
    await OutboxItem.filter(id__in=[ours.id, claimed_anew.id]).update(state="sending",
                                                                      attempts=1)
    await OutboxItem.filter(id=claimed_anew.id).update(attempts=2)  # the new sender's claim
    async with in_transaction("default") as tx:
        started = await _mark_started(tx, {ours.id: 1, reclaimed.id: 1, claimed_anew.id: 1})
    assert started == {ours.id}
    assert await OutboxItem.filter(send_started=True).values_list("id", flat=True) == [ours.id]


async def test_a_chat_keeps_its_order_while_its_first_reply_is_retried(clock):
    await _queue("9", count=2)
    transport = ScriptedTransport(TransientError("502"), clock=clock)  # "reply 0" fails once
    worker = await _run(transport, clock, policy=RetryPolicy(base_delay=0.5))
    try:
        await eventually(lambda: _all_in("sent"), what="both sent")
    finally:
        await worker.close()
    assert [m.text for _, m in transport.sent] == ["reply 0", "reply 1"]


async def test_a_receipt_that_arrives_before_the_send_is_recorded_still_counts(clock):
    channel_id = await _queue("9")
    # The platform's "read" for our message lands before the outbox has recorded its id
    # (ScriptedTransport's first id for chat 9 is "9:1").
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        for status in ("read", "delivered"):
            await inbox.ingest([InboundEvent(
                platform=Platform.TELEGRAM, channel_id=channel_id, kind=EventKind.STATUS,
                external_id="9:1", sender=Sender(external_id="9", display_name=""),
                chat_id="9", delivery_status=status, occurred_at=datetime.now(UTC))])
    finally:
        await inbox.close()
    assert await EarlyReceipt.all().count() == 2
    worker = await _run(ScriptedTransport(), clock)
    try:
        await eventually(lambda: _all_in("sent"), what="sent")
        await eventually(_no_receipts, what="receipt applied")
    finally:
        await worker.close()
    message = await Message.get(direction="out")
    assert (message.external_id, message.delivery) == ("9:1", "read")


async def _no_receipts() -> bool:
    return not await EarlyReceipt.all().exists()


class Lease:
    """A sender lease decided by the test (core/leadership.py needs PostgreSQL)."""

    def __init__(self, held: bool) -> None:
        self.held = asyncio.Event()
        if held:
            self.held.set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def test_a_row_written_in_another_process_wakes_the_sender_at_once():
    """Only the lease holder sends; a reply written in another process (a web-chat visitor's
    message ingested there) must not wait for the sender's next poll, here an hour."""
    bus, transport = InProcessBus(), ScriptedTransport()
    sender = OutboxWorker(lambda _: transport, bus, sender_lease=Lease(held=True),
                          poll_seconds=3600)
    other = OutboxWorker(lambda _: transport, bus, sender_lease=Lease(held=False),
                         poll_seconds=0.05)  # how often it asks for the lease: not for rows
    await _queue("1")
    await sender.start()
    await other.start()
    try:
        await eventually(lambda: _true(len(transport.sent) == 1), what="the first send")
        await _queue("2")  # the sender has looked and waits for its next poll
        other.wake()
        await eventually(lambda: _true(len(transport.sent) == 2), what="the woken send")
        assert [message.chat_id for _, message in transport.sent] == ["1", "2"]
    finally:
        await other.close()
        await sender.close()


async def _true(value: bool) -> bool:
    return value
