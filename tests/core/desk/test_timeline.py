"""core/desk/timeline.py: the customer's whole history with notes, and the reply window it shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.events import MessageKind
from core.models import Message, OutboxItem
from tests.panel.helpers import make_user


async def test_notes_stay_in_the_timeline_and_never_reach_the_outbox(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(1, "سلام")
    await world.desk.add_note(agent, conversation, "مشتری ویژه است")
    detail = await world.desk.conversation(agent, conversation)
    assert [(e.is_note, e.text) for e in detail.timeline] == [
        (False, "سلام"), (True, "مشتری ویژه است")]
    assert not await OutboxItem.exists()


async def test_the_timeline_holds_every_conversation_of_the_customer(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    first = await world.message(1, "اولی")
    await world.desk.resolve(agent, first)
    second = await world.message(1, "دومی", kind=MessageKind.PHOTO)
    assert second != first
    detail = await world.desk.conversation(agent, second)
    assert detail.conversation_ids == (first, second)
    texts = [e.text for e in detail.timeline if e.author == "customer"]
    assert texts == ["اولی", "[عکس] دومی"]


async def test_no_window_rule_means_the_reply_box_stays_open(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await world.message(1, "سلام")
    await Message.filter(author="customer").update(
        created_at=datetime.now(UTC) - timedelta(days=30))
    assert not (await world.desk.conversation(owner, conversation)).reply_window.closed
    await world.desk.reply(owner, conversation, "سلام")
