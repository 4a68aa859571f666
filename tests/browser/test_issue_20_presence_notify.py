"""Issue 20 in Chromium, against a real Pasokh process: the status switch in the top bar,
and a handoff routed to the available agent, who is told in the panel: the tab's count and
the browser's notification (permission granted), with the sound's hook."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from core.owner_config import OwnerDocument, Routing, store
from tests.browser.conftest import PHONE, log_in, new_page, shot, wait_ms
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser

LIVE_WAIT_MS = wait_ms(20)
# Records what the page shows with the browser's Notification API (a real one is shown too).
RECORD_NOTIFICATIONS = """
window.__shown = [];
const RealNotification = window.Notification;
class RecordedNotification extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__shown.push({ title: title, body: (options || {}).body, tag: (options || {}).tag });
  }
}
Object.defineProperty(RecordedNotification, "permission",
                      { get: () => RealNotification.permission });
RecordedNotification.requestPermission = (...args) => RealNotification.requestPermission(...args);
window.Notification = RecordedNotification;
"""


async def test_the_status_switch_and_a_routed_handoff_told_in_the_panel(browser, server):
    await store(OwnerDocument(routing=Routing(mode="round_robin", max_open_per_agent=3)))
    await make_user("sara@example.com")
    page = await new_page(browser)
    await page.context.grant_permissions(["notifications"], origin=server.base)
    await page.add_init_script(RECORD_NOTIFICATIONS)
    await log_in(page, server.base, "sara@example.com")

    switch = page.locator("#presence .presence-switch")
    await page.wait_for_selector("#presence .presence-switch[data-status=available]")
    await page.click("#presence .presence-away")
    await page.wait_for_selector("#presence .presence-switch[data-status=away]")
    await page.locator(".topbar").screenshot(path=str(_path("presence-switch-away")))
    await page.click("#presence .presence-available")
    await page.wait_for_selector("#presence .presence-switch[data-status=available]")
    assert await switch.locator("[aria-pressed=true]").inner_text() == "در دسترس"

    assert await server.post(text_update(7301, "اپراتور", first_name="نگار")) == 200
    await expect(page).to_have_title(re.compile(r"^\(۱\) "), timeout=LIVE_WAIT_MS)
    shown = await page.evaluate("window.__shown")
    assert shown[0]["title"] == "گفتگویی به شما رسید"
    assert "به شما سپرده شد" in shown[0]["body"]
    assert await page.get_attribute("body", "data-unseen") == "1"
    await page.locator(".conversation-row", has_text="نگار").wait_for(timeout=LIVE_WAIT_MS)
    await shot(page, "notified-of-assignment")
    await page.set_viewport_size(PHONE)
    await shot(page, "presence-switch-phone")
    await page.click(".notify-settings")
    await page.wait_for_selector("#push-on")
    await shot(page, "notification-choices-phone")


def _path(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
