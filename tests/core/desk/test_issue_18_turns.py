"""Issue 18: the inbox says whose turn it is and, in the panel's order, puts who waits longest
for us first. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from core.clock import utcnow
from core.desk import InboxFilter
from tests.panel.helpers import make_user


async def test_whose_turn_and_who_waits_longest_first(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    first = await world.message(1, "سفارشم کجاست؟")
    second = await world.message(2, "سلام")
    third = await world.message(3, "قیمت؟")
    await world.desk.reply(owner, first, "فردا می‌رسد.")
    await world.message(2, "کسی نیست؟")  # a second message: still waiting since the first

    rows = {r.conversation_id: r for r in await world.desk.inbox(owner, InboxFilter())}
    assert {cid: r.turn for cid, r in rows.items()} == {
        first: "customer", second: "us", third: "us"}
    assert rows[first].waiting_since is None
    assert rows[second].waiting_since < rows[third].waiting_since

    waiting = await world.desk.inbox(owner, InboxFilter(order="waiting"))
    assert [r.conversation_id for r in waiting] == [second, third, first]
    recent = await world.desk.inbox(owner, InboxFilter())
    assert [r.conversation_id for r in recent] == [second, first, third]

    await world.desk.snooze(owner, third, utcnow() + timedelta(hours=2))
    await world.desk.resolve(owner, second)
    rows = {r.conversation_id: r for r in await world.desk.inbox(owner, InboxFilter())}
    assert (rows[second].turn, rows[third].turn) == ("resolved", "snoozed")
    assert rows[third].snoozed_until is not None
    detail = await world.desk.conversation(owner, first)
    assert detail.turn == "customer"
