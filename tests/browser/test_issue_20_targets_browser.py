"""Issue 20 in Chromium: the inbox shows each waiting conversation's time left against its
target (and marks a breach), and the KPI page the share of targets met, with its CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.models import Conversation
from core.owner_config import OwnerDocument, Targets, store
from tests.browser.conftest import conversation_of, log_in, new_page, shot
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import make_user

pytestmark = pytest.mark.browser


async def test_targets_in_the_inbox_and_on_the_kpi_page(browser, server):
    await store(OwnerDocument(targets=Targets(first_response_minutes=15,
                                              resolution_minutes=240)))
    await make_user("owner@example.com", "owner")
    for chat, name in ((7401, "نگار"), (7402, "بهرام")):
        assert await server.post(text_update(chat, "اپراتور", first_name=name)) == 200
    late, fresh = await conversation_of(7401), await conversation_of(7402)
    for conversation in (late, fresh):
        await eventually(lambda c=conversation: Conversation.exists(id=c.id, status="pending"),
                         what="handed off")
    now = datetime.now(UTC)
    await Conversation.filter(id=late.id).update(handed_off_at=now - timedelta(minutes=40))
    await Conversation.filter(id=fresh.id).update(handed_off_at=now - timedelta(minutes=3))

    page = await new_page(browser)
    await log_in(page, server.base, "owner@example.com")
    late_row = page.locator(f'[data-conversation-id="{late.id}"] .target-clock')
    fresh_row = page.locator(f'[data-conversation-id="{fresh.id}"] .target-clock')
    await late_row.wait_for()
    assert "target-breached" in await late_row.get_attribute("class")
    assert "گذشته از هدف نخستین پاسخ" in await late_row.inner_text()
    assert "دقیقه تا هدف نخستین پاسخ" in await fresh_row.inner_text()
    await shot(page, "inbox-with-targets")

    await page.goto(server.base + "/owner/kpis")
    section = page.locator("#targets")
    await section.wait_for()
    assert "۰٪" in await section.inner_text() or "0%" in await section.inner_text()
    await section.screenshot(path=str(_path("kpi-targets-section")))
    csv_link = await section.locator("a.owner-csv").get_attribute("href")
    response = await page.request.get(server.base + csv_link)
    assert response.status == 200 and "text/csv" in response.headers["content-type"]

    await page.goto(server.base + "/owner/routing")
    await page.fill("input[name=first_response]", "۲۰")
    await page.click("form.routing-form button[type=submit]")
    await page.wait_for_selector(".owner-notice")
    assert await page.input_value("input[name=first_response]") == "20"
    await shot(page, "owner-routing-and-targets")


def _path(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
