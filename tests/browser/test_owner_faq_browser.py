"""In a real browser (Playwright driving Debian's Chromium): an owner adds an FAQ entry on
the panel's form and the bot answers a Telegram customer with it. The screenshot is saved
under tests/screenshots/ (git-ignored) to be looked at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integration.helpers import post_update, text_update
from tests.panel.helpers import PASSWORD, make_user

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")


async def test_an_owner_adds_a_faq_entry_and_the_bot_answers_with_it(pasokh, fake_telegram):
    from playwright.async_api import async_playwright

    await make_user("owner@example.com", "owner")
    base = str(pasokh.make_url("/"))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            await page.goto(base)
            await page.fill("input[type=email]", "owner@example.com")
            await page.fill("input[type=password]", PASSWORD)
            await page.click("form[action='/login'] button[type=submit]")
            await page.click("a[href='/owner/kpis']")
            await page.click("nav.owner-nav a[href='/owner/faq']")
            await page.fill("input[name=question]", "گارانتی کالا چقدر است؟")
            await page.fill("textarea[name=answer]", "همهٔ کالاها ۱۸ ماه گارانتی دارند.")
            await page.fill("textarea[name=alternatives]", "ضمانت چند ماهه است؟")
            await page.click("#faq-form button[type=submit]")
            notice = await page.text_content(".owner-notice")
            SCREENSHOTS.mkdir(exist_ok=True)
            await page.screenshot(path=SCREENSHOTS / "owner-faq-added.png", full_page=True)
        finally:
            await browser.close()
    assert notice and "ذخیره شد" in notice

    await post_update(pasokh, text_update(9601, "ضمانت کالا چند ماهه است؟"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9601))
    assert fake_telegram.sent_messages(9601)[0]["text"].startswith("همهٔ کالاها ۱۸ ماه")
