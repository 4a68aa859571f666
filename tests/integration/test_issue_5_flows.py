"""Issue 5 through the real path: webhook → flow → order lookup over HTTP → outbox → the fake
Telegram; and a ticket whose status an agent changes."""

from __future__ import annotations

import pytest

from bots.typedefs import RUNTIME
from core import owner_config
from core.tickets import change_ticket_status
from tests.fakes.shop import API_KEY, FakeShop
from tests.integration.helpers import button_update, post_update, text_update


@pytest.fixture
def settings_with_fake(settings_with_fake):
    """The fake shop listens on 127.0.0.1: private addresses allowed, as for a shop on the
    same machine (tests/panel/test_issue_17_order_sources.py shows them refused)."""
    return settings_with_fake.with_environment(PASOKH_ALLOW_PRIVATE_URLS="true")


@pytest.fixture
async def shop():
    async with FakeShop(slow_seconds=5) as fake:
        yield fake


async def configure(pasokh, text: str) -> None:
    await owner_config.store(owner_config.parse(text))
    await pasokh.app[RUNTIME].flows.refresh()


async def test_a_customer_tracks_an_order_in_persian(pasokh, fake_telegram, shop):
    await configure(pasokh, f"""\
menu:
  - title: پیگیری سفارش
    action: order
order_lookup:
  url: {shop.base_url}/api/orders/{{order_id}}
  headers: {{X-Api-Key: {API_KEY}}}
  timeout_seconds: 1
  fields: {{status: order.status, updated_at: order.updated_at,
           tracking_code: order.shipping.tracking}}
  status_names: {{shipped: ارسال شده}}
""")
    await post_update(pasokh, text_update(9101, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9101))
    await post_update(pasokh, button_update(9101, "m:0"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9101)) == 2, timeout=8)
    assert "شماره سفارش" in fake_telegram.sent_messages(9101)[1]["text"]
    await post_update(pasokh, text_update(9101, "۱۲۳۴۵"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9101)) == 4, timeout=15)
    answer = fake_telegram.sent_messages(9101)[3]["text"]
    assert "سفارش ۱۲۳۴۵: ارسال شده" in answer and "فروردین ۱۴۰۵" in answer
    assert shop.calls[-1].order_id == "12345" and shop.calls[-1].authorised


async def test_an_agent_changing_a_tickets_status_reaches_the_customer(pasokh, fake_telegram):
    await post_update(pasokh, text_update(9102, "مشکل دارم"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9102))
    await post_update(pasokh, text_update(9102, "کالا با رنگ اشتباه رسید"))
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9102)) == 2, timeout=8)
    assert "۱۰۰۱" in fake_telegram.sent_messages(9102)[1]["text"]
    message_id = await change_ticket_status(1001, "solved")
    pasokh.app[RUNTIME].engine.submit_ids([message_id])
    await fake_telegram.wait_for(lambda fake: len(fake.sent_messages(9102)) == 3, timeout=8)
    assert "«حل‌شده»" in fake_telegram.sent_messages(9102)[2]["text"]
