"""Issue 18, "try the bot" as the web chat's preview: the owner's page frames the real
widget on the panel's own address (a web chat channel allowing that address), and the
widget's reads, which a browser sends without `Origin` from its own address, are answered.
Screenshots at 1366 and 390 px."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.webchat import new_channel
from core import owner_config, owner_desk, sample_shop
from core.events import Platform
from core.models import Conversation
from tests.browser.conftest import DESKTOP, PHONE, log_in, new_page, shot
from tests.integration.helpers import eventually
from tests.integration.test_crash_recovery import PasokhProcess
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

OWNER = "owner@example.com"
WIDGET = "#pasokh-webchat"
LIVE_WAIT_MS = 20_000


@pytest.fixture
async def previewed(database, fake_telegram) -> AsyncIterator[PasokhProcess]:
    """Pasokh with the sample shop and a web chat that allows Pasokh's own address."""
    await owner_config.store(sample_shop.sample())
    process = PasokhProcess(database.data_dir, fake_telegram.base_url)
    channel = new_channel("فروشگاه", ["https://shop.example", process.base])
    await owner_desk.save_channel(Platform.WEBCHAT, key=channel.key, token=channel.token,
                                  webhook_secret="", name=channel.name,
                                  options=channel.options)
    await make_user(OWNER, "owner")
    await process.start()
    yield process
    await process.terminate()


async def test_issue_18_try_the_bot_is_the_web_chat_widget(browser, previewed):
    refused: list[str] = []
    page = await new_page(browser, DESKTOP)
    page.on("response", lambda response: refused.append(response.url)
            if "/webchat/api/" in response.url and response.status >= 400 else None)
    await log_in(page, previewed.base, OWNER)
    await page.goto(previewed.base + "/owner/try")
    frame = page.frame_locator("iframe.try-frame")
    # The frame opens the chat by itself; the visitor is the owner.
    await frame.locator(f"{WIDGET} [data-pasokh=panel]:not([hidden])").wait_for(
        timeout=LIVE_WAIT_MS)
    await frame.locator(f"{WIDGET} [data-pasokh=input]").fill("سلام")
    await frame.locator(f"{WIDGET} [data-pasokh=send]").click()
    await frame.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    await frame.locator(f"{WIDGET} [data-pasokh=button]").first.wait_for()
    # A menu button, then the answer arrives through the stream and the history (GETs).
    await frame.locator(f"{WIDGET} [data-pasokh=button]").first.click()
    await eventually(lambda: _more_than(frame, 2), timeout=20, what="the button's answer")
    assert refused == []
    await eventually(lambda: Conversation.filter(channel__platform="webchat").exists(),
                     what="the preview's conversation in the inbox")
    await page.wait_for_timeout(300)  # the font settles
    await shot(page, "issue-18-try-the-bot-widget")

    phone = await new_page(browser, PHONE)
    await log_in(phone, previewed.base, OWNER)
    await phone.goto(previewed.base + "/owner/try")
    narrow = phone.frame_locator("iframe.try-frame")
    # Another browser context: another visitor, with a conversation of its own.
    await narrow.locator(f"{WIDGET} [data-pasokh=panel]:not([hidden])").wait_for(
        timeout=LIVE_WAIT_MS)
    # Below the owner's page list on a phone: Playwright scrolls the frame's own
    # viewport, not the page's, to reach a fixed element inside it.
    await phone.locator("iframe.try-frame").scroll_into_view_if_needed()
    await narrow.locator(f"{WIDGET} [data-pasokh=input]").fill("سلام")
    await narrow.locator(f"{WIDGET} [data-pasokh=send]").click()
    await narrow.locator(f"{WIDGET} [data-pasokh=message][data-from=bot]").first.wait_for(
        timeout=LIVE_WAIT_MS)
    box = await narrow.locator(f"{WIDGET} [data-pasokh=panel]").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    overflow = await phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    await phone.wait_for_timeout(300)
    await shot(phone, "issue-18-try-the-bot-widget-phone")
    assert refused == []


async def _more_than(frame, count: int) -> bool:
    return await frame.locator(f"{WIDGET} [data-pasokh=message]").count() > count


async def test_issue_14_the_channels_secret_is_masked_shown_copied_and_rotated(browser,
                                                                               previewed):
    page = await new_page(browser, DESKTOP)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await log_in(page, previewed.base, OWNER)
    await page.goto(previewed.base + "/owner/channels")
    secret = page.locator("input[data-secret]")
    assert await secret.get_attribute("type") == "password"
    before = await secret.input_value()
    await page.click("button[data-reveal]")
    assert await secret.get_attribute("type") == "text"
    assert await page.get_attribute("button[data-reveal]", "aria-pressed") == "true"
    copy = page.locator("button[data-copy^=secret-]")
    await copy.click()
    await page.wait_for_selector("button[data-copy^=secret-][data-copied=yes]")
    assert await page.evaluate("navigator.clipboard.readText()") == before
    await shot(page, "webchat-secret-shown")
    await page.click(".secret-rotate button[type=submit]")
    await page.wait_for_selector(".owner-notice")
    after = await page.locator("input[data-secret]").input_value()
    assert after and after != before
    assert await page.locator("input[data-secret]").get_attribute("type") == "password"
