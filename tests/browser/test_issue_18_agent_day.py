"""Issue 18 in a real browser: the conversation opens at its newest message and stays there
unless the agent scrolled up (then a "new messages" pill), the agent's own reply is in view
after sending, on a wide screen and on a phone; and a survey answer opens no conversation."""

from __future__ import annotations

import pytest

from core.models import Conversation, Message
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import button_update, eventually, text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

# How far the newest entry's bottom is from the bottom of what shows it (the timeline where it
# scrolls, else the window): <= 48 px counts as "at the newest".
DISTANCE_FROM_NEWEST = """() => {
  const list = document.querySelector('#conversation-live .timeline');
  const scrolls = getComputedStyle(list).overflowY !== 'visible'
                  && list.scrollHeight > list.clientHeight + 1;
  const entries = list.querySelectorAll('.entry');
  const last = entries[entries.length - 1].getBoundingClientRect();
  const bottom = scrolls ? list.getBoundingClientRect().bottom : window.innerHeight;
  return Math.max(0, last.bottom - bottom);
}"""


async def _at_newest(page) -> None:
    """Waits until the newest entry is in view (the view settles after a live refresh)."""
    await page.wait_for_function(f"() => ({DISTANCE_FROM_NEWEST})() <= 48", timeout=wait_ms(5))


async def _long_conversation(server, chat_id: int, count: int) -> Conversation:
    assert await server.post(text_update(chat_id, "اپراتور")) == 200  # a person has it: no bot
    conversation = await conversation_of(chat_id)

    async def handed_off() -> bool:
        return (await Conversation.get(id=conversation.id)).status == "pending"
    await eventually(handed_off, what="the handoff")
    for number in range(1, count + 1):
        assert await server.post(text_update(chat_id, f"پیام شماره {number}")) == 200
    return conversation


async def test_the_conversation_opens_and_stays_at_the_newest_message(browser, server):
    await make_user("sara@example.com")
    conversation = await _long_conversation(server, 7181, 30)
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.wait_for_selector("body[data-live=on]")
    await _at_newest(page)
    # Scrolled down to the newest, once the page has settled (slow under load, so waited for).
    await page.wait_for_function(
        "() => document.querySelector('#conversation-live .timeline').scrollTop > 0")
    await shot(page, "issue18-conversation-opens-at-newest")

    # At the newest: a message that arrives is shown, and the view follows it.
    assert await server.post(text_update(7181, "یک پیام تازه")) == 200
    await page.locator(".entry.inbound", has_text="یک پیام تازه").wait_for(timeout=wait_ms(5))
    await _at_newest(page)
    assert await page.locator("#new-messages").is_hidden()

    # Scrolled up to read: the place is kept and the pill offers what came.
    await page.locator(".timeline").evaluate("list => { list.scrollTop = 0; }")
    assert await server.post(text_update(7181, "پیامی وقتی بالا را می‌خواند")) == 200
    await page.locator(".entry.inbound", has_text="پیامی وقتی بالا").wait_for(
        state="attached", timeout=wait_ms(5))
    await page.locator("#new-messages").wait_for(timeout=wait_ms(5))
    assert await page.locator(".timeline").evaluate("list => list.scrollTop") < 48
    assert await page.evaluate(DISTANCE_FROM_NEWEST) > 48
    await shot(page, "issue18-new-messages-pill")
    await page.click("#new-messages")
    await _at_newest(page)
    assert await page.locator("#new-messages").is_hidden()

    # Scrolled up, the agent sends: their own reply is brought into view.
    await page.locator(".timeline").evaluate("list => { list.scrollTop = 0; }")
    await page.fill("#reply-text", "سلام، پیگیری می‌کنم.")
    await page.press("#reply-text", "Enter")
    await page.locator(".entry.outbound", has_text="پیگیری می‌کنم").wait_for(timeout=wait_ms(5))
    await _at_newest(page)


async def test_on_a_phone_the_newest_message_and_the_own_reply_are_in_view(browser, server):
    await make_user("sara@example.com")
    conversation = await _long_conversation(server, 7182, 20)
    page = await new_page(browser, PHONE)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.wait_for_selector("body[data-live=on]")
    await _at_newest(page)
    assert await page.locator("#reply-text").is_visible()
    assert await page.evaluate("() => window.scrollY") > 0
    await page.screenshot(path="tests/browser/screenshots/issue18-phone-opens-at-newest.png")
    await page.fill("#reply-text", "پاسخ از گوشی")
    await page.press("#reply-text", "Enter")
    await page.locator(".entry.outbound", has_text="پاسخ از گوشی").wait_for(timeout=wait_ms(5))
    await _at_newest(page)
    await page.screenshot(path="tests/browser/screenshots/issue18-phone-own-reply.png")


async def test_a_survey_answer_opens_no_conversation_in_the_inbox(browser, server, fake_telegram):
    await make_user("sara@example.com")
    assert await server.post(text_update(7183, "اپراتور")) == 200
    conversation = await conversation_of(7183)
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.click("#resolve")
    await page.locator("#status.status-resolved").wait_for(timeout=wait_ms(5))
    await fake_telegram.wait_for(lambda fake: any(
        "از ۱" in m["text"] for m in fake.sent_messages(7183)), timeout=8)

    assert await server.post(button_update(7183, "survey:5")) == 200  # the button
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(7183)) >= 3, timeout=8)
    assert await server.post(text_update(7183, "عالی بود")) == 200  # the comment
    await fake_telegram.wait_for(lambda fake: any(
        "ممنون" in m["text"] for m in fake.sent_messages(7183)[-1:]), timeout=8)

    await page.goto(f"{server.base}/")
    rows = page.locator(".conversation-row")
    await rows.first.wait_for(timeout=wait_ms(5))
    assert await rows.count() == 1
    assert "status-open" not in (await rows.first.get_attribute("class"))
    await shot(page, "issue18-inbox-after-survey")
    assert await Conversation.all().count() == 1
    answered = await Message.filter(text="عالی بود").first()
    assert answered.conversation_id == conversation.id
