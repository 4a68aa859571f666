"""The conversation engine: flows run over stored messages, in order, exactly once."""

from __future__ import annotations

from functools import partial

import pytest

from core.bus import InProcessBus
from core.conversations import ConversationEngine
from core.inbox import Inbox
from core.models import Channel, Conversation, Message, OutboxItem
from flows import FlowConfig, decide
from tests.core.test_inbox import message
from tests.integration.helpers import eventually

pytestmark = pytest.mark.usefixtures("any_database")


@pytest.fixture
async def channel_id():
    return (await Channel.create(platform="telegram", key="123456")).id


async def _ingest(*events):
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        return await inbox.ingest(list(events))
    finally:
        await inbox.close()


def _engine(wakes: list[int]) -> ConversationEngine:
    return ConversationEngine(partial(decide, config=FlowConfig()), InProcessBus(),
                              lambda: wakes.append(1))


async def test_messages_stored_before_a_crash_are_answered_after_restart(channel_id):
    await _ingest(message("سلام", channel_id=channel_id))  # stored; no engine ran
    wakes: list[int] = []
    engine = _engine(wakes)
    await engine.start()  # start = recover what is unprocessed, then run
    try:
        await eventually(_nothing_unprocessed, what="the stored message processed")
    finally:
        await engine.close()
    reply = await Message.get(direction="out")
    assert "خوش آمدید" in reply.text
    assert reply.delivery == "queued"
    assert await OutboxItem.filter(message_id=reply.id).count() == 1
    assert wakes


async def _nothing_unprocessed() -> bool:
    return not await Message.filter(direction="in", processed=False).exists()


async def test_a_handoff_puts_the_conversation_in_the_queue_once(channel_id):
    await _ingest(message("سلام", message_id=1, channel_id=channel_id),
                  message("اپراتور", message_id=2, channel_id=channel_id),
                  message("هنوز منتظرم", message_id=3, channel_id=channel_id))
    engine = _engine([])
    await engine.start()
    try:
        await eventually(_nothing_unprocessed, what="all processed")
    finally:
        await engine.close()
    conversation = await Conversation.first()
    assert conversation.status == "pending"
    assert conversation.flow_state["step"] == "with_agent"
    replies = await Message.filter(direction="out").order_by("id").values_list("text", flat=True)
    assert len(replies) == 2  # welcome, then "a person will answer"; silence after that


async def test_recovery_does_not_answer_twice(channel_id):
    await _ingest(message("سلام", channel_id=channel_id))
    for _ in range(2):  # two restarts in a row
        engine = _engine([])
        await engine.start()
        await eventually(_nothing_unprocessed, what="processed")
        await engine.close()
    assert await OutboxItem.all().count() == 1
