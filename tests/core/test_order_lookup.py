"""Order lookups over real HTTP against the fake shop, and from a CSV file."""

from __future__ import annotations

import logging
import os

import pytest

from core.address_policy import AddressPolicy
from core.order_lookup import OrderLookups, OrderSources
from core.owner_config import OrderFields, OrderLookup
from tests.fakes.shop import API_KEY, BROKEN_ORDER, SLOW_ORDER, FakeShop

FIELDS = OrderFields(status="order.status", updated_at="order.updated_at",
                     tracking_code="order.shipping.tracking")


@pytest.fixture
async def shop():
    async with FakeShop(slow_seconds=5) as fake:
        yield fake


@pytest.fixture
async def lookups(tmp_path):
    """The fake shop listens on 127.0.0.1: private addresses allowed, as for a shop on the
    same machine (tests/core/test_issue_17_order_sources.py shows them refused)."""
    lookups = OrderLookups(OrderSources(AddressPolicy(allow_private=True), tmp_path / "orders"))
    yield lookups
    await lookups.close()


def api(shop: FakeShop, key: str = API_KEY) -> OrderLookup:
    return OrderLookup(url=f"{shop.base_url}/api/orders/{{order_id}}",
                       headers={"X-Api-Key": key}, fields=FIELDS, timeout_seconds=0.5)


async def test_a_known_order_comes_back_with_its_status_date_and_tracking_code(shop, lookups):
    outcome = await lookups.look_up(api(shop), "12345")
    assert outcome == {"order_id": "12345", "outcome": "found", "status": "shipped",
                       "updated_at": "2026-03-22T10:00:00+00:00", "tracking_code": "IR-778899"}
    unix = await lookups.look_up(api(shop), "AB-77")
    assert unix["updated_at"].startswith("2026-03-22") and unix["tracking_code"] is None


async def test_an_unknown_order_is_unknown(shop, lookups):
    assert (await lookups.look_up(api(shop), "404404"))["outcome"] == "unknown"


@pytest.mark.parametrize("order_id", [SLOW_ORDER, BROKEN_ORDER])
async def test_a_slow_or_broken_shop_is_a_failure_not_an_exception(shop, lookups, order_id):
    assert (await lookups.look_up(api(shop), order_id))["outcome"] == "failed"


async def test_the_shops_secret_header_never_reaches_the_log(shop, lookups, caplog):
    caplog.set_level(logging.DEBUG)
    outcome = await lookups.look_up(api(shop, key="not-the-key"), "12345")
    assert outcome["outcome"] == "failed"
    assert shop.calls[-1].authorised is False
    assert "not-the-key" not in caplog.text


async def test_the_order_id_cannot_change_the_path(shop, lookups):
    await lookups.look_up(api(shop), "../admin?x=1")
    assert shop.calls[-1].order_id == "../admin?x=1"  # one path segment, quoted


async def test_nothing_listening_is_a_failure(lookups):
    config = OrderLookup(url="http://127.0.0.1:9/api/{order_id}", timeout_seconds=0.5)
    assert (await lookups.look_up(config, "1"))["outcome"] == "failed"


async def test_orders_from_a_csv_file_follow_its_changes(tmp_path, lookups):
    (tmp_path / "orders").mkdir()
    path = tmp_path / "orders" / "orders.csv"
    path.write_text("شماره,وضعیت,تاریخ,رهگیری\n1001,در حال آماده‌سازی,1405/01/02,\n",
                    encoding="utf-8")
    config = OrderLookup(csv="orders.csv", fields=OrderFields(
        order_id="شماره", status="وضعیت", updated_at="تاریخ", tracking_code="رهگیری"))
    found = await lookups.look_up(config, "1001")
    assert found["status"] == "در حال آماده‌سازی"
    assert found["updated_at"].startswith("2026-03-22")  # 2 Farvardin 1405
    assert (await lookups.look_up(config, "1002"))["outcome"] == "unknown"
    path.write_text("شماره,وضعیت,تاریخ,رهگیری\n1002,ارسال شد,,X1\n", encoding="utf-8")
    os.utime(path, (1, 1))  # a new modification time, whatever the clock's resolution
    assert (await lookups.look_up(config, "1002"))["tracking_code"] == "X1"


async def test_a_missing_csv_or_column_is_a_failure(tmp_path, lookups):
    missing = OrderLookup(csv="gone.csv")
    assert (await lookups.look_up(missing, "1"))["outcome"] == "failed"
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "odd.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    odd = OrderLookup(csv="odd.csv")
    assert (await lookups.look_up(odd, "1"))["outcome"] == "failed"
