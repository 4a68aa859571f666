"""Issue 17, item 12, in a real browser: an owner makes an API token on its page, sees it
once, and revokes it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, log_in, new_page, shot
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


async def test_issue_17_an_owner_makes_and_revokes_a_token(browser, server):
    await make_user("owner@example.com", "owner")
    page = await new_page(browser)
    await log_in(page, server.base, "owner@example.com")
    await page.goto(server.base + "/owner/kpis")
    await page.click("nav.owner-nav a[href='/owner/api-tokens']")
    await page.fill("input[name=name]", "وب‌سایت فروشگاه")
    await page.click("form[action='/owner/api-tokens'] button[type=submit]")
    token = await page.inner_text("#new-token")
    assert token.startswith("pasokh_")
    await shot(page, "api-tokens-made")
    await page.click("form[action='/owner/api-tokens/revoke'] button[type=submit]")
    await page.wait_for_selector(".owner-notice")
    assert token not in await page.content()
    await shot(page, "api-tokens-revoked")
    phone = await new_page(browser, PHONE)
    await log_in(phone, server.base, "owner@example.com")
    await phone.goto(server.base + "/owner/api-tokens")
    await shot(phone, "api-tokens-phone")
