"""The agents' tools in a real browser: resolve sends the survey; canned replies on "/";
labels; the warning when a colleague has the same conversation open; a received picture;
the customer page and a merge."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from core.db import connection
from core.models import Customer, Message
from core.owner_config import parse, store
from core.tickets import open_ticket
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user
from tests.panel.test_media_pages import _keep

pytestmark = pytest.mark.browser

PNG = base64.b64decode(  # one transparent pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


async def test_resolve_sends_the_survey(browser, server, fake_telegram):
    await make_user("sara@example.com")
    assert await server.post(text_update(7101, "اپراتور")) == 200
    conversation = await conversation_of(7101)
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7101))
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.click("#resolve")
    await page.locator("#status.status-resolved").wait_for(timeout=wait_ms(5))
    await fake_telegram.wait_for(lambda fake: any(
        "از ۱" in m["text"] for m in fake.sent_messages(7101)), timeout=8)
    await page.locator(".entry.outbound", has_text="از ۱").wait_for(timeout=wait_ms(5))
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
    await sara.locator("#canned-replies li.active", has_text="/hours").wait_for(timeout=wait_ms(3))
    assert await sara.locator("#canned-replies li:not([hidden])").count() == 1
    await shot(sara, "canned-replies-offered")
    await sara.press("#reply-text", "Enter")
    assert await sara.input_value("#reply-text") == "ما هر روز از ۹ تا ۱۷ پاسخ می‌دهیم."

    # Sara typed: Omid is told, with her name (the address, as she has no display name).
    warning = omid.locator("#collision:not([hidden])")
    await warning.wait_for(timeout=wait_ms(15))
    assert "sara@example.com" in await warning.inner_text()
    await shot(omid, "collision-warning")

    await omid.fill("input[name=label]", "ساعت کاری")
    await omid.click("text=افزودن برچسب")
    await omid.locator(".labels .label-chip", has_text="ساعت کاری").wait_for(timeout=wait_ms(5))
    await sara.locator(".labels .label-chip", has_text="ساعت کاری").wait_for(timeout=wait_ms(5))
    await omid.goto(f"{server.base}/?label=ساعت کاری")
    await omid.locator(".conversation-row", has_text="نگار").wait_for(timeout=wait_ms(5))
    await shot(omid, "inbox-by-label")
    await sara.set_viewport_size(PHONE)
    await shot(sara, "conversation-tools-phone")


async def test_a_picture_in_the_timeline_and_the_customer_page(browser, server, database):
    await make_user("sara@example.com")
    assert await server.post(text_update(7103, "عکس بسته", first_name="نگار")) == 200
    assert await server.post(text_update(7104, "سلام", first_name="نگار ر.")) == 200
    conversation = await conversation_of(7103)
    other = await conversation_of(7104)
    picture = await Message.filter(conversation_id=conversation.id, author="customer").first()
    await Message.filter(id=picture.id).update(
        kind="photo", media={"stored": _keep(database, PNG), "mime": "image/png"})
    await Customer.filter(id__in=[conversation.customer_id, other.customer_id]).update(
        phone="989121234567")
    await open_ticket(connection(), conversation_id=conversation.id,
                      customer_id=conversation.customer_id, description="بسته خیس رسید",
                      media=(), now=datetime.now(UTC))
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    image = page.locator(".media img")
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 1
    await shot(page, "conversation-picture")
    await page.click("#customer-link")
    await page.wait_for_selector("#same-person")
    await shot(page, "customer-page")
    await page.click("button.merge")
    await page.wait_for_selector(".customer-page")
    assert await page.locator("#same-person").count() == 0
    assert await page.locator(".customer-page a[href^='/conversations/']").count() == 2
