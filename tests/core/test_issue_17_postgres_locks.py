"""Two processes on PostgreSQL: the rows one locks may still be referenced by the other.

The soak (`bench/soak.py --backend postgres`) saw ingest and the conversation engine of
two processes deadlock many times a minute: the engine locked its conversations
`FOR UPDATE`, which holds back any insert referencing them (a message's foreign key takes
`FOR KEY SHARE`), while the other process's ingest held, also `FOR UPDATE`, the identity
that the engine's outbox row references. `FOR NO KEY UPDATE` still serialises the writers
of those rows, and lets references through."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from tortoise.transactions import in_transaction

from core.conversations import _load
from core.inbox import _BatchWriter
from core.models import Channel, Conversation, Customer, Identity, Message, OutboxItem

A_REFERENCE_WAITS = 5.0  # seconds: far more than an insert takes, far less than forever


@pytest.fixture
async def postgres(any_database):
    if any_database.is_embedded_database:
        pytest.skip("SQLite has one writer at a time: nothing to lock row by row")
    return any_database


async def _conversation() -> tuple[Conversation, Message]:
    channel = await Channel.create(platform="telegram", key="1")
    customer = await Customer.create()
    identity = await Identity.create(customer=customer, channel=channel, external_id="7")
    now = datetime.now(UTC)
    conversation = await Conversation.create(
        channel=channel, customer=customer, identity=identity, chat_id="7",
        created_at=now, last_message_at=now)
    message = await Message.create(conversation=conversation, channel=channel, direction="in",
                                   author="customer", kind="text", text="سلام",
                                   external_id="7:1", created_at=now)
    return conversation, message


async def _while_locked(lock, reference) -> None:
    """`reference` in a transaction of its own while `lock`'s transaction holds its rows."""
    locked, done = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with in_transaction("default") as conn:
            await lock(conn)
            locked.set()
            await done.wait()

    holding = asyncio.create_task(holder())
    try:
        await asyncio.wait_for(locked.wait(), A_REFERENCE_WAITS)

        async def referencing() -> None:
            async with in_transaction("default") as conn:
                await reference(conn)

        await asyncio.wait_for(referencing(), A_REFERENCE_WAITS)
    finally:
        done.set()
        await holding


async def test_a_message_can_be_stored_while_the_engine_holds_its_conversation(postgres):
    conversation, message = await _conversation()

    async def store_the_next_message(conn) -> None:
        await Message.create(conversation_id=conversation.id, channel_id=conversation.channel_id,
                             direction="in", author="customer", kind="text", text="ممنون",
                             external_id="7:2", created_at=datetime.now(UTC), using_db=conn)

    await _while_locked(lambda conn: _load(conn, [message.id]), store_the_next_message)
    assert await Message.filter(conversation_id=conversation.id).count() == 2


async def test_a_reply_can_be_queued_while_ingest_holds_the_customer(postgres):
    conversation, message = await _conversation()

    async def queue_a_reply(conn) -> None:
        await OutboxItem.create(channel_id=conversation.channel_id, message_id=message.id,
                                identity_id=conversation.identity_id, chat_id="7",
                                payload={}, next_attempt_at=datetime.now(UTC),
                                created_at=datetime.now(UTC), using_db=conn)

    async def ingest_holds_the_identity(conn) -> None:
        found = await _BatchWriter(conn)._select_identities([(conversation.channel_id, "7")])
        assert len(found) == 1

    await _while_locked(ingest_holds_the_identity, queue_a_reply)
    assert await OutboxItem.all().count() == 1
