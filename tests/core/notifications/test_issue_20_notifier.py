"""Issue 20: who is told what. Two processes hear the same events and the agent is told
once; their choices decide what and where; the phone is left alone while they are offline
unless they asked for it."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from bots.notifications import Notifier
from core.bus import InProcessBus, Notice
from core.events import ConversationStatus
from core.models import Conversation, Message, User
from core.notifications import NOTIFY_TOPIC, Choices, save_choices
from core.notifications.webpush import checked_subscription, subscribe
from core.routing import ASSIGNMENT_TOPIC, OFFLINE_AFTER, Presence
from tests.core.desk.helpers import running_world
from tests.core.routing.helpers import present
from tests.fakes.webpush import FakePushService

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(database):
    async for started in running_world():
        yield started


@pytest.fixture
async def push_service():
    async with FakePushService() as fake:
        yield fake


def _notifier(world, session) -> Notifier:
    return Notifier(world.bus, session, vapid_subject="mailto:a@b.c", wake_outbox=lambda: None,
                    clock=lambda: NOW)


async def _setup(world, push_service, choices: Choices, *, seen_at: datetime = NOW):
    agent = (await User.create(email="sara@shop.example", password_hash="-")).id
    await save_choices(agent, choices)
    await subscribe(agent, checked_subscription(push_service.new_subscription()), NOW)
    await present(agent, seen_at, Presence.AWAY)
    conversation_id = await world.message(5, "سلام")
    await Conversation.filter(id=conversation_id).update(
        assignee_id=agent, status=ConversationStatus.PENDING.value)
    return agent, conversation_id


async def _told(bus: InProcessBus, notifiers, notice: Notice) -> list[dict]:
    heard = bus.subscribe(NOTIFY_TOPIC)
    for notifier in notifiers:
        await notifier.handle(notice)
    told = []
    while not heard.queue.empty():
        told.append(heard.queue.get_nowait().data)
    await heard.aclose()
    return told


async def test_an_assignment_is_told_once_across_processes_and_pushed(world, push_service):
    agent, conversation_id = await _setup(world, push_service, Choices(push=True))
    notice = Notice(ASSIGNMENT_TOPIC, {"conversation_id": conversation_id, "user_id": agent,
                                       "assignment_id": 7})
    async with aiohttp.ClientSession() as session:
        processes = [_notifier(world, session) for _ in range(2)]
        told = await _told(world.bus, processes, notice)
    assert told == [{"user_id": agent, "kind": "assigned", "conversation_id": conversation_id}]
    (call,) = push_service.accepted
    assert call.payload["kind"] == "assigned"
    assert call.payload["url"] == f"/conversations/{conversation_id}"
    assert "به شما سپرده شد" in call.payload["body"]


async def test_a_customer_message_tells_the_assignee_as_they_chose(world, push_service):
    agent, conversation_id = await _setup(
        world, push_service, Choices(assigned=False, push=True),
        seen_at=NOW - OFFLINE_AFTER * 2)  # offline, and did not ask for the phone then
    await world.message(5, "هنوز منتظرم")
    last = await Message.filter(conversation_id=conversation_id, author="customer").order_by(
        "-id").first()
    async with aiohttp.ClientSession() as session:
        notifier = _notifier(world, session)
        told = await _told(world.bus, [notifier], Notice("message.new", {
            "conversation_id": conversation_id, "message_id": last.id}))
        assigned = await _told(world.bus, [notifier], Notice(ASSIGNMENT_TOPIC, {
            "conversation_id": conversation_id, "user_id": agent, "assignment_id": 8}))
    assert told == [{"user_id": agent, "kind": "customer_wrote",
                     "conversation_id": conversation_id}]
    assert assigned == []  # they chose not to be told of assignments
    assert push_service.calls == []  # offline, and "even while offline" is not chosen


async def test_a_conversation_past_its_target_is_told_once(world, push_service):
    from datetime import timedelta

    from core.owner_config import OwnerDocument, Targets, store

    await store(OwnerDocument(targets=Targets(first_response_minutes=10)))
    agent, conversation_id = await _setup(world, push_service, Choices())
    await Conversation.filter(id=conversation_id).update(handed_off_at=NOW - timedelta(minutes=20))
    async with aiohttp.ClientSession() as session:
        notifier = _notifier(world, session)
        heard = world.bus.subscribe(NOTIFY_TOPIC)
        assert await notifier.tell_breaches() == 1
        assert await notifier.tell_breaches() == 0  # the same breach is told once
    notice = heard.queue.get_nowait()
    await heard.aclose()
    assert notice.data == {"user_id": agent, "kind": "waiting_past_target",
                           "conversation_id": conversation_id}
