"""Issue 17, part 1.8: the owner's order-lookup settings are not a way into the server.

Real HTTP against the fake shop on 127.0.0.1: a loopback or private address is refused when
the settings are checked and again when the lookup runs (the shop never hears of it), a name
that resolved to a public address when it was checked and to 127.0.0.1 afterwards (DNS
rebinding) is refused on connection, and with private addresses allowed the same shop answers.
CSV files are read by name from the orders folder alone.
"""

from __future__ import annotations

import os
import socket
import stat
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver

from core.address_policy import AddressPolicy
from core.order_lookup import OrderLookups, OrderSources, SourceRefused
from core.owner_config import OrderFields, OrderLookup
from tests.fakes.shop import API_KEY, FakeShop

FIELDS = OrderFields(status="order.status", updated_at="order.updated_at",
                     tracking_code="order.shipping.tracking")
PUBLIC = "93.184.215.14"


@pytest.fixture
async def shop():
    async with FakeShop() as fake:
        yield fake


class Answers:
    """A DNS server's answers for every name, in turn (the last one repeats): what a
    rebinding attacker's server does."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = list(addresses)
        self.asked: list[str] = []

    def resolver(self) -> AbstractResolver:
        return _Resolver(self)


class _Resolver(AbstractResolver):
    def __init__(self, answers: Answers) -> None:
        self._answers = answers

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        answers = self._answers
        answers.asked.append(host)
        address = answers.addresses.pop(0) if len(answers.addresses) > 1 else answers.addresses[0]
        return [{"hostname": host, "host": address, "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


def lookup_at(url: str) -> OrderLookup:
    return OrderLookup(url=url, headers={"X-Api-Key": API_KEY}, fields=FIELDS,
                       timeout_seconds=2)


async def run(sources: OrderSources, config: OrderLookup, order_id: str = "12345"
              ) -> dict[str, Any]:
    lookups = OrderLookups(sources)
    try:
        return await lookups.look_up(config, order_id)
    finally:
        await lookups.close()


async def test_a_loopback_shop_is_refused_when_checked_and_when_called(shop, tmp_path):
    sources = OrderSources(AddressPolicy(), tmp_path / "orders")
    config = lookup_at(f"{shop.base_url}/api/orders/{{order_id}}")
    problems = await sources.problems(config)
    assert [path for path, _, _ in problems] == ["$.order_lookup.url"]
    assert "127.0.0.1" in problems[0][1] and "فقط به نشانی‌های عمومی" in problems[0][2]
    assert (await run(sources, config))["outcome"] == "failed"
    assert shop.calls == []  # the shop (and its key) never heard of it


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/orders/{order_id}", "http://169.254.169.254/latest/{order_id}",
    "http://[::1]:8080/orders/{order_id}", "http://[::ffff:127.0.0.1]/orders/{order_id}",
    "http://100.64.0.1/orders/{order_id}", "http://localhost:8080/orders/{order_id}",
    "http://0.0.0.0:8080/orders/{order_id}", "http://intranet/orders/{order_id}",
])
async def test_private_link_local_and_local_names_are_refused(url, tmp_path):
    sources = OrderSources(AddressPolicy(), tmp_path / "orders")
    assert [path for path, _, _ in await sources.problems(lookup_at(url))] == [
        "$.order_lookup.url"]
    assert (await run(sources, lookup_at(url)))["outcome"] == "failed"


async def test_allowed_private_addresses_reach_the_shop(shop, tmp_path):
    sources = OrderSources(AddressPolicy(allow_private=True), tmp_path / "orders")
    config = lookup_at(f"{shop.base_url}/api/orders/{{order_id}}")
    assert await sources.problems(config) == []
    assert (await run(sources, config))["status"] == "shipped"
    assert shop.calls[-1].authorised


async def test_a_name_rebound_to_loopback_after_the_check_is_refused_on_connection(
        shop, tmp_path):
    answers = Answers(PUBLIC, "127.0.0.1")
    sources = OrderSources(AddressPolicy(lookup=answers.resolver), tmp_path / "orders")
    config = lookup_at(f"http://shop.example:{shop.port}/api/orders/{{order_id}}")
    assert await sources.problems(config) == []  # public when the owner saved it
    assert (await run(sources, config))["outcome"] == "failed"
    assert answers.asked == ["shop.example", "shop.example"]
    assert shop.calls == []


async def test_the_connection_goes_to_the_address_that_was_checked(shop, tmp_path):
    """shop.example is not in any DNS: the shop answers only because the connection went to
    the address the guarded resolver checked and handed over."""
    answers = Answers("127.0.0.1")
    sources = OrderSources(AddressPolicy(allow_private=True, lookup=answers.resolver),
                           tmp_path / "orders")
    config = lookup_at(f"http://shop.example:{shop.port}/api/orders/{{order_id}}")
    assert (await run(sources, config))["tracking_code"] == "IR-778899"
    assert answers.asked == ["shop.example"]


async def test_a_name_with_one_private_address_among_public_ones_is_refused(shop, tmp_path):
    class Both(_Resolver):
        async def resolve(self, host: str, port: int = 0,
                          family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
            return [{"hostname": host, "host": address, "port": port, "family": socket.AF_INET,
                     "proto": 0, "flags": socket.AI_NUMERICHOST}
                    for address in (PUBLIC, "127.0.0.1")]

    sources = OrderSources(AddressPolicy(lookup=lambda: Both(Answers())), tmp_path / "orders")
    config = lookup_at(f"http://shop.example:{shop.port}/api/orders/{{order_id}}")
    assert [path for path, _, _ in await sources.problems(config)] == ["$.order_lookup.url"]
    assert (await run(sources, config))["outcome"] == "failed"
    assert shop.calls == []


async def test_csv_files_are_read_from_the_orders_folder_only(tmp_path):
    folder = tmp_path / "data" / "orders"
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text("order_id,status\nA1,ready\n", encoding="utf-8")
    outside = tmp_path / "secret.csv"
    outside.write_text("order_id,status\nA1,leaked\n", encoding="utf-8")
    (folder / "link.csv").symlink_to(outside)
    sources = OrderSources(AddressPolicy(), folder)
    assert (await run(sources, OrderLookup(csv="orders.csv"), "A1"))["status"] == "ready"
    for name in ("link.csv", str(outside), "../secret.csv", "orders/../../secret.csv"):
        assert (await run(sources, OrderLookup(csv=name), "A1"))["outcome"] == "failed"
        with pytest.raises(SourceRefused):
            sources.csv_file(name)


async def test_whether_a_server_path_exists_is_never_told(tmp_path):
    sources = OrderSources(AddressPolicy(), tmp_path / "orders")
    there = tmp_path / "there.csv"
    there.write_text("order_id\n1\n", encoding="utf-8")
    said = {name: await sources.problems(OrderLookup(csv=name))
            for name in (str(there), str(tmp_path / "not-there.csv"))}
    first, second = said.values()
    assert first and [p[0] for p in first] == [p[0] for p in second]
    assert first[0][2] == second[0][2]  # the same words whether the path exists or not
    assert str(tmp_path) not in first[0][2]


async def test_an_upload_is_kept_by_its_plain_name_for_pasokh_alone(tmp_path):
    folder = tmp_path / "data" / "orders"
    sources = OrderSources(AddressPolicy(), folder)
    data = "order_id,status\n7,ارسال شد\n".encode()
    assert await sources.keep("../../etc/سفارش‌ها.csv", data) == "سفارش‌ها.csv"
    assert await sources.keep("C:\\shop\\export.CSV", data) == "export.CSV"
    assert await sources.keep("notes.txt", data) == "orders.csv"
    assert sorted(p.name for p in folder.iterdir()) == ["export.CSV", "orders.csv", "سفارش‌ها.csv"]
    assert stat.S_IMODE(os.stat(folder / "orders.csv").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not (tmp_path / "etc").exists()
    with pytest.raises(UnicodeDecodeError):
        await sources.keep("bad.csv", b"order_id\n\xff\xfe\n")
    assert (await run(sources, OrderLookup(csv="سفارش‌ها.csv"), "7"))["status"] == "ارسال شد"
