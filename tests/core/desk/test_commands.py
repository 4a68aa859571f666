"""core/desk/commands.py on both databases: replies and templates, labels, resolve, snooze and
its waking, presence notices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.delivery import FileRules
from core.desk import (
    PRESENCE_TOPIC,
    ConversationNotFound,
    Desk,
    DeskError,
    InboxFilter,
    wake_snoozed,
)
from core.events import MediaRef, OutboundKind, OutboundMessage, Template
from core.media import MediaRefused
from core.models import Conversation, Message, OutboxItem, Team
from core.owner_config import InvalidConfig, parse, store
from tests.panel.helpers import make_user


async def test_a_reply_is_a_message_and_an_outbox_row_like_the_bots(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(77, "سلام")
    message_id = await world.desk.reply(agent, conversation, "  سلام، در خدمتم  ")
    message = await Message.get(id=message_id)
    assert (message.direction, message.author, message.text, message.delivery) == (
        "out", "agent", "سلام، در خدمتم", "queued")
    assert message.meta == {"by": agent.user_id}
    item = await OutboxItem.get(message_id=message_id)
    assert item.state == "pending" and item.chat_id == "77"
    assert item.payload["text"] == "سلام، در خدمتم"
    assert item.payload["author"] == "agent" and item.payload["platform"] == "telegram"
    assert world.woken == 1
    first = (await Conversation.get(id=conversation)).first_response_at
    assert first is not None
    await world.desk.reply(agent, conversation, "یک پیام دیگر")
    assert (await Conversation.get(id=conversation)).first_response_at == first
    detail = await world.desk.conversation(agent, conversation)
    assert [e.author for e in detail.timeline] == ["customer", "agent", "agent"]
    assert detail.timeline[1].author_name == "a@example.com"


async def test_replies_refused_with_a_reason(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(1, "سلام")
    for text, reason in (("   ", "Write a reply first."),
                         ("x" * 4097, "The reply is too long for one message.")):
        with pytest.raises(DeskError, match=reason):
            await world.desk.reply(agent, conversation, text)
    assert not await OutboxItem.exists()


async def test_resolve_writes_a_system_message_for_the_flows_and_reopen_counts(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(1, "ممنون")
    await world.desk.resolve(agent, conversation)
    await world.desk.resolve(agent, conversation)  # a second click changes nothing
    stored = await Conversation.get(id=conversation)
    assert stored.status == "resolved" and stored.resolved_at is not None
    (system,) = await Message.filter(author="system")
    assert (system.direction, system.kind, system.text, system.external_id, system.processed) == (
        "in", "service", None, None, False)
    assert system.meta == {"event": "resolved", "by": agent.user_id}
    assert world.submitted == [system.id]
    assert system.conversation_id == conversation

    await world.desk.reopen(agent, conversation)
    stored = await Conversation.get(id=conversation)
    assert (stored.status, stored.reopen_count, stored.resolved_at) == ("pending", 1, None)


async def test_snooze_needs_a_future_time(world):
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(1, "فردا خبر می‌دهم")
    with pytest.raises(DeskError):
        await world.desk.snooze(agent, conversation, datetime.now(UTC) - timedelta(minutes=1))
    until = datetime.now(UTC) + timedelta(days=1)
    await world.desk.snooze(agent, conversation, until)
    stored = await Conversation.get(id=conversation)
    assert stored.status == "snoozed"
    assert abs(stored.snoozed_until - until) < timedelta(seconds=1)
    await world.desk.reopen(agent, conversation)
    stored = await Conversation.get(id=conversation)
    assert (stored.status, stored.reopen_count, stored.snoozed_until) == ("pending", 0, None)


async def test_labels_are_added_once_filtered_on_and_removed(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    refund = await world.message(1, "پولم را پس بدهید")
    other = await world.message(2, "سلام")
    await world.desk.add_label(owner, refund, "  بازپرداخت\u200f ")
    await world.desk.add_label(owner, refund, "بازپرداخت")  # a double click adds nothing
    await world.desk.add_label(owner, refund, "vip")

    assert (await world.desk.conversation(owner, refund)).labels == ("vip", "بازپرداخت")
    rows = await world.desk.inbox(owner, InboxFilter(label="بازپرداخت"))
    assert [(r.conversation_id, r.labels) for r in rows] == [(refund, ("vip", "بازپرداخت"))]
    assert await world.desk.labels() == ["vip", "بازپرداخت"]
    assert [r.conversation_id for r in await world.desk.inbox(owner, InboxFilter())] == [
        other, refund]

    await world.desk.remove_label(owner, refund, "بازپرداخت")
    assert await world.desk.inbox(owner, InboxFilter(label="بازپرداخت")) == []
    assert (await world.desk.conversation(owner, refund)).labels == ("vip",)


async def test_labels_refused_with_a_reason_and_only_where_the_agent_may_look(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    conversation = await world.message(1, "سلام")
    with pytest.raises(DeskError, match="Write the label first"):
        await world.desk.add_label(owner, conversation, " \u200c ")
    with pytest.raises(DeskError, match="at most 64"):
        await world.desk.add_label(owner, conversation, "x" * 65)
    for number in range(20):
        await world.desk.add_label(owner, conversation, f"l{number}")
    with pytest.raises(DeskError, match="too many labels"):
        await world.desk.add_label(owner, conversation, "one more")

    await Conversation.filter(id=conversation).update(team_id=(await Team.get(name="B")).id)
    with pytest.raises(ConversationNotFound):
        await world.desk.add_label(agent, conversation, "x")
    with pytest.raises(ConversationNotFound):
        await world.desk.remove_label(agent, conversation, "l1")


async def test_presence_is_a_bus_notice_for_visible_conversations_only(world):
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    conversation = await world.message(1, "سلام")
    notices = world.bus.subscribe(PRESENCE_TOPIC)
    await world.desk.presence(agent, conversation, typing=True)
    notice = await asyncio.wait_for(anext(notices), 5)
    assert notice.data == {"conversation_id": conversation, "user_id": agent.user_id,
                           "typing": True}
    await notices.aclose()

    await Conversation.filter(id=conversation).update(team_id=(await Team.get(name="B")).id)
    with pytest.raises(ConversationNotFound):
        await world.desk.presence(agent, conversation, typing=False)


def _whatsapp_rule(message: OutboundMessage) -> timedelta | None:
    """WhatsApp's rule as its transport states it: templates go any time, the rest within
    24 hours of the customer's last message."""
    return None if message.kind is OutboundKind.TEMPLATE else timedelta(hours=24)


TEMPLATES = (
    "whatsapp_templates:\n"
    "  - name: order_update\n    language: fa\n    parameters: 2\n"
    "    description: سفارش {{1}} در وضعیت {{2}} است.\n"
    "  - name: hello_again\n    language: en_US\n"
)


async def test_after_the_window_the_reply_is_refused_and_a_template_goes(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    desk = Desk(world.bus, lambda: None, world.submitted.extend, _whatsapp_rule)
    await store(parse(TEMPLATES))
    conversation = await world.message(1, "سلام")
    window = (await desk.conversation(owner, conversation)).reply_window
    assert (window.closed, window.hours) == (False, 24)
    await desk.reply(owner, conversation, "در خدمتم")  # within the window

    # The agent's own reply does not keep the window open: only the customer's words do.
    await Message.filter(author="customer").update(
        created_at=datetime.now(UTC) - timedelta(hours=25))
    window = (await desk.conversation(owner, conversation)).reply_window
    assert window.closed and window.templates_allowed
    with pytest.raises(DeskError, match="too long ago"):
        await desk.reply(owner, conversation, "هنوز هستید؟")

    with pytest.raises(DeskError, match="every part"):
        await desk.send_template(owner, conversation, name="order_update", language="fa",
                                 parameters=["۱۲۳۴"])
    with pytest.raises(DeskError, match="no such template"):
        await desk.send_template(owner, conversation, name="order_update", language="en_US",
                                 parameters=[])
    sent = await desk.send_template(owner, conversation, name="order_update", language="fa",
                                    parameters=["۱۲۳۴", "ارسال\nشده"])
    message = await Message.get(id=sent)
    assert message.text == "سفارش ۱۲۳۴ در وضعیت ارسال شده است."
    payload = (await OutboxItem.get(message_id=sent)).payload
    assert OutboundMessage.from_payload(payload).template == Template(
        name="order_update", language="fa", parameters=("۱۲۳۴", "ارسال شده"))


def test_templates_in_the_configuration_are_checked():
    with pytest.raises(InvalidConfig) as refused:
        parse("whatsapp_templates:\n"
              "  - name: Bad Name\n    language: farsi\n    parameters: 11\n"
              "  - name: ok\n    language: fa\n"
              "  - name: ok\n    language: fa\n")
    problems = str(refused.value)
    assert "lower-case letters" in problems and "fa or en_US" in problems
    assert "0 to 10 parameters" in problems and "listed twice" in problems


async def test_snoozed_conversations_wake_when_their_time_comes(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    due = await world.message(1, "سلام")
    later = await world.message(2, "سلام")
    await world.desk.snooze(owner, due, datetime.now(UTC) + timedelta(hours=1))
    await world.desk.snooze(owner, later, datetime.now(UTC) + timedelta(hours=1))
    await Conversation.filter(id=due).update(snoozed_until=datetime.now(UTC) - timedelta(minutes=1))
    notices = world.bus.subscribe("conversation.updated")

    assert await wake_snoozed(world.bus, datetime.now(UTC)) == [due]
    assert (await asyncio.wait_for(anext(notices), 5)).data == {"conversation_id": due,
                                                         "status": "pending"}
    await notices.aclose()
    woken = await Conversation.get(id=due)
    assert (woken.status, woken.snoozed_until) == ("pending", None)
    assert (await Conversation.get(id=later)).status == "snoozed"
    assert await wake_snoozed(world.bus, datetime.now(UTC)) == []  # each wakes once


PNG_HEAD = b"\x89PNG\r\n\x1a\n"


async def test_an_agents_file_goes_only_where_the_channel_gives_files(world, tmp_path):
    """Issue 14: a file is refused on a channel whose transport gives none, checked against
    the channel's rules, stored, then queued as a FILE message with its stored reference."""
    agent = await world.desk.viewer(await make_user("a@example.com"))
    conversation = await world.message(5, "رسید را بفرستید")
    with pytest.raises(DeskError, match="does not take files"):
        await world.desk.reply_file(agent, conversation, PNG_HEAD + b"x", "image/png", "a.png")
    stored: list[tuple[bytes, str, str | None]] = []

    def store_file(data: bytes, declared: str, name: str | None) -> MediaRef:
        if not data.startswith((PNG_HEAD, b"%PDF")):
            raise MediaRefused("not what its type says")
        stored.append((data, declared, name))
        return MediaRef(file_id="stored:" + "ab" * 32, mime_type=declared, file_name=name,
                        size=len(data))

    rules = FileRules(types=("image/png", "application/pdf"), max_bytes=64)
    desk = Desk(world.bus, lambda: None, world.submitted.extend,
                file_rules=lambda channel_id: rules, store_file=store_file)
    assert (await desk.conversation(agent, conversation)).files == rules
    for data, kind, refusal in ((b"", "image/png", "Choose a file"),
                                (b"GIF89a", "image/gif", "cannot be sent"),
                                (PNG_HEAD + b"x" * 64, "image/png", "too large"),
                                (b"<html>", "image/png", "not what its type says")):
        with pytest.raises(DeskError, match=refusal):
            await desk.reply_file(agent, conversation, data, kind, "x.png")
    assert await Message.filter(author="agent").count() == 0
    sent = await desk.reply_file(agent, conversation, PNG_HEAD + b"x", "image/png; q=1",
                                 "\u200eرسید.png")
    message = await Message.get(id=sent)
    assert (message.author, message.kind, message.text, message.delivery) == (
        "agent", "photo", "", "queued")
    assert message.media == {"file_id": "stored:" + "ab" * 32, "mime_type": "image/png",
                             "file_name": "رسید.png", "size": 9, "stored": "ab" * 32,
                             "mime": "image/png"}
    queued = OutboundMessage.from_payload((await OutboxItem.get(message_id=sent)).payload)
    assert queued.kind is OutboundKind.FILE
    assert queued.file == MediaRef(file_id="stored:" + "ab" * 32, mime_type="image/png",
                                   file_name="رسید.png", size=9)
    document = await desk.reply_file(agent, conversation, b"%PDF-1.4", "application/pdf", None)
    assert (await Message.get(id=document)).kind == "document"
    assert stored[-1] == (b"%PDF-1.4", "application/pdf", None)
