"""Issue 17, item 10: a customer's name of any length leaves every page usable: the name
is stored cut to its limit, and the layout ellipsizes or wraps one unbroken string
instead of widening the inbox row, the conversation header or the customer card."""

from __future__ import annotations

from core.limits import NAME_CHARS
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot
from tests.integration.helpers import text_update
from tests.panel.helpers import make_user

# Wider than any page would be, with no place to break.
UNBROKEN = "W" * 2000


# Measured in one turn of the page's script: the inbox refreshes itself as the bot's answers
# come in, and a row found in one round trip may be replaced before the next measures it.
_NAME_AND_ROW_WIDTHS = """() => {
  const row = [...document.querySelectorAll('.conversation-row')]
    .find(r => r.textContent.includes('WWW'));
  if (!row) return null;
  return {name: row.querySelector('.customer-name').getBoundingClientRect().width,
          row: row.getBoundingClientRect().width};
}"""


async def _fits(page) -> bool:
    """Whether nothing on the page reaches past the window's width."""
    return await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


async def test_issue_17_a_long_unbroken_name_stays_inside_every_page(browser, server):
    await make_user("sara@example.com")
    assert await server.post(text_update(7017, "سلام", first_name=UNBROKEN)) == 200
    assert await server.post(text_update(7018, "سلام هم", first_name="مریم")) == 200
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    rows = page.locator(".conversation-row")
    await rows.nth(1).wait_for()
    long_row = rows.filter(has_text="WWW").first
    shown = await long_row.locator(".customer-name").inner_text()
    assert len(shown) == NAME_CHARS and shown.endswith("…")
    widths = await (await page.wait_for_function(_NAME_AND_ROW_WIDTHS)).json_value()
    assert widths["name"] <= widths["row"]
    assert await _fits(page)
    await shot(page, "long-name-inbox")
    conversation = await conversation_of(7017)
    await page.goto(f"{server.base}/conversations/{conversation.id}")
    await page.wait_for_selector(".timeline")
    assert await _fits(page)
    await shot(page, "long-name-conversation")
    await page.goto(f"{server.base}/customers/{conversation.customer_id}")
    assert await _fits(page)
    await shot(page, "long-name-customer")
    await page.set_viewport_size(PHONE)
    await page.goto(server.base + "/")
    await rows.nth(1).wait_for()
    assert await _fits(page)
    await shot(page, "long-name-inbox-phone")
