"""Issue 16 in a real browser: an owner writes a broadcast, previews who gets it on which
channel and who is left out (a customer who wrote «لغو»), sends it, and watches the
progress bar fill as the fake Telegram accepts the messages; the page fits a phone."""

from __future__ import annotations

import pytest

from core import owner_config
from core.models import OptOut
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


async def test_issue_16_an_owner_sends_a_broadcast_and_sees_it_through(browser, server,
                                                                       fake_telegram):
    await make_user("owner@example.com", "owner")
    # No quiet hours, so that the test does not depend on the hour in Tehran.
    await owner_config.store(owner_config.parse('followup_limits:\n  quiet_hours: ""\n'))
    for chat_id, name in ((7301, "مریم"), (7302, "سارا"), (7303, "علی")):
        assert await server.post(text_update(chat_id, "سلام",
                                             first_name=name)) == 200
    assert await server.post(text_update(7303, "لغو", first_name="علی")) == 200
    left = await conversation_of(7303)
    await eventually(lambda: OptOut.exists(customer_id=left.customer_id), what="the opt-out")
    await conversation_of(7302)

    page = await new_page(browser)
    await log_in(page, server.base, "owner@example.com")
    await page.goto(server.base + "/owner/kpis")
    await page.click("nav.owner-nav a[href='/owner/broadcasts']")
    await page.fill("textarea[name=text]", "{name} عزیز، حراج پاییزی از امروز شروع شد.")
    await page.click("#broadcast-form button[type=submit]")
    plan = page.locator("#broadcast-plan")
    await plan.wait_for()
    text = await plan.inner_text()
    assert "مریم عزیز، حراج پاییزی از امروز شروع شد." in text
    assert "۲" in text  # two customers on the bot
    excluded = await page.inner_text("#broadcast-excluded")
    assert "لغو کرده" in excluded and "۱" in excluded
    await shot(page, "broadcast-preview")

    await page.click("#broadcast-plan form button[type=submit]")
    progress = page.locator("#broadcast-progress")
    await progress.wait_for()
    # The section refreshes itself (htmx) until every message has an outcome.
    await page.locator("#broadcast-progress:has-text('تمام شد')").wait_for(timeout=20_000)
    assert await page.get_attribute("#broadcast-progress progress", "value") == "100"
    sent_texts = [m["text"] for m in fake_telegram.sent_messages()]
    assert sum("حراج پاییزی" in t for t in sent_texts) == 2
    await shot(page, "broadcast-progress")
    await page.set_viewport_size(PHONE)
    await page.reload()
    await progress.wait_for()
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    await shot(page, "broadcast-progress-phone")
