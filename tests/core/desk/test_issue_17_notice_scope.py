"""Issue 17, item 7: which live notices a viewer may hear of, on both databases."""

from __future__ import annotations

from core.desk import Viewer
from core.models import Conversation, Message, Team


async def test_issue_17_notices_follow_the_viewers_scope(world):
    sales, billing = await Team.create(name="sales"), await Team.create(name="billing")
    mine = await world.message(7801, "سلام")
    theirs = await world.message(7802, "سلام")
    await Conversation.filter(id=mine).update(team_id=sales.id)
    await Conversation.filter(id=theirs).update(team_id=billing.id)
    their_message = await Message.filter(conversation_id=theirs).first()
    assert their_message is not None
    agent = Viewer(1, "a@example.com", "", "agent", (sales.id,))
    owner = Viewer(2, "o@example.com", "", "owner", ())
    desk = world.desk
    assert await desk.notice_visible(agent, {"conversation_id": mine})
    assert not await desk.notice_visible(agent, {"conversation_id": theirs})
    assert not await desk.notice_visible(agent, {"message_id": their_message.id})
    assert not await desk.notice_visible(agent, {"conversation_id": 2**70})
    assert not await desk.notice_visible(agent, {"conversation_id": True})
    assert not await desk.notice_visible(agent, {})
    assert await desk.notice_visible(owner, {"conversation_id": theirs})
