"""The order lookup's "test" button: the saved settings asked for one order."""

from __future__ import annotations

import pytest

from bots.typedefs import RUNTIME
from core import owner_config
from tests.fakes.shop import API_KEY, FakeShop
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner


@pytest.fixture
def settings_with_fake(settings_with_fake):
    """The fake shop listens on 127.0.0.1: private addresses allowed, as for a shop on the
    same machine (tests/panel/test_issue_17_order_sources.py shows them refused)."""
    return settings_with_fake.with_environment(PASOKH_ALLOW_PRIVATE_URLS="true")


@pytest.fixture
async def shop():
    async with FakeShop(slow_seconds=5) as fake:
        yield fake


def _config(shop: FakeShop) -> str:
    return f"""\
order_lookup:
  url: {shop.base_url}/api/orders/{{order_id}}
  headers: {{X-Api-Key: {API_KEY}}}
  timeout_seconds: 1
  fields:
    status: order.status
    updated_at: order.updated_at
    tracking_code: order.shipping.tracking
"""


async def test_a_known_order_shows_its_status_date_and_tracking_code(pasokh, shop):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(_config(shop)))
    await pasokh.app[RUNTIME].flows.refresh()
    response = await post_form(pasokh, "/owner/settings/order_lookup/try", {"order_id": "#۱۲۳۴۵"})
    page = await response.text()
    assert response.status == 200
    assert "shipped" in page and "IR-778899" in page and "۱۴۰۵" in page  # a Jalali date
    assert shop.calls[-1].authorised


async def test_an_unknown_order_and_a_missing_number_are_said_plainly(pasokh, shop):
    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(_config(shop)))
    await pasokh.app[RUNTIME].flows.refresh()
    unknown = await (await post_form(pasokh, "/owner/settings/order_lookup/try",
                                     {"order_id": "404404"})).text()
    assert "این شمارهٔ سفارش" in unknown or "does not know" in unknown
    empty = await post_form(pasokh, "/owner/settings/order_lookup/try", {"order_id": "<b>"})
    assert empty.status == 400
    assert "<b>" not in await empty.text()


async def test_an_agent_cannot_test_the_lookup(pasokh, shop):
    from tests.panel.helpers import log_in, make_user

    await make_user("agent@example.com", "agent")
    await log_in(pasokh, "agent@example.com")
    response = await post_form(pasokh, "/owner/settings/order_lookup/try", {"order_id": "12345"})
    assert response.status == 404


async def test_issue_17_the_settings_page_masks_the_shop_key_and_saving_keeps_it(pasokh, shop):
    from core import owner_settings

    await as_owner(pasokh)
    await owner_config.store(owner_config.parse(_config(shop)))
    page = await (await pasokh.get("/owner/settings/order_lookup/yaml")).text()
    assert API_KEY not in page and owner_config.SECRET_MASK in page
    shown = owner_settings.section_yaml(await owner_config.load_stored(), "order_lookup")
    saved = await post_form(pasokh, "/owner/settings/order_lookup/yaml", {
        "yaml": shown.replace("timeout_seconds: 1", "timeout_seconds: 2"),
        "version": await owner_settings.version()})
    assert saved.status == 303, await saved.text()
    stored = (await owner_config.load_stored()).order_lookup
    assert stored is not None and stored.timeout_seconds == 2
    assert stored.headers == {"X-Api-Key": API_KEY}
