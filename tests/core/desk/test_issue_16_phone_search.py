"""Issue 16: an agent finds a customer by phone number however it is typed, on both
databases (the number is stored as one key, core.text.phone_key)."""

from __future__ import annotations

import pytest

from core.db import connection
from core.desk import InboxFilter
from core.models import Conversation, Customer
from core.search_index import index_customers
from tests.panel.helpers import make_user


@pytest.mark.parametrize("typed", ["09121234567", "+98 912 123 4567", "۰۹۱۲ ۱۲۳ ۴۵۶۷",
                                   "0912 123", "989121234567"])
async def test_issue_16_a_customer_is_found_by_their_number_however_it_is_typed(world, typed):
    owner = await world.desk.viewer(await make_user("owner@example.com", "owner"))
    maryam = await world.message(7, "سلام")
    conversation = await Conversation.get(id=maryam)
    await Customer.filter(id=conversation.customer_id).update(phone="989121234567")
    await index_customers(connection(), [conversation.customer_id])
    await world.message(8, "سلام", name="رضا")
    found = await world.desk.inbox(owner, InboxFilter(query=typed))
    assert [row.conversation_id for row in found] == [maryam]
