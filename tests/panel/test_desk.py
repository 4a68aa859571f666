"""core/desk.py on both databases: scoping, filters, search, and what agents do."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from core.bus import InProcessBus
from core.channels import sync_channel
from core.desk import ConversationNotFound, Desk, DeskError, InboxFilter, LoginLocked
from core.events import EventKind, InboundEvent, MessageKind, Platform, Sender
from core.inbox import Inbox
from core.models import Conversation, Message, OutboxItem, Team
from tests.panel.helpers import PASSWORD, make_user

_ids = itertools.count(1)


class World:
    """A desk over a real database, fed through the real inbox."""

    def __init__(self) -> None:
        self.bus = InProcessBus()
        self.woken = 0
        self.submitted: list = []
        self.desk = Desk(self.bus, self._wake, self.submitted.extend)
        self.inbox = Inbox(self.bus)
        self.channel_id = 0

    def _wake(self) -> None:
        self.woken += 1

    async def start(self) -> None:
        self.channel_id = await sync_channel(Platform.TELEGRAM, key="42", token="t",
                                             webhook_secret="s", name="Shop bot")
        await self.inbox.start()

    async def message(self, chat: int, text: str | None, *, name: str = "مریم",
                      kind: MessageKind = MessageKind.TEXT) -> int:
        (stored,) = await self.inbox.ingest([InboundEvent(
            platform=Platform.TELEGRAM, channel_id=self.channel_id, kind=EventKind.MESSAGE,
            external_id=f"m{next(_ids)}", sender=Sender(external_id=str(chat), display_name=name),
            chat_id=str(chat), message_kind=kind, text=text,
            occurred_at=datetime.now(UTC),
        )])
        return stored.conversation_id


async def _world():
    world = World()
    await world.start()
    yield world
    await world.inbox.close()


@pytest.fixture
async def world(any_database):
    async for started in _world():
        yield started


@pytest.fixture
async def sqlite_world(database):
    """For what does not depend on the database's dialect."""
    async for started in _world():
        yield started


async def test_owners_see_everything_agents_their_teams_and_unteamed(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    agent_a = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    in_a = await world.message(1, "سلام از تیم الف")
    in_b = await world.message(2, "سلام از تیم ب")
    unteamed = await world.message(3, "سلام")
    await Conversation.filter(id=in_a).update(team_id=(await Team.get(name="A")).id)
    await Conversation.filter(id=in_b).update(team_id=(await Team.get(name="B")).id)

    everything = [r.conversation_id for r in await world.desk.inbox(owner, InboxFilter())]
    assert everything == [unteamed, in_b, in_a]  # newest activity first
    seen_by_a = [r.conversation_id for r in await world.desk.inbox(agent_a, InboxFilter())]
    assert seen_by_a == [unteamed, in_a]
    with pytest.raises(ConversationNotFound):
        await world.desk.conversation(agent_a, in_b)
    with pytest.raises(ConversationNotFound):
        await world.desk.reply(agent_a, in_b, "hello")


async def test_inbox_rows_say_who_what_and_how_many_unread(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await world.message(1, "سفارشم کجاست؟", name="\u202eرضا")
    await world.message(1, "کسی هست؟")
    (row,) = await world.desk.inbox(owner, InboxFilter())
    assert row.customer_name == "رضا"  # bidi controls never reach the page
    assert row.platform == "telegram" and row.channel_name == "Shop bot"
    assert row.preview == "کسی هست؟"
    assert row.unread == 2
    assert row.waiting_since is not None
    await world.desk.conversation(owner, conversation)
    (row,) = await world.desk.inbox(owner, InboxFilter())
    assert row.unread == 0


async def test_filters_mine_unassigned_status_team_and_channel(world):
    agent = await world.desk.viewer(await make_user("a@example.com", "owner", "A"))
    mine = await world.message(1, "یک")
    other = await world.desk.viewer(await make_user("b@example.com"))
    theirs = await world.message(2, "دو")
    nobody = await world.message(3, "سه")
    await world.desk.assign(agent, mine, assignee_id=agent.user_id, team_id=agent.team_ids[0])
    await world.desk.assign(agent, theirs, assignee_id=other.user_id, team_id=None)
    await world.desk.resolve(agent, nobody)

    async def ids(**wanted) -> list[int]:
        return [r.conversation_id for r in await world.desk.inbox(agent, InboxFilter(**wanted))]

    assert await ids(assigned="mine") == [mine]
    assert await ids(assigned="unassigned") == [nobody]
    assert await ids(status="resolved") == [nobody]
    assert await ids(team_id=agent.team_ids[0]) == [mine]
    assert await ids(channel_id=world.channel_id) == [nobody, theirs, mine]
    assert await ids(channel_id=world.channel_id + 1) == []


@pytest.mark.parametrize(("stored", "typed"), [
    ("كيف قرمز", "کیف قرمز"),  # Arabic kaf and yeh, searched with Persian ones
    ("سفارش ۱۲۳۴", "1234"),  # Persian digits, searched with ASCII
    ("نمی‌دانم", "نمی دانم"),  # ZWNJ, searched with a space
    ("می خواهم", "میخواهم"),
])
async def test_search_matches_persian_however_it_was_typed(sqlite_world, stored, typed):
    world = sqlite_world
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    wanted = await world.message(1, stored)
    await world.message(2, "چیز دیگری")
    found = await world.desk.inbox(owner, InboxFilter(query=typed))
    assert [r.conversation_id for r in found] == [wanted]


async def test_search_finds_customers_by_name_and_new_messages_later(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    ali = await world.message(1, "سلام", name="علي")
    assert [r.conversation_id for r in await world.desk.inbox(owner, InboxFilter(query="علی"))
            ] == [ali]
    assert await world.desk.inbox(owner, InboxFilter(query="100% off_")) == []
    later = await world.message(2, "کد تخفیف 100% off_")
    assert [r.conversation_id for r in
            await world.desk.inbox(owner, InboxFilter(query="100% off_"))] == [later]


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
    assert [s.message_id for s in world.submitted] == [system.id]
    assert world.submitted[0].conversation_id == conversation

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


async def test_lockout_is_stored_per_address(world):
    await make_user("a@example.com")
    for _ in range(5):
        with pytest.raises(DeskError):
            await world.desk.authenticate("a@example.com", "wrong")
    with pytest.raises(LoginLocked):
        await world.desk.authenticate("A@example.com ", PASSWORD)
