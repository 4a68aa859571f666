"""The agents' tools in a real browser: resolve sends the survey; canned replies on "/";
labels; the warning when a colleague has the same conversation open."""

from __future__ import annotations

import pytest

from core.owner_config import parse, store
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


async def test_resolve_sends_the_survey(browser, server, fake_telegram):
    await make_user("sara@example.com")
    assert await server.post(text_update(7101, "اپراتور")) == 200
    conversation = await conversation_of(7101)
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7101))
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.click("#resolve")
    await page.locator("#status.status-resolved").wait_for(timeout=5000)
    await fake_telegram.wait_for(lambda fake: any(
        "از ۱" in m["text"] for m in fake.sent_messages(7101)), timeout=8)
    await page.locator(".entry.outbound", has_text="از ۱").wait_for(timeout=5000)
    await shot(page, "resolved-survey-sent")


async def test_canned_replies_labels_and_the_collision_warning(browser, server):
    await make_user("sara@example.com")
    await make_user("omid@example.com")
    await store(parse("canned_replies:\n"
                      "  - shortcut: /thanks\n    text: از صبر و همراهی شما ممنونیم.\n"
                      "  - shortcut: /hours\n    text: ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم.\n"))
    assert await server.post(text_update(7102, "ساعت کاری؟", first_name="نگار")) == 200
    conversation = await conversation_of(7102)
    sara, omid = await new_page(browser), await new_page(browser)
    await log_in(sara, server.base, "sara@example.com")
    await log_in(omid, server.base, "omid@example.com")
    url = f"{server.base}/conversations/{conversation.id}"
    await sara.goto(url)
    await omid.goto(url)
    await sara.wait_for_selector("body[data-live=on]")

    await sara.type("#reply-text", "/h")
    await sara.locator("#canned-replies li.active", has_text="/hours").wait_for(timeout=3000)
    assert await sara.locator("#canned-replies li:not([hidden])").count() == 1
    await shot(sara, "canned-replies-offered")
    await sara.press("#reply-text", "Enter")
    assert await sara.input_value("#reply-text") == "ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم."

    # Sara typed: Omid is told, with her name (the address, as she has no display name).
    warning = omid.locator("#collision:not([hidden])")
    await warning.wait_for(timeout=15000)
    assert "sara@example.com" in await warning.inner_text()
    await shot(omid, "collision-warning")

    await omid.fill("input[name=label]", "ساعت کاری")
    await omid.click("text=افزودن برچسب")
    await omid.locator(".labels .label-chip", has_text="ساعت کاری").wait_for(timeout=5000)
    await sara.locator(".labels .label-chip", has_text="ساعت کاری").wait_for(timeout=5000)
    await omid.goto(f"{server.base}/?label=ساعت کاری")
    await omid.locator(".conversation-row", has_text="نگار").wait_for(timeout=5000)
    await shot(omid, "inbox-by-label")
    await sara.set_viewport_size(PHONE)
    await shot(sara, "conversation-tools-phone")
