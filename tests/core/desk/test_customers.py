"""core/desk/customers.py, the customer page's desk: identities, history, CSAT, tickets and
merging."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.db import connection
from core.desk import ConversationNotFound, DeskError
from core.models import Conversation, Customer, Message, SurveyAnswer, Team, Ticket
from core.tickets import open_ticket
from tests.panel.helpers import make_user


async def _ticket(conversation_id: int, text: str) -> int:
    conversation = await Conversation.get(id=conversation_id)
    return await open_ticket(connection(), conversation_id=conversation_id,
                             customer_id=conversation.customer_id, description=text, media=(),
                             now=datetime.now(UTC))


async def test_the_customer_page_has_identities_history_csat_and_tickets(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    first = await world.message(1, "سلام", name="مریم")
    await world.desk.resolve(owner, first)
    await SurveyAnswer.create(conversation_id=first, score=4, comment="خوب بود",
                              answered_at=datetime.now(UTC))
    second = await world.message(1, "دوباره سلام", name="مریم")
    number = await _ticket(second, "گوشی خراب رسید")
    customer_id = (await Conversation.get(id=first)).customer_id

    detail = await world.desk.customer(owner, customer_id)
    assert detail.name == "مریم"
    assert [(i.platform, i.external_id) for i in detail.identities] == [("telegram", "1")]
    assert [c.id for c in detail.conversations] == [second, first]
    assert [(s.conversation_id, s.score, s.comment) for s in detail.surveys] == [
        (first, 4, "خوب بود")]
    assert [(t.number, t.status, t.description) for t in detail.tickets] == [
        (number, "open", "گوشی خراب رسید")]


async def test_a_ticket_status_change_tells_the_customer_through_the_flows(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await world.message(1, "سلام")
    number = await _ticket(conversation, "مرجوعی")
    await world.desk.change_ticket(owner, number, "in_progress")
    assert (await Ticket.get(number=number)).status == "in_progress"
    (submitted,) = world.submitted
    system = await Message.get(id=submitted)
    assert system.meta == {"event": "ticket_status", "number": number, "status": "in_progress"}
    await world.desk.change_ticket(owner, number, "in_progress")  # no change, no message
    assert len(world.submitted) == 1
    with pytest.raises(DeskError):
        await world.desk.change_ticket(owner, number, "lost")
    with pytest.raises(ConversationNotFound):
        await world.desk.change_ticket(owner, number + 100, "closed")


async def test_same_phone_is_suggested_and_merged(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    kept = await world.message(1, "سلام", name="مریم")
    other = await world.message(2, "سلام", name="مریم ر.")
    keep_id = (await Conversation.get(id=kept)).customer_id
    merge_id = (await Conversation.get(id=other)).customer_id
    await Customer.filter(id__in=[keep_id, merge_id]).update(phone="989121234567")

    (suggested,) = (await world.desk.customer(owner, keep_id)).same_person
    assert (suggested.customer_id, suggested.name) == (merge_id, "مریم ر.")
    await world.desk.merge(owner, keep_id, merge_id)
    detail = await world.desk.customer(owner, keep_id)
    assert {c.id for c in detail.conversations} == {kept, other}
    assert len(detail.identities) == 2 and detail.same_person == ()
    with pytest.raises(ConversationNotFound):
        await world.desk.customer(owner, merge_id)
    with pytest.raises(DeskError):
        await world.desk.merge(owner, keep_id, keep_id)


async def test_an_agent_sees_and_merges_only_customers_of_their_teams(world):
    agent = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    await make_user("b@example.com", "agent", "B")
    theirs = await world.message(1, "سلام")
    mine = await world.message(2, "سلام")
    await Conversation.filter(id=theirs).update(team_id=(await Team.get(name="B")).id)
    hidden_id = (await Conversation.get(id=theirs)).customer_id
    mine_id = (await Conversation.get(id=mine)).customer_id
    await Customer.filter(id__in=[hidden_id, mine_id]).update(phone="989121234567")
    with pytest.raises(ConversationNotFound):
        await world.desk.customer(agent, hidden_id)
    assert (await world.desk.customer(agent, mine_id)).same_person == ()
    with pytest.raises(ConversationNotFound):
        await world.desk.merge(agent, mine_id, hidden_id)


async def test_custom_attributes_are_set_changed_and_removed(world):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    conversation = await world.message(1, "سلام")
    customer_id = (await Conversation.get(id=conversation)).customer_id
    await world.desk.set_attribute(owner, customer_id, "شهر", "تهران")
    await world.desk.set_attribute(owner, customer_id, " شهر ", "مشهد")  # same name, new value
    await world.desk.set_attribute(owner, customer_id, "VIP", "بله")
    await world.desk.set_attribute(owner, customer_id, "VIP", "")
    assert (await world.desk.customer(owner, customer_id)).attributes == (("شهر", "مشهد"),)
    with pytest.raises(DeskError):
        await world.desk.set_attribute(owner, customer_id, "\u200f ", "x")
    agent = await world.desk.viewer(await make_user("b@example.com", "agent", "B"))
    await Conversation.filter(id=conversation).update(team_id=(await Team.get(name="B")).id)
    outsider = await world.desk.viewer(await make_user("a@example.com", "agent", "A"))
    with pytest.raises(ConversationNotFound):
        await world.desk.set_attribute(outsider, customer_id, "شهر", "شیراز")
    await world.desk.set_attribute(agent, customer_id, "شهر", "شیراز")
    assert (await Customer.get(id=customer_id)).attributes == {"شهر": "شیراز"}
