"""What the bot could not answer, grouped; and customers to merge by a shared phone."""

from __future__ import annotations

import time

from core.models import Conversation, Customer, Message
from tests.integration.helpers import eventually, post_update, text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner


def _now_update(chat_id: int, text: str) -> dict:
    update = text_update(chat_id, text)
    update["message"]["date"] = int(time.time())
    return update


async def _say(client, chat_id: int, *texts: str) -> None:
    for text in texts:
        await post_update(client, _now_update(chat_id, text))

        async def processed() -> bool:
            return not await Message.filter(direction="in", processed=False).exists()

        await eventually(processed, what="the message processed")


async def test_questions_that_fell_through_are_grouped_most_frequent_first(pasokh):
    await as_owner(pasokh)
    # Two unknown questions in a row hand the conversation over; the greeting the bot
    # welcomed did not fall through.
    await _say(pasokh, 9501, "سلام", "گارانتی دستگاه چند ماهه است؟", "هزینه ارسال به شیراز؟")
    await _say(pasokh, 9502, "سلام", "گارانتي دستگاه چند ماهه است")
    await _say(pasokh, 9503, "درود", "گارانتی دستگاه چند ماهست؟")
    assert await Conversation.filter(handed_off_at__not_isnull=True).count() == 1

    page = await (await pasokh.get("/owner/unanswered")).text()
    rows = page.split("<tr>")[2:]  # after the header row
    assert len(rows) == 2
    assert '<td class="owner-count">۳</td>' in rows[0] and "گارانتی" in rows[0]
    assert '<td class="owner-count">۱</td>' in rows[1] and "هزینه ارسال به شیراز؟" in rows[1]
    assert "سلام" not in page.split("<table")[1] and "درود" not in page
    assert "/owner/faq?question=" in rows[0]


async def test_customer_text_is_shown_inert(pasokh):
    await as_owner(pasokh)
    await _say(pasokh, 9504, "سلام", "<script>alert(1)</script>\u202eسوال")
    page = await (await pasokh.get("/owner/unanswered")).text()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_customers_sharing_a_phone_are_offered_and_merged(pasokh):
    await as_owner(pasokh)
    first = await Customer.create(display_name="مریم", phone="989120000000")
    second = await Customer.create(display_name="<b>Maryam</b>", phone="989120000000")
    await Customer.create(display_name="علی", phone="989130000000")
    page = await (await pasokh.get("/owner/customers/merge")).text()
    assert "۹۸۹۱۲۰۰۰۰۰۰۰" in page and "۹۸۹۱۳۰۰۰۰۰۰۰" not in page
    assert "&lt;b&gt;Maryam&lt;/b&gt;" in page
    response = await post_form(pasokh, "/owner/customers/merge",
                               {"keep": str(first.id), "merge": str(second.id)})
    assert response.status == 303
    assert not await Customer.exists(id=second.id)
    after = await (await pasokh.get("/owner/customers/merge")).text()
    assert "مشتری‌ها ادغام شدند" in after and "۹۸۹۱۲۰۰۰۰۰۰۰" not in after
    again = await post_form(pasokh, "/owner/customers/merge",
                            {"keep": str(first.id), "merge": str(second.id)})
    assert again.status == 400
