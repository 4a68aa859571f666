"""What core/desk/ gives the API, on both databases: inbox pages by cursor, messages after an
id, customers scoped like conversations (core/desk/records.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import connection, dialect_sql
from core.desk import ConversationNotFound, CustomerNotFound, InboxFilter
from core.models import Conversation, Team
from core.sqlvalues import db_time
from tests.panel.helpers import make_user


async def test_inbox_pages_walk_every_conversation_once_even_with_equal_times(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    ids = [await world.message(100 + n, f"سلام {n}") for n in range(5)]
    # Written as the inbox writes it (db_time), which the cursor's comparison relies on.
    conn = connection()
    same_moment = db_time(conn, datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    await conn.execute_query(dialect_sql(
        conn, "UPDATE conversation SET last_message_at = ? WHERE id IN (?, ?, ?)"),
        [same_moment, *ids[1:4]])
    seen, before = [], None
    for _ in range(len(ids)):
        rows = await world.desk.inbox(owner, InboxFilter(), before=before, limit=2)
        seen.extend(row.conversation_id for row in rows)
        if len(rows) < 2:
            break
        before = (rows[-1].sorted_at, rows[-1].conversation_id)
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    assert seen[-3:] == sorted(ids[1:4], reverse=True)  # oldest activity last, ties by id


async def test_messages_after_an_id_oldest_first(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation_id = await world.message(200, "یک")
    await world.message(200, "دو")
    await world.message(200, "سه")
    first_two = await world.desk.messages(owner, conversation_id, limit=2)
    assert [entry.text for entry in first_two] == ["یک", "دو"]
    rest = await world.desk.messages(owner, conversation_id, after_id=first_two[-1].id)
    assert [entry.text for entry in rest] == ["سه"]
    assert await world.desk.message(owner, conversation_id, rest[0].id) == rest[0]
    assert await world.desk.message(owner, conversation_id, rest[0].id + 1000) is None


async def test_customers_are_searched_and_scoped_like_their_conversations(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    mine = await world.message(301, "سلام", name="علی")
    theirs = await world.message(302, "سلام", name="علی رضایی")
    await Conversation.filter(id=theirs).update(team_id=(await Team.get(name="B")).id)
    found = await world.desk.customers(owner, "علي")  # Arabic yeh, as some keyboards type
    assert [c.conversation_ids for c in found] == [(mine,), (theirs,)]
    assert found[0].identities[0].display_name == "علی"
    assert [c.conversation_ids for c in await world.desk.customers(agent, "علی")] == [(mine,)]
    hidden = found[1].id
    with pytest.raises(CustomerNotFound):
        await world.desk.customer_record(agent, hidden)
    assert (await world.desk.customer_record(owner, hidden)).name == "علی رضایی"
    paged = await world.desk.customers(owner, "", after_id=found[0].id, limit=1)
    assert [c.id for c in paged] == [hidden]


async def test_notes_after_an_id_scoped_like_their_conversation(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    conversation_id = await world.message(400, "سلام")
    first = await world.desk.add_note(owner, conversation_id, "یک")
    second = await world.desk.add_note(owner, conversation_id, " دو ")
    notes = await world.desk.notes(owner, conversation_id)
    assert [(n.id, n.text, n.author_name) for n in notes] == [
        (first, "یک", "owner@example.com"), (second, "دو", "owner@example.com")]
    assert await world.desk.notes(owner, conversation_id, after_id=first) == notes[1:]
    assert await world.desk.notes(owner, conversation_id, limit=1) == notes[:1]
    assert await world.desk.note(owner, conversation_id, second) == notes[1]
    assert await world.desk.note(owner, conversation_id, second + 1000) is None
    await Conversation.filter(id=conversation_id).update(team_id=(await Team.get(name="B")).id)
    with pytest.raises(ConversationNotFound):
        await world.desk.notes(agent, conversation_id)
