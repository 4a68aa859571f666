"""Issue 14, on both databases: a file stored on arrival is recorded stored by the inbox
(nothing to download), the visitor's history and file reads find it, and "seen" follows
the panel's read marks."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from core.events import EventKind, InboundEvent, MediaRef, MessageKind, Platform, Sender
from core.media import STORED_PREFIX, pending
from core.models import Message
from core.visitors import seen_up_to, visitor_file, visitor_messages
from tests.core.desk.helpers import World, running_world
from tests.panel.helpers import make_user

DIGEST = hashlib.sha256(b"a picture").hexdigest()


@pytest.fixture
async def world(any_database) -> AsyncIterator[World]:
    async for started in running_world():
        yield started


async def test_issue_14_a_stored_file_is_the_visitors_and_seen_follows_read_marks(world):
    (stored,) = await world.inbox.ingest([InboundEvent(
        platform=Platform.TELEGRAM, channel_id=world.channel_id, kind=EventKind.MESSAGE,
        external_id="f1", sender=Sender(external_id="v1", display_name="نگار"), chat_id="v1",
        message_kind=MessageKind.PHOTO, occurred_at=datetime.now(UTC),
        media=MediaRef(file_id=STORED_PREFIX + DIGEST, mime_type="image/png",
                       file_name="رسید.png", size=9),
    )])
    message = await Message.get(conversation_id=stored.conversation_id)
    assert message.media["stored"] == DIGEST and not pending(message.media)
    (shown,) = await visitor_messages(world.channel_id, "v1")
    assert shown.file is not None and shown.file.name == "رسید.png"
    found = await visitor_file(world.channel_id, "v1", message.id)
    assert found is not None and (found.digest, found.mime_type) == (DIGEST, "image/png")
    assert await visitor_file(world.channel_id, "v2", message.id) is None  # not another's
    assert await visitor_file(world.channel_id + 1, "v1", message.id) is None

    assert await seen_up_to(world.channel_id, "v1") == 0
    agent = await world.desk.viewer(await make_user("agent@example.com", "agent"))
    await world.desk.conversation(agent, stored.conversation_id)  # the panel shows it
    assert await seen_up_to(world.channel_id, "v1") >= message.id
    assert await seen_up_to(world.channel_id, "v2") == 0
