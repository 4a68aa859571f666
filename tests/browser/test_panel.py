"""The panel in a real browser, against a real Pasokh process and the fake Telegram."""

from __future__ import annotations

import pytest

from core.models import Conversation, Team
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

# Generous: live updates take well under a second, but a loaded CI machine can stall.
LIVE_WAIT_MS = wait_ms(20)


async def test_login_and_logout(browser, server):
    await make_user("sara@example.com")
    page = await new_page(browser)
    await page.goto(server.base + "/")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.fill("input[name=email]", "sara@example.com")
    await page.fill("input[name=password]", "not the password")
    await page.click("button[type=submit].primary")
    assert "نادرست" in await page.inner_text("[role=alert]")
    await shot(page, "login-refused")
    await log_in(page, server.base, "sara@example.com")
    await shot(page, "inbox-empty")
    await page.click("#logout")
    await page.wait_for_selector("input[name=password]")
    await page.goto(server.base + "/conversations/1")
    await page.wait_for_selector("input[name=password]")  # sent back to the login form


async def test_a_telegram_message_appears_live_in_two_open_inboxes(browser, server):
    await make_user("sara@example.com")
    await make_user("omid@example.com")
    sara, omid = await new_page(browser), await new_page(browser)
    await log_in(sara, server.base, "sara@example.com")
    await log_in(omid, server.base, "omid@example.com")
    assert await server.post(text_update(7001, "سفارش ۱۲۳۴ من کجاست؟", first_name="نگار")) == 200
    for page in (sara, omid):
        row = page.locator(".conversation-row", has_text="نگار")
        await row.wait_for(timeout=LIVE_WAIT_MS)
    await shot(sara, "inbox-live-sara")
    await shot(omid, "inbox-live-omid")


async def test_an_agents_reply_reaches_telegram(browser, server, fake_telegram):
    await make_user("sara@example.com")
    assert await server.post(text_update(7002, "سلام، کمک می‌خواهم")) == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7002))  # the bot's welcome
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.click(".conversation-row a")
    await page.wait_for_selector("#reply-text")
    await page.fill("#reply-text", "سلام! سارا هستم، در خدمتم.")
    await page.press("#reply-text", "Enter")
    await fake_telegram.wait_for(lambda fake: any(
        m["text"] == "سلام! سارا هستم، در خدمتم." for m in fake.sent_messages(7002)), timeout=10)
    await page.locator(".author-agent .delivery-sent").wait_for(timeout=LIVE_WAIT_MS)
    assert await page.input_value("#reply-text") == ""
    await shot(page, "conversation-replied")
    await page.set_viewport_size(PHONE)
    await shot(page, "conversation-phone")


async def test_a_hostile_name_and_bidi_override_show_inert(browser, server):
    await make_user("sara@example.com")
    hostile = "<img src=x onerror=alert(1)>"
    text = "فاکتور\u202egpj.exe"
    assert await server.post(text_update(7003, text, first_name=hostile)) == 200
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    row = page.locator(".conversation-row").first
    await row.wait_for()
    assert await row.locator(".customer-name").inner_text() == hostile
    assert await page.locator("#inbox-rows img").count() == 0
    await row.locator("a").click()
    await page.wait_for_selector(".timeline")
    shown = await page.locator(".entry.inbound .text").first.inner_text()
    assert "\u202e" not in shown and shown == "فاکتورgpj.exe"
    assert await page.locator("main img").count() == 0
    await shot(page, "hostile-customer")


async def test_an_agent_of_team_a_cannot_open_team_b_by_url(browser, server):
    await make_user("a@example.com", "agent", "A")
    await make_user("b@example.com", "agent", "B")
    assert await server.post(text_update(7004, "پیام تیم ب")) == 200
    conversation = await conversation_of(7004)
    await Conversation.filter(id=conversation.id).update(team_id=(await Team.get(name="B")).id)
    page = await new_page(browser)
    await log_in(page, server.base, "a@example.com")
    assert await page.locator(".conversation-row").count() == 0
    response = await page.goto(f"{server.base}/conversations/{conversation.id}")
    assert response.status == 404
    assert "پیام تیم ب" not in await page.content()
    await shot(page, "team-b-not-found")
