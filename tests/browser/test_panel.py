"""The panel in a real browser, against a real Pasokh process and the fake Telegram."""

from __future__ import annotations

import asyncio

import pytest

from core.models import Conversation, Message, Team
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot, wait_ms
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import make_user
from tests.waits import patience

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


async def test_a_message_that_comes_during_a_timeline_refresh_is_shown(browser, server):
    """The timeline's refresh is held, read by the server before the customer's next
    message; that message's notice comes meanwhile. htmx dropped the request it queued
    then, so the page stayed without the message: now the refresh is owed and asked for
    once the held one is in."""
    await make_user("sara@example.com")
    assert await server.post(text_update(7010, "اپراتور")) == 200  # a person, so no bot
    conversation = await conversation_of(7010)
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.wait_for_selector("body[data-live=on]")
    held: asyncio.Queue = asyncio.Queue()
    release = asyncio.Event()

    async def hold(route) -> None:
        answer = await route.fetch()  # the server reads the timeline now
        held.put_nowait(answer)
        await release.wait()
        await route.fulfill(response=answer)

    await page.route(f"**/conversations/{conversation.id}/live", hold, times=1)
    await page.evaluate("htmx.trigger(document.body, 'pasokh:changed')")
    await asyncio.wait_for(held.get(), patience(10))
    assert await server.post(text_update(7010, "سفارشم نرسیده")) == 200
    await eventually(lambda: Message.exists(conversation_id=conversation.id,
                                            text="سفارشم نرسیده", processed=True),
                     what="the second message stored")
    await page.wait_for_selector("body[data-refresh=owed]", state="attached",
                                 timeout=LIVE_WAIT_MS)
    release.set()
    await page.locator("#conversation-live .timeline", has_text="سفارشم نرسیده") \
        .wait_for(timeout=LIVE_WAIT_MS)


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
