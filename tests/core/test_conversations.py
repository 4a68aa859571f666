"""The conversation engine: flows run over stored messages, in order, exactly once."""

from __future__ import annotations

from functools import partial

import pytest

from core.actions import FlowResult, Reply, Turn
from core.bus import InProcessBus
from core.conversations import ConversationEngine
from core.events import Button, ConversationStatus, MessageKind, Platform
from core.inbox import Inbox
from core.message_meta import decode_meta
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


async def test_issue_13_the_flow_gets_the_turn_in_enums(channel_id):
    seen: list[Turn] = []

    def remember(state, turn):
        seen.append(turn)
        return FlowResult(state=state)

    await _ingest(message("سلام", channel_id=channel_id))
    engine = ConversationEngine(remember, InProcessBus(), lambda: None)
    await engine.start()
    try:
        await eventually(_nothing_unprocessed, what="processed")
    finally:
        await engine.close()
    (turn,) = seen
    assert turn.message_kind is MessageKind.TEXT
    assert turn.conversation_status is ConversationStatus.OPEN
    assert turn.channel is Platform.TELEGRAM
    assert turn.system_event is None and not turn.is_group_chat


async def test_recovery_does_not_answer_twice(channel_id):
    await _ingest(message("سلام", channel_id=channel_id))
    for _ in range(2):  # two restarts in a row
        engine = _engine([])
        await engine.start()
        await eventually(_nothing_unprocessed, what="processed")
        await engine.close()
    assert await OutboxItem.all().count() == 1


async def test_replies_written_together_keep_their_order_text_and_buttons(channel_id):
    """A batch's bot messages are written in multi-row statements: each outbox row must
    still point at its own message, alike texts with other buttons included."""
    menu = (Button(title="منو", payload="menu"),)

    def several_replies(state, turn):
        return FlowResult(state=state, actions=(Reply(text="یک"), Reply(text="دو", buttons=menu),
                                                Reply(text="یک"), Reply(text="دو")))

    await _ingest(message("سلام", message_id=1, channel_id=channel_id),
                  message("سلام", user="43", message_id=1, channel_id=channel_id))
    engine = ConversationEngine(several_replies, InProcessBus(), lambda: None)
    await engine.start()
    try:
        await eventually(_nothing_unprocessed, what="both processed")
    finally:
        await engine.close()
    for chat in ("42", "43"):
        rows = await OutboxItem.filter(chat_id=chat).order_by("id")
        messages = [await Message.get(id=row.message_id) for row in rows]
        assert [m.id for m in messages] == sorted(m.id for m in messages)
        assert [(m.text, decode_meta(m.meta).buttons) for m in messages] == [
            ("یک", ()), ("دو", (("منو", "menu"),)), ("یک", ()), ("دو", ())]
        assert [row.payload["text"] for row in rows] == ["یک", "دو", "یک", "دو"]
        assert len({m.conversation_id for m in messages}) == 1
