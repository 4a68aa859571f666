"""The search index is written with the messages (issue 13): the customer's by the inbox,
the bot's by the engine, an agent's by the desk; messages stored before are indexed once."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from core.conversations import ConversationEngine
from core.db import connection
from core.events import EventKind, InboundEvent, MessageKind, Platform, Sender
from core.models import Message, SearchEntry
from core.search_index import catch_up_in_background, index_unindexed
from core.text import normalize
from flows import FlowConfig, decide
from tests.core.desk.helpers import running_world
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user


@pytest.fixture
async def world(any_database):
    async for started in running_world():
        yield started


async def _entries() -> dict[int, str]:
    return dict(await SearchEntry.all().values_list("id", "body"))


async def test_issue_13_every_message_is_indexed_as_it_is_written(world):
    conversation = await world.message(1, "كيف قرمز")
    (customer,) = await Message.all()
    assert await _entries() == {customer.id: normalize("كيف قرمز")}

    engine = ConversationEngine(partial(decide, config=FlowConfig()), world.bus, lambda: None)
    await engine.start()
    try:
        await eventually(lambda: Message.exists(direction="out"), what="the bot's reply")
    finally:
        await engine.close()
    bot = await Message.get(author="bot")
    assert (await _entries())[bot.id] == normalize(bot.text)

    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    agent_message = await world.desk.reply(owner, conversation, "سفارش ۱۲۳۴ ارسال شد")
    entries = await _entries()
    assert entries[agent_message] == normalize("سفارش ۱۲۳۴ ارسال شد")
    texts = await Message.exclude(text=None).values_list("id", flat=True)
    assert sorted(entries) == sorted(texts)


async def test_issue_13_messages_stored_before_are_indexed_once(world):
    for chat, text in ((1, "سلام"), (2, "نمی‌دانم"), (3, None)):
        await world.message(chat, text)
    written = await _entries()
    await SearchEntry.all().delete()  # as a version that indexed while searching left them

    assert await index_unindexed(connection(), batch=1) == 2
    assert await _entries() == written
    assert sorted(written) == sorted(
        await Message.exclude(text=None).values_list("id", flat=True))
    assert len(written) == 2
    assert await index_unindexed(connection()) == 0


async def test_issue_13_an_edited_message_is_found_by_its_new_text(world):
    await world.message(1, "کیف قرمز")
    (original,) = await Message.all()
    await world.inbox.ingest([InboundEvent(
        platform=Platform.TELEGRAM, channel_id=world.channel_id, kind=EventKind.EDIT,
        external_id=original.external_id, sender=Sender(external_id="1", display_name="مریم"),
        chat_id="1", message_kind=MessageKind.TEXT, text="کیف آبی",
        occurred_at=datetime.now(UTC),
    )])
    assert await _entries() == {original.id: normalize("کیف آبی")}


async def test_issue_19_earlier_messages_are_indexed_in_the_background_between_pauses(world):
    for chat, text in ((1, "سلام"), (2, "کیف قرمز"), (3, "کفش")):
        await world.message(chat, text)
    written = await _entries()
    await SearchEntry.all().delete()  # a large database whose migration left them
    pauses = []

    async def pause() -> None:
        pauses.append(len(await _entries()))

    assert await index_unindexed(connection(), batch=1, pause=pause) == 3
    assert pauses == [1, 2, 3]  # a pause after every batch: requests go in between
    assert await _entries() == written

    await SearchEntry.all().delete()
    await catch_up_in_background()  # the runtime's task at start
    assert await _entries() == written
