"""Issue 4, media: a file a customer sends on WhatsApp or Telegram ends up on disk, by hash."""

from __future__ import annotations

import hashlib
import time

import pytest

from core.media import media_path
from core.models import Message
from tests.conftest import WEBHOOK_SECRET
from tests.fakes.meta import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_SECRET, FakeMeta
from tests.integration.helpers import eventually
from tests.integration.meta_helpers import PHONE_NUMBER_ID, VERIFY_TOKEN, wa_media

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4


@pytest.fixture
async def fake_meta(app_clock):
    async with FakeMeta(clock=app_clock.monotonic) as fake:
        yield fake


@pytest.fixture
def connected(settings, fake_meta, fake_telegram):
    return settings.with_environment(
        META_APP_SECRET=DEFAULT_APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
        META_GRAPH_BASE=fake_meta.base_url,
        TELEGRAM_API_BASE=fake_telegram.base_url,
        WHATSAPP_PHONE_NUMBER_ID=PHONE_NUMBER_ID,
        WHATSAPP_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN,
    )


@pytest.fixture
async def pasokh(aiohttp_client, connected, app_clock):
    from bots.runtime import create_app

    return await aiohttp_client(create_app(connected, clock=app_clock))


async def _media_of(external_id: str) -> dict | None:
    message = await Message.get_or_none(external_id=external_id)
    media = message.media if message else None
    return media if media and ("stored" in media or "fetch_error" in media) else None


async def test_a_whatsapp_photo_and_a_lost_one(pasokh, fake_meta, connected):
    fake_meta.add_media("9001", JPEG, "image/jpeg")
    url = str(pasokh.make_url("/webhooks/whatsapp"))
    assert await fake_meta.deliver(url, wa_media("989124444444", "wamid.photo1", "9001")) == 200
    assert await fake_meta.deliver(url, wa_media("989124444444", "wamid.photo2", "404")) == 200
    await eventually(lambda: _media_of("wamid.photo1"), what="the photo fetched")
    await eventually(lambda: _media_of("wamid.photo2"), what="the lost photo recorded")
    stored = await _media_of("wamid.photo1")
    assert stored["stored"] == hashlib.sha256(JPEG).hexdigest()
    assert media_path(connected, stored["stored"]).read_bytes() == JPEG
    lost = await _media_of("wamid.photo2")
    assert lost["file_id"] == "404" and lost["fetch_error"]


async def test_a_telegram_photo_sent_to_the_webhook(pasokh, fake_telegram, connected):
    fake_telegram.add_file("AgACAgQAAxkBAAIC", JPEG, "photos/file_2.jpg")
    update = {"update_id": 70001, "message": {
        "message_id": 11, "date": int(time.time()), "chat": {"id": 5005, "type": "private"},
        "from": {"id": 5005, "is_bot": False, "first_name": "Sara"},
        "photo": [{"file_id": "AgACAgQAAxkBAAIC", "file_unique_id": "u2", "width": 90,
                   "height": 90, "file_size": len(JPEG)}]}}
    response = await pasokh.post("/webhooks/telegram", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status == 200
    await eventually(lambda: _media_of("5005:11"), what="the Telegram photo fetched")
    stored = await _media_of("5005:11")
    assert stored["stored"] == hashlib.sha256(JPEG).hexdigest()
    assert stored["mime"] == "image/jpeg"
