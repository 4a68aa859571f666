"""Issue 17, part 1.8, on the owner's order lookup form: an address on the server's own
network is refused at the field in Persian (and never called), a CSV file comes by upload
into the orders folder, and a server path is refused without saying whether it exists."""

from __future__ import annotations

import html

import pytest
from aiohttp import FormData

from bots.typedefs import RUNTIME
from core import owner_config, owner_settings
from tests.fakes.shop import FakeShop
from tests.panel.helpers import csrf_token, post_form
from tests.panel.owner_helpers import as_owner

FORM = "/owner/settings/order_lookup"


@pytest.fixture
async def shop():
    async with FakeShop() as fake:
        yield fake


def _field_problems(page: str) -> list[str]:
    return [html.unescape(part.split("</span>")[0])
            for part in page.split('<span class="field-problem" dir="auto">')[1:]]


async def _save(pasokh, **fields: str):
    return await post_form(pasokh, FORM, {
        "version": await owner_settings.version(), "order_lookup.timeout_seconds": "5",
        **{f"order_lookup.{name}": value for name, value in fields.items()}})


async def test_a_loopback_shop_address_is_refused_at_the_field_and_never_called(pasokh, shop):
    await as_owner(pasokh)
    for url in (f"{shop.base_url}/api/orders/{{order_id}}",
                "http://169.254.169.254/latest/{order_id}", "http://localhost/{order_id}"):
        response = await _save(pasokh, source="url", url=url)
        page = await response.text()
        assert response.status == 400
        assert _field_problems(page) == [
            "پاسخ فقط به نشانی‌های عمومی اینترنت وصل می‌شود؛ این نشانی در شبکهٔ خود سرور "
            "است یا مجاز نیست."]
        assert 'class="form-field form-field-text field-url wrong"' in page
    assert (await owner_config.load_stored()).order_lookup is None
    assert shop.calls == []


async def test_the_host_cannot_come_from_the_order_number(pasokh):
    await as_owner(pasokh)
    response = await _save(pasokh, source="url", url="https://{order_id}.shop.example/x")
    assert response.status == 400
    assert "نه در نام میزبان" in _field_problems(await response.text())[0]


async def test_a_csv_file_comes_by_upload_and_answers_the_lookup(pasokh, settings_with_fake):
    await as_owner(pasokh)
    form = FormData()
    form.add_field("csrf_token", await csrf_token(pasokh, FORM))
    form.add_field("version", await owner_settings.version())
    form.add_field("order_lookup.source", "csv")
    form.add_field("order_lookup.csv", "")
    form.add_field("order_lookup.timeout_seconds", "5")
    form.add_field("orders_csv_file", "order_id,status\nB-42,ارسال شد\n".encode(),
                   filename="../../سفارش‌ها.csv", content_type="text/csv")
    saved = await pasokh.post(FORM, data=form, allow_redirects=False)
    assert saved.status == 303, await saved.text()
    assert (await owner_config.load_stored()).order_lookup.csv == "سفارش‌ها.csv"
    assert (settings_with_fake.data_dir / "orders" / "سفارش‌ها.csv").is_file()
    await pasokh.app[RUNTIME].flows.refresh()
    tried = await post_form(pasokh, "/owner/settings/order_lookup/try", {"order_id": "B-42"})
    assert "ارسال شد" in await tried.text()


async def test_a_server_path_is_refused_without_saying_whether_it_exists(pasokh, tmp_path):
    await as_owner(pasokh)
    there = tmp_path / "there.csv"
    there.write_text("order_id,status\n1,x\n", encoding="utf-8")
    said = []
    for path in (str(there), str(tmp_path / "not-there.csv"), "../pasokh.db"):
        response = await _save(pasokh, source="csv", csv=path)
        assert response.status == 400
        said.append(_field_problems(await response.text()))
    assert said[0] == said[1] == said[2] and "فقط نام فایل CSV" in said[0][0]
    missing = await _save(pasokh, source="csv", csv="nothing-uploaded.csv")
    assert _field_problems(await missing.text()) == [
        "میان فایل‌های سفارش بارگذاری‌شده فایلی با این نام نیست؛ فایل CSV را در همین صفحه "
        "بارگذاری کنید."]
    assert (await owner_config.load_stored()).order_lookup is None


async def test_the_yaml_view_refuses_a_private_address_too(pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, f"{FORM}/yaml", {
        "yaml": "order_lookup:\n  url: http://10.0.0.5/orders/{order_id}\n",
        "version": await owner_settings.version()})
    assert response.status == 400
    assert "نشانی‌های عمومی اینترنت" in html.unescape(await response.text())
    assert (await owner_config.load_stored()).order_lookup is None
