"""Issue 16: the customer card in a browser, after the customer wrote «لغو»: the opt-out is
shown with the channel and the date, and the page still fits a phone."""

from __future__ import annotations

from core.models import OptOut
from tests.browser.conftest import PHONE, conversation_of, log_in, new_page, shot
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import make_user


async def test_issue_16_the_customer_card_shows_the_opt_out(browser, server):
    await make_user("sara@example.com")
    assert await server.post(text_update(7160, "سلام")) == 200
    assert await server.post(text_update(7160, "لغو")) == 200
    conversation = await conversation_of(7160)
    await eventually(lambda: OptOut.exists(customer_id=conversation.customer_id),
                     what="the opt-out")
    page = await new_page(browser)
    await log_in(page, server.base, "sara@example.com")
    await page.goto(f"{server.base}/customers/{conversation.customer_id}")
    notice = page.locator("#opt-outs")
    await notice.wait_for()
    assert "لغو اشتراک" in await notice.inner_text()
    await shot(page, "opt-out-customer")
    await page.set_viewport_size(PHONE)
    await page.reload()
    await notice.wait_for()
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    await shot(page, "opt-out-customer-phone")
