"""The panel's pages over real HTTP, with Telegram messages arriving through the webhook
and replies going out to the fake Bot API."""

from __future__ import annotations

import asyncio
import json

from core.models import Conversation, Message, Team
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import log_in, make_user, post_form


async def _conversation_of(chat_id: int) -> Conversation:
    await eventually(lambda: Conversation.exists(chat_id=str(chat_id)), what="conversation")
    return await Conversation.get(chat_id=str(chat_id))


async def test_the_inbox_lists_a_telegram_conversation_escaped(pasokh):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6001, "<b>bold</b> \u202eabc",
                                          first_name="<img src=x onerror=alert(1)>"))
    await _conversation_of(6001)
    await log_in(pasokh, "agent@example.com")
    page = await (await pasokh.get("/")).text()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>bold</b>" not in page and "\u202e" not in page
    assert 'class="platform platform-telegram"' in page


async def test_an_agent_reply_reaches_telegram_and_shows_its_delivery(pasokh, fake_telegram):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6002, "سلام"))
    conversation = await _conversation_of(6002)
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(6002))  # the bot's welcome
    await log_in(pasokh, "agent@example.com")
    response = await post_form(pasokh, f"/conversations/{conversation.id}/reply",
                               {"text": "سلام، من سارا هستم"}, htmx=True)
    assert response.status == 200
    assert "سلام، من سارا هستم" in await response.text()
    await fake_telegram.wait_for(
        lambda fake: any(m["text"] == "سلام، من سارا هستم" for m in fake.sent_messages(6002)))
    agent_message = await Message.get(author="agent")
    await eventually(lambda: _delivered(agent_message.id), what="sent recorded")
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert "delivery-sent" in page


async def _delivered(message_id: int) -> bool:
    return (await Message.get(id=message_id)).delivery == "sent"


async def test_a_refused_reply_keeps_the_page_and_says_why(pasokh):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6003, "سلام"))
    conversation = await _conversation_of(6003)
    await log_in(pasokh, "agent@example.com")
    response = await post_form(pasokh, f"/conversations/{conversation.id}/reply",
                               {"text": "   "}, htmx=True)
    assert response.headers["X-Pasokh-Error"] == "1"
    assert "اول پاسخ را بنویسید" in await response.text()


async def test_an_agent_of_team_a_gets_404_for_team_b(pasokh):
    await make_user("a@example.com", "agent", "A")
    await make_user("b@example.com", "agent", "B")
    await post_update(pasokh, text_update(6004, "سلام"))
    conversation = await _conversation_of(6004)
    await Conversation.filter(id=conversation.id).update(team_id=(await Team.get(name="B")).id)
    await log_in(pasokh, "a@example.com")
    for path in (f"/conversations/{conversation.id}", f"/conversations/{conversation.id}/live",
                 "/conversations/999999", "/conversations/abc"):
        assert (await pasokh.get(path)).status == 404, path
    refused = await post_form(pasokh, f"/conversations/{conversation.id}/reply", {"text": "x"})
    assert refused.status == 404
    assert not await Message.exists(author="agent")


async def test_resolve_reopen_assign_snooze_and_notes_through_the_forms(pasokh):
    agent_id = await make_user("a@example.com", "owner", "A")
    await post_update(pasokh, text_update(6005, "سلام"))
    conversation = await _conversation_of(6005)
    await log_in(pasokh, "a@example.com")
    base = f"/conversations/{conversation.id}"
    team_id = (await Team.get(name="A")).id
    assert (await post_form(pasokh, f"{base}/assign",
                            {"assignee": str(agent_id), "team": str(team_id)})).status == 303
    assert (await post_form(pasokh, f"{base}/note", {"text": "یادداشت"})).status == 303
    assert (await post_form(pasokh, f"{base}/snooze",
                            {"date": "۱۵۰۰/۱/۱", "time": "۰۹:۳۰"})).status == 303
    stored = await Conversation.get(id=conversation.id)
    assert (stored.assignee_id, stored.team_id, stored.status) == (agent_id, team_id, "snoozed")
    bad = await post_form(pasokh, f"{base}/snooze", {"date": "1405/13/40"})
    assert bad.status == 422
    assert (await post_form(pasokh, f"{base}/resolve")).status == 303
    assert (await post_form(pasokh, f"{base}/reopen")).status == 303
    stored = await Conversation.get(id=conversation.id)
    assert (stored.status, stored.reopen_count) == ("pending", 1)
    page = await (await pasokh.get(base)).text()
    assert "یادداشت" in page and "گفتگو بسته شد" in page


async def test_the_live_stream_tells_of_a_new_message(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    response = await pasokh.get("/events")
    assert response.headers["Content-Type"] == "text/event-stream"
    await response.content.readuntil(b"\n\n")  # the retry hint
    await post_update(pasokh, text_update(6006, "سلام"))
    received = b""
    while b"message.new" not in received:
        received += await asyncio.wait_for(response.content.readuntil(b"\n\n"), 10)
    data = json.loads(received.split(b"data: ")[1].split(b"\n")[0])
    assert data["conversation_id"] == (await _conversation_of(6006)).id
    response.close()


async def test_the_live_stream_needs_a_login(pasokh):
    assert (await pasokh.get("/events")).status == 401
