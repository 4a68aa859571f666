"""Channels added in the panel: a Telegram bot by its token (setWebhook through the fake,
then answering at once, without a restart), WhatsApp with a connection test."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiohttp.test_utils import unused_port

from bots.typedefs import RUNTIME
from core.models import Channel
from tests.conftest import BOT_TOKEN
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, FakeMeta
from tests.fakes.telegram import FakeTelegram
from tests.integration.helpers import eventually, text_update
from tests.panel.helpers import post_form
from tests.panel.owner_helpers import as_owner

NEW_BOT_TOKEN = "777000111:NEW-BOT-TOKEN"
PHONE_NUMBER_ID = "1098765432"


@pytest.fixture
async def fake_telegram():
    async with FakeTelegram(tokens=[BOT_TOKEN, NEW_BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture
async def fake_meta():
    async with FakeMeta() as fake:
        yield fake


@pytest.fixture
async def reachable_pasokh(aiohttp_client, settings, fake_telegram, fake_meta):
    """Pasokh on a port known in advance, so that PASOKH_PUBLIC_URL can name it."""
    from bots.runtime import create_app

    port = unused_port()
    served = replace(settings, public_url=f"http://127.0.0.1:{port}").with_environment(
        TELEGRAM_API_BASE=fake_telegram.base_url,
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_GRAPH_BASE=fake_meta.base_url,
    )
    return await aiohttp_client(create_app(served), server_kwargs={"port": port})


async def test_a_bot_added_by_token_gets_its_webhook_and_answers_at_once(reachable_pasokh,
                                                                         fake_telegram):
    client = reachable_pasokh
    await as_owner(client)
    response = await post_form(client, "/owner/channels/telegram", {"token": NEW_BOT_TOKEN})
    assert response.status == 200
    page = await response.text()
    assert "Webhook was set" in page and "@pasokh_test_777000111_bot" in page
    webhook = fake_telegram.webhook_for(NEW_BOT_TOKEN)
    assert webhook["url"] == str(client.make_url("/webhooks/telegram"))
    channel = await Channel.get(platform="telegram", key="777000111")
    assert webhook["secret_token"] == channel.webhook_secret
    assert len(channel.webhook_secret) >= 32
    assert NEW_BOT_TOKEN not in page

    assert await fake_telegram.deliver_update(text_update(9401, "سلام"),
                                              token=NEW_BOT_TOKEN) == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9401))
    (call,) = [c for c in fake_telegram.calls if c.params.get("chat_id") == 9401]
    assert call.token == NEW_BOT_TOKEN


async def test_a_token_telegram_refuses_is_not_added_and_its_answer_shown(reachable_pasokh):
    await as_owner(reachable_pasokh)
    refused = await post_form(reachable_pasokh, "/owner/channels/telegram",
                              {"token": "555:WRONG-TOKEN"})
    assert refused.status == 400
    page = await refused.text()
    assert "تلگرام این توکن را نپذیرفت" in page and "Unauthorized" in page
    garbled = await post_form(reachable_pasokh, "/owner/channels/telegram", {"token": "nonsense"})
    assert garbled.status == 400 and "شبیه توکن ربات نیست" in await garbled.text()
    assert not await Channel.filter(key="555").exists()


async def test_without_a_public_url_the_owner_is_told_to_set_it(pasokh):
    await as_owner(pasokh)
    response = await post_form(pasokh, "/owner/channels/telegram", {"token": NEW_BOT_TOKEN})
    assert response.status == 400
    assert "PASOKH_PUBLIC_URL" in await response.text()


async def test_whatsapp_credentials_are_saved_and_the_connection_tested(reachable_pasokh,
                                                                        fake_meta):
    client = reachable_pasokh
    await as_owner(client)
    fake_meta.add_node(PHONE_NUMBER_ID, display_phone_number="+98 912 000 0000",
                       verified_name="Sample Shop")
    response = await post_form(client, "/owner/channels/meta", {
        "platform": "whatsapp", "key": PHONE_NUMBER_ID, "token": DEFAULT_ACCESS_TOKEN,
        "name": "واتس‌اپ فروشگاه"})
    assert response.status == 200
    channel = await Channel.get(platform="whatsapp", key=PHONE_NUMBER_ID)
    assert channel.webhook_secret == DEFAULT_APP_SECRET
    assert channel.id in client.app[RUNTIME].transports

    tested = await post_form(client, "/owner/channels/test", {"channel": str(channel.id)})
    assert tested.status == 200
    page = await tested.text()
    assert "اتصال برقرار است" in page and "verified_name: Sample Shop" in page

    await post_form(client, "/owner/channels/meta", {
        "platform": "whatsapp", "key": PHONE_NUMBER_ID, "token": "expired-token", "name": ""})
    failed = await post_form(client, "/owner/channels/test", {"channel": str(channel.id)})
    assert failed.status == 502
    assert "آزمایش اتصال ناموفق بود" in await failed.text()


async def test_a_meta_channel_needs_a_numeric_id_and_a_token(reachable_pasokh):
    await as_owner(reachable_pasokh)
    response = await post_form(reachable_pasokh, "/owner/channels/meta", {
        "platform": "instagram", "key": "shop", "token": ""})
    assert response.status == 400
    telegram = await post_form(reachable_pasokh, "/owner/channels/meta", {
        "platform": "telegram", "key": "1", "token": "x"})
    assert telegram.status == 400
    assert not await Channel.filter(platform="instagram").exists()


async def test_a_channel_another_process_added_is_picked_up(aiohttp_client, settings,
                                                            fake_telegram, monkeypatch):
    from bots import runtime as runtime_module
    from core import owner_desk
    from core.events import Platform

    monkeypatch.setattr(runtime_module, "CHANNELS_RELOAD_SECONDS", 0.05)
    client = await aiohttp_client(runtime_module.create_app(
        settings.with_environment(TELEGRAM_API_BASE=fake_telegram.base_url)))
    channel_id = await owner_desk.save_channel(Platform.TELEGRAM, key="777000111",
                                               token=NEW_BOT_TOKEN, webhook_secret="s" * 32,
                                               name="@other")
    runtime = client.app[RUNTIME]

    async def known() -> bool:
        return channel_id in runtime.transports and channel_id in runtime.channels.all_by_id()

    await eventually(known, what="the new channel loaded")
    update = text_update(9402, "سلام")
    response = await client.post("/webhooks/telegram", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s" * 32})
    assert response.status == 200
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(9402))
