"""Issue 17 (4) in a real browser: an owner registers a webhook endpoint, copies its secret,
sends a test event to a fake receiver and sees it delivered in the log."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from tests.browser.conftest import PHONE, log_in, new_page, shot
from tests.fakes.receiver import FakeReceiver
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def private_urls_allowed(monkeypatch):
    """The served process calls the fake receiver on loopback."""
    monkeypatch.setenv("PASOKH_ALLOW_PRIVATE_URLS", "true")


async def test_issue_17_an_owner_registers_and_tests_a_webhook(private_urls_allowed, browser,
                                                               server):
    await make_user("owner@example.com", "owner")
    async with FakeReceiver() as receiver:
        page = await new_page(browser)
        await log_in(page, server.base, "owner@example.com")
        await page.goto(server.base + "/owner/kpis")
        await page.click("nav.owner-nav a[href='/owner/webhooks']")
        await shot(page, "webhooks-empty")
        await page.fill("input[name=url]", receiver.url)
        await page.fill("input[name=description]", "سامانهٔ مشتریان فروشگاه")
        await page.uncheck("input[value='customer.opted_out']")
        await page.click("form[action='/owner/webhooks'] button[type=submit]")
        secret = await page.inner_text("#webhook-secret")
        assert secret.startswith("whsec_")
        await page.click("button:has-text('فرستادن رویداد آزمایشی')")
        await receiver.wait_for(lambda fake: len(fake.received) == 1, timeout=10)
        event = Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
        assert event["type"] == "webhook.test"
        for _ in range(50):
            await page.reload()
            if "تحویل شد" in await page.inner_text(".owner-table"):
                break
        assert "تحویل شد" in await page.inner_text(".owner-table")
        await shot(page, "webhook-delivered")
        phone = await new_page(browser, PHONE)
        await log_in(phone, server.base, "owner@example.com")
        await phone.goto(page.url)
        await shot(phone, "webhook-phone")
        await page.goto(server.base + "/owner/webhooks")
        await shot(page, "webhooks-list")
