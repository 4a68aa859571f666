"""Issue 16: the fake Bot API in Bale mode (dialect=BALE_API) differs from Telegram where
Bale does (docs/channels/bale.md), over real loopback HTTP."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from tests.fakes.telegram import BALE_API, FakeTelegram
from tests.fakes.test_fake_telegram import TOKEN, Api, error, user_message


@pytest.fixture
async def bale():
    async with FakeTelegram(dialect=BALE_API) as fake:
        yield fake


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(http, bale):
    return Api(http, bale)


async def test_issue_16_bale_serves_the_same_paths(api, bale):
    me = await api.ok("getMe")
    assert me["id"] == int(TOKEN.split(":")[0])
    sent = await api.ok("sendMessage", chat_id=42, text="سلام")
    assert sent["chat"]["id"] == 42 and bale.sent_messages(42)[0]["text"] == "سلام"


async def test_issue_16_bale_lacks_the_command_methods(api):
    for method in ("setMyCommands", "getMyCommands", "deleteMyCommands"):
        assert await api(method, commands=[]) == error(404, "Not Found: method not found")


async def test_issue_16_bale_set_webhook_keeps_only_the_url(api, bale):
    await api.ok("setWebhook", url="https://shop.example/webhooks/bale/s3cret",
                 secret_token="ignored", allowed_updates=["message"])
    assert bale.webhook == {"url": "https://shop.example/webhooks/bale/s3cret"}


async def test_issue_16_bale_delivers_with_no_secret_header(api, bale):
    seen: list[dict[str, str]] = []

    async def receive(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/webhooks/bale/{secret}", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await api.ok("setWebhook", url=f"http://127.0.0.1:{port}/webhooks/bale/s3cret",
                     secret_token="would-be-a-header")
        assert await bale.deliver_update(user_message(7, "سلام")) == 200
    finally:
        await runner.cleanup()
    (headers,) = seen
    assert "X-Telegram-Bot-Api-Secret-Token" not in headers


async def test_issue_16_bale_get_updates_has_no_update_filter(api, bale):
    bale.push_update(user_message(8, "سلام"))
    bale.push_update({"edited_message": user_message(8, "سلام!")["message"]})
    updates = await api.ok("getUpdates", allowed_updates=["callback_query"])
    assert [next(k for k in u if k != "update_id") for u in updates] == ["message",
                                                                         "edited_message"]
