"""Issue 15 in a real browser against a real `pasokh serve`: the agent sees why the bot gave
an FAQ answer and puts a suggested answer into the reply box; an owner teaches the bot a
wording it missed from the unanswered page, and the running bot answers it at once."""

from __future__ import annotations

import pytest

from core.models import Message
from core.owner_config import parse, store
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import make_user
from tests.panel.test_faq_learning_pages import FAQ, NOT_ANSWERED

pytestmark = pytest.mark.browser
SHIPPING_ANSWER = "ارسال به همه شهرها ۵۰ هزار تومان است."


@pytest.fixture
async def faq_stored(database):
    """The owner's FAQ, stored before the server starts so its bot answers with it."""
    await store(parse(FAQ))


async def test_issue_15_explained_answers_suggestions_and_teaching(
        browser, faq_stored, server, fake_telegram):
    await make_user("sara@example.com")
    await make_user("owner@example.com", "owner")
    for text in ("هزینه ارسال به شیراز چنده؟", "اپراتور", "هزینه ارسالش تا مشهد هم همینه؟"):
        assert await server.post(text_update(9701, text)) == 200
    conversation = await conversation_of(9701)

    async def all_processed() -> bool:
        return await Message.filter(conversation_id=conversation.id, direction="in",
                                    processed=True).count() == 3

    await eventually(all_processed, what="the three messages processed")
    await conversation.refresh_from_db()
    assert conversation.status == "pending"

    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    why = page.locator(".faq-why[data-faq-entry=shipping]")
    await why.locator("summary").click()
    assert "هزینه ارسال چقدر است؟" in await why.inner_text()
    # The timeline refreshes when something happens; the opened explanation stays open.
    # The refresh is asked again every 2 s until the marked timeline has been replaced: a
    # trigger that meets a refresh in flight was seen lost under load (CI), and what is
    # checked here is what a refresh keeps, not that one trigger is never dropped.
    await page.evaluate("""() => {
        document.getElementById("conversation-live").dataset.before = "refresh";
    }""")
    await page.wait_for_function("""() => {
        if (!document.querySelector("#conversation-live[data-before]")) return true;
        const now = Date.now();
        if (!(window.lastRefreshAsked > now - 2000)) {
            window.lastRefreshAsked = now;
            htmx.trigger(document.body, "pasokh:changed");
        }
        return false;
    }""", polling=200, timeout=wait_ms(10))
    assert await page.locator(".faq-why[open] dl").count() == 1
    use = page.locator(".assist-faq .assist-use").first
    await use.wait_for(state="visible", timeout=wait_ms(5))
    await page.fill("#reply-text", "سلام، ")
    await use.click()
    assert await page.input_value("#reply-text") == "سلام، " + SHIPPING_ANSWER
    await shot(page, "issue-15-agent-explanation-and-assist")
    await page.set_viewport_size(PHONE)
    await shot(page, "issue-15-agent-explanation-and-assist-phone")

    for text in ("سلام", NOT_ANSWERED):
        assert await server.post(text_update(9702, text)) == 200
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9702)) == 2)
    owner = await new_page(browser)
    await log_in(owner, server.base, "owner@example.com")
    await owner.goto(f"{server.base}/owner/unanswered")
    row = owner.locator("tr", has_text=NOT_ANSWERED)
    await shot(owner, "issue-15-unanswered-before")
    await row.locator("select[name=entry]").select_option("shipping")
    await row.locator("button.teach-add").click()
    notice = await owner.text_content(".owner-notice")
    assert notice and "شکل پرسش افزوده شد" in notice
    await shot(owner, "issue-15-unanswered-taught")
    await owner.goto(f"{server.base}/owner/faq")
    shipping = owner.locator("tr", has_text="هزینه ارسال چقدر است؟")
    assert "۲ شکل پرسش" in await shipping.locator(".phrasing-count").inner_text()
    await shipping.locator(".phrasing-hint").wait_for()
    await shot(owner, "issue-15-faq-phrasings")

    assert await server.post(text_update(9703, NOT_ANSWERED)) == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9703))
    assert fake_telegram.sent_messages(9703)[0]["text"] == SHIPPING_ANSWER
