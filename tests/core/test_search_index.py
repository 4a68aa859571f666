"""The search index is written with the messages (issue 13): the customer's by the inbox,
the bot's by the engine, an agent's by the desk; messages stored before are indexed once."""

from __future__ import annotations

from functools import partial

import pytest

from core.bus import InProcessBus
from core.conversations import ConversationEngine
from core.db import connection
from core.desk import Desk
from core.inbox import Inbox
from core.models import Channel, Conversation, Message, SearchEntry
from core.search_index import index_unindexed
from core.text import normalize
from flows import FlowConfig, decide
from tests.core.test_inbox import message
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user

pytestmark = pytest.mark.usefixtures("any_database")


async def _ingest(*events):
    inbox = Inbox(InProcessBus())
    await inbox.start()
    try:
        return await inbox.ingest(list(events))
    finally:
        await inbox.close()


async def _entries() -> dict[int, str]:
    return dict(await SearchEntry.all().values_list("id", "body"))


async def test_issue_13_every_message_is_indexed_as_it_is_written():
    channel_id = (await Channel.create(platform="telegram", key="123456")).id
    (stored,) = await _ingest(message("كيف قرمز", channel_id=channel_id))
    assert await _entries() == {stored.message_id: normalize("كيف قرمز")}

    engine = ConversationEngine(partial(decide, config=FlowConfig()), InProcessBus(),
                                lambda: None)
    await engine.start()
    try:
        await eventually(lambda: Message.exists(direction="out"), what="the bot's reply")
    finally:
        await engine.close()
    bot = await Message.get(author="bot")
    assert (await _entries())[bot.id] == normalize(bot.text)

    desk = Desk(InProcessBus(), lambda: None, lambda ids: None)
    owner = await desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await Conversation.get()
    agent_message = await desk.reply(owner, conversation.id, "سفارش ۱۲۳۴ ارسال شد")
    entries = await _entries()
    assert entries[agent_message] == normalize("سفارش ۱۲۳۴ ارسال شد")
    texts = await Message.exclude(text=None).values_list("id", flat=True)
    assert sorted(entries) == sorted(texts)


async def test_issue_13_messages_stored_before_are_indexed_once():
    channel_id = (await Channel.create(platform="telegram", key="123456")).id
    stored = await _ingest(message("سلام", message_id=1, channel_id=channel_id),
                           message("نمی‌دانم", message_id=2, channel_id=channel_id),
                           message(None, message_id=3, channel_id=channel_id))
    written = await _entries()
    await SearchEntry.all().delete()  # as a version that indexed while searching left them

    assert await index_unindexed(connection(), batch=1) == 2
    assert await _entries() == written
    assert sorted(written) == [stored[0].message_id, stored[1].message_id]
    assert await index_unindexed(connection()) == 0
