"""Issue 18: the inbox row and the conversation say whose turn it is; after an agent answers,
nothing says the customer waits for us (over real HTTP, Persian)."""

from __future__ import annotations

from core.models import Conversation
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import log_in, make_user, post_form
from tests.panel.test_pages import _conversation_of


def _row(page: str, conversation_id: int) -> str:
    start = page.index(f'data-conversation-id="{conversation_id}"')
    return page[start:page.index("</li>", start)]


async def test_after_an_agent_answers_the_row_says_it_is_the_customers_turn(pasokh):
    await make_user("agent@example.com")
    await post_update(pasokh, text_update(6181, "اپراتور"))
    conversation = await _conversation_of(6181)

    async def handed_off() -> bool:
        return (await Conversation.get(id=conversation.id)).status == "pending"
    await eventually(handed_off, what="the handoff")
    await log_in(pasokh, "agent@example.com")
    row = _row(await (await pasokh.get("/")).text(), conversation.id)
    assert "منتظر پاسخ ما" in row and "turn-us" in row
    page = await (await pasokh.get(f"/conversations/{conversation.id}")).text()
    assert 'id="turn"' in page and "منتظر پاسخ ما از" in page

    answered = await post_form(pasokh, f"/conversations/{conversation.id}/reply",
                               {"text": "سلام، در خدمتم."})
    assert answered.status in (200, 303)
    row = _row(await (await pasokh.get("/")).text(), conversation.id)
    assert "منتظر پاسخ مشتری" in row
    assert "در انتظار پشتیبان" not in row and "منتظر پاسخ ما" not in row


async def test_the_order_can_be_switched_to_newest_activity(pasokh):
    await make_user("agent@example.com")
    await log_in(pasokh, "agent@example.com")
    page = await (await pasokh.get("/", params={"sort": "recent"})).text()
    assert '<option value="recent" selected>' in page
    rows = await pasokh.get("/inbox/rows", params={"sort": "recent"})
    assert rows.status == 200
    assert "sort=recent" in rows.headers["HX-Replace-Url"]
