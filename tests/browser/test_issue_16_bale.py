"""Issue 16, Bale in a real browser: a Bale conversation beside a Telegram one in the inbox,
each with its own badge, and the channel filter naming «بله»."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.browser.conftest import log_in, new_page, shot, stop_server, wait_ms
from tests.fakes.telegram import BALE_API, FakeTelegram
from tests.integration.bale_helpers import BALE_SECRET, BALE_TOKEN, bale_environment
from tests.integration.helpers import text_update
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = wait_ms(20)


@pytest.fixture
async def fake_bale():
    async with FakeTelegram(tokens=[BALE_TOKEN], dialect=BALE_API) as fake:
        yield fake


@pytest.fixture
async def server(database, fake_telegram, fake_bale, browser):
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    process._env.update(bale_environment(fake_bale))  # the channel .env would declare
    await process.start()
    yield process
    await stop_server(process, browser)


async def test_issue_16_a_bale_conversation_has_its_own_badge(browser, server, fake_bale):
    await make_user("sara@example.com")
    assert await server.post(text_update(7101, "سلام از تلگرام", first_name="نگار")) == 200
    async with aiohttp.ClientSession() as session, session.post(
            f"{server.base}/webhooks/bale/{BALE_SECRET}",
            data=json.dumps(text_update(7102, "سلام از بله", first_name="بهار")),
            headers={"Content-Type": "application/json"}) as response:
        assert response.status == 200
    await fake_bale.wait_for(lambda fake: fake.sent_messages(7102))
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    bale_row = page.locator(".conversation-row", has_text="بهار")
    await bale_row.wait_for(timeout=LIVE_WAIT_MS)
    assert await bale_row.locator(".platform-bale").count() == 1
    telegram_row = page.locator(".conversation-row", has_text="نگار")
    assert await telegram_row.locator(".platform-telegram").count() == 1
    # Its own icon (adapters/bale/icon.svg) is drawn in place of its letters.
    # Read in the page in one go: the live inbox may replace the row meanwhile, and a replaced
    # (detached) element has no computed style.
    badge = await page.wait_for_function(
        """() => {
            const row = [...document.querySelectorAll(".conversation-row")]
                .find(row => row.textContent.includes("بهار"));
            const icon = row && row.querySelector(".platform-bale");
            if (!icon || !getComputedStyle(icon).backgroundImage) return null;
            return [getComputedStyle(icon).backgroundImage,
                    getComputedStyle(icon, "::before").content];
        }""", timeout=LIVE_WAIT_MS)
    badge = await badge.json_value()
    assert badge[0].startswith('url("data:image/svg+xml,') and badge[1] == '""'
    assert "00a86b" in badge[0]  # Bale's green
    options = await page.locator("select[name=channel] option").all_inner_texts()
    assert "بله" in [option.strip() for option in options]
    await shot(page, "inbox-bale-and-telegram")
