"""Issue 18 in a real browser: the profile's name and avatar, the people page, whose turn in
the inbox, channel icons, placeholders on the right in Persian, tomorrow as the snooze example,
and an empty chart that says so; screenshots at 1366 px and 390 px of each page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect

from core.clock import utcnow
from core.formats import format_jalali_numeric
from core.models import User
from core.text import to_persian_digits
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


async def _both_widths(page, name: str) -> None:
    await shot(page, f"issue18-{name}-1366")
    await page.set_viewport_size(PHONE)
    await shot(page, f"issue18-{name}-390")
    await page.set_viewport_size({"width": 1366, "height": 768})


async def test_profile_people_inbox_conversation_and_kpis(browser, server):
    owner = await make_user("owner@example.com", "owner")
    await make_user("omid@example.com", "agent")
    assert await server.post(text_update(7191, "اپراتور", first_name="نگار")) == 200
    conversation = await conversation_of(7191)
    page = await new_page(browser)
    await log_in(page, server.base, "owner@example.com")

    await page.click(".topbar .who")
    await page.fill("#display-name", "سارا احمدی")
    await page.click(".profile-form button[type=submit]")
    await page.locator(".profile-saved").wait_for(timeout=wait_ms(5))
    assert await page.locator(".topbar .who .avatar").inner_text() == "س\u200cا"
    assert (await User.get(id=owner)).display_name == "سارا احمدی"
    await _both_widths(page, "profile")

    await page.goto(f"{server.base}/owner/people")
    row = page.locator("form.owner-rename", has=page.locator('input[value=""]')).first
    await row.locator("input[name=display_name]").fill("امید")
    await row.locator("button").click()
    await page.locator('form.owner-rename input[value="امید"]').wait_for(timeout=wait_ms(5))
    await _both_widths(page, "people")

    await page.goto(f"{server.base}/")
    row = page.locator(f'.conversation-row[data-conversation-id="{conversation.id}"]')
    await row.locator(".turn-us").wait_for(timeout=wait_ms(5))
    # Retried until it holds: the row may be swapped by a live refresh between two round trips.
    await expect(row.locator(".platform")).to_have_css(
        "background-image", re.compile(r'^url\("data:image/svg\+xml'))
    search = page.locator("#search")
    assert await search.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert await page.locator('link[rel="icon"]').count() == 1
    await _both_widths(page, "inbox")

    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.wait_for_selector("body[data-live=on]")
    reply = page.locator("#reply-text")
    assert await reply.evaluate("e => getComputedStyle(e).direction") == "rtl"
    await reply.fill("hello")
    assert await reply.evaluate("e => getComputedStyle(e).direction") == "ltr"  # its text's
    await reply.fill("")
    example = await page.locator("input[name=date]").get_attribute("placeholder")
    assert example == to_persian_digits(format_jalali_numeric(utcnow() + timedelta(days=1)))
    await _both_widths(page, "conversation")

    await page.goto(f"{server.base}/owner/kpis?from=1300/01/01&to=1300/01/02")
    await page.locator(".kpi-chart").first.wait_for(timeout=wait_ms(5))
    titles = await page.locator(".kpi-chart-title").all_inner_texts()
    assert len(titles) == await page.locator(".kpi-chart").count() == 3
    assert "هنوز داده‌ای نیست" in await page.locator(".kpi-chart-empty").first.text_content()
    await _both_widths(page, "kpis")
