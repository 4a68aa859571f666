"""Issue 17, item 7: an agent's live stream tells only of conversations they may open."""

from __future__ import annotations

import asyncio
import json

from admin_panel.typedefs import BUS
from core.desk import PRESENCE_TOPIC
from core.models import Message, Team
from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import log_in, make_user
from tests.panel.test_pages import _conversation_of


async def _next_event(stream) -> tuple[str, dict]:
    while True:
        block = (await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 10)).decode()
        fields = dict(line.split(": ", 1) for line in block.strip().splitlines()
                      if ": " in line and not line.startswith(":"))
        if "event" in fields:
            return fields["event"], json.loads(fields["data"])


async def test_issue_17_the_live_stream_hides_other_teams_conversations(pasokh):
    await make_user("agent@example.com", "agent", "sales")
    await post_update(pasokh, text_update(7701, "سلام"))
    await post_update(pasokh, text_update(7702, "سلام"))
    hidden, shown = await _conversation_of(7701), await _conversation_of(7702)
    billing = await Team.create(name="billing")
    hidden.team_id = billing.id
    await hidden.save(update_fields=["team_id"])
    hidden_message = await Message.filter(conversation_id=hidden.id).first()
    assert hidden_message is not None

    await log_in(pasokh, "agent@example.com")
    stream = await pasokh.get("/events")
    await stream.content.readuntil(b"\n\n")  # the retry hint
    bus = pasokh.server.app[BUS]
    await bus.publish(PRESENCE_TOPIC, {"conversation_id": hidden.id, "user_id": 99,
                                       "typing": True})
    await bus.publish("conversation.updated", {"conversation_id": hidden.id,
                                               "status": "resolved"})
    await bus.publish("message.new", {"conversation_id": hidden.id, "message_id": 1})
    await bus.publish("message.delivery", {"message_id": hidden_message.id,
                                           "state": "delivered"})
    await bus.publish("conversation.updated", {"conversation_id": "x"})  # no id: for owners
    await bus.publish("conversation.updated", {"conversation_id": shown.id,
                                               "status": "open"})
    topic, data = await _next_event(stream)
    assert (topic, data) == ("conversation.updated",
                             {"conversation_id": shown.id, "status": "open"})
    stream.close()


async def test_issue_17_an_owner_hears_of_every_team(pasokh):
    await make_user("owner@example.com", "owner")
    await post_update(pasokh, text_update(7703, "سلام"))
    conversation = await _conversation_of(7703)
    conversation.team_id = (await Team.create(name="billing")).id
    await conversation.save(update_fields=["team_id"])
    await log_in(pasokh, "owner@example.com")
    stream = await pasokh.get("/events")
    await stream.content.readuntil(b"\n\n")
    await pasokh.server.app[BUS].publish("conversation.updated",
                                         {"conversation_id": conversation.id})
    assert await _next_event(stream) == ("conversation.updated",
                                         {"conversation_id": conversation.id})
    stream.close()
