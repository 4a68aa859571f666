"""core/desk/inbox.py on both databases: scoping, filters, search, and what the filters offer."""

from __future__ import annotations

import pytest

from core.desk import ConversationNotFound, InboxFilter
from core.models import Conversation, Team
from core.owner_config import parse, store
from tests.panel.helpers import make_user


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


async def test_canned_replies_come_from_the_owner_configuration(world):
    assert await world.desk.canned_replies() == []
    await store(parse("canned_replies:\n"
                      "  - shortcut: /thanks\n    text: از صبر و همراهی شما ممنونیم.\n"
                      "  - shortcut: /hours\n    text: ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم.\n"))
    assert [(c.shortcut, c.text) for c in await world.desk.canned_replies()] == [
        ("/thanks", "از صبر و همراهی شما ممنونیم."),
        ("/hours", "ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم."),
    ]
