"""Labels, canned replies, collision notices, reply windows and snooze waking in
core/desk.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from core.desk import PRESENCE_TOPIC, ConversationNotFound, Desk, DeskError, InboxFilter
from core.events import OutboundKind, OutboundMessage, Template
from core.models import Conversation, Message, OutboxItem, Team
from core.owner_config import InvalidConfig, parse, store
from tests.integration.helpers import eventually
from tests.panel.helpers import make_user
from tests.panel.test_desk import _world


@pytest.fixture
async def world(any_database):
    async for started in _world():
        yield started


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


async def test_canned_replies_come_from_the_owner_configuration(world):
    assert await world.desk.canned_replies() == []
    await store(parse("canned_replies:\n"
                      "  - shortcut: /thanks\n    text: از صبر و همراهی شما ممنونیم.\n"
                      "  - shortcut: /hours\n    text: ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم.\n"))
    assert [(c.shortcut, c.text) for c in await world.desk.canned_replies()] == [
        ("/thanks", "از صبر و همراهی شما ممنونیم."),
        ("/hours", "ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم."),
    ]


async def test_presence_is_a_bus_notice_for_visible_conversations_only(world):
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    conversation = await world.message(1, "سلام")
    notices = world.bus.subscribe(PRESENCE_TOPIC)
    upcoming = asyncio.ensure_future(anext(notices))
    await asyncio.sleep(0)  # the subscription exists once the generator has started
    await world.desk.presence(agent, conversation, typing=True)
    notice = await asyncio.wait_for(upcoming, 5)
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


async def test_no_window_rule_means_the_reply_box_stays_open(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await world.message(1, "سلام")
    await Message.filter(author="customer").update(
        created_at=datetime.now(UTC) - timedelta(days=30))
    assert not (await world.desk.conversation(owner, conversation)).reply_window.closed
    await world.desk.reply(owner, conversation, "سلام")


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
    upcoming = asyncio.ensure_future(anext(notices))
    await asyncio.sleep(0)

    assert await world.desk.wake_snoozed() == [due]
    assert (await asyncio.wait_for(upcoming, 5)).data == {"conversation_id": due,
                                                         "status": "pending"}
    await notices.aclose()
    woken = await Conversation.get(id=due)
    assert (woken.status, woken.snoozed_until) == ("pending", None)
    assert (await Conversation.get(id=later)).status == "snoozed"
    assert await world.desk.wake_snoozed() == []  # each wakes once


async def test_the_snooze_loop_wakes_and_stops_when_asked(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    due = await world.message(1, "سلام")
    await world.desk.snooze(owner, due, datetime.now(UTC) + timedelta(hours=1))
    await Conversation.filter(id=due).update(snoozed_until=datetime.now(UTC) - timedelta(minutes=1))
    stop = asyncio.Event()
    loop = asyncio.create_task(world.desk.wake_snoozed_until(stop, every=0.05))
    await eventually(lambda: Conversation.exists(id=due, status="pending"), what="woken")
    stop.set()
    await asyncio.wait_for(loop, 5)
