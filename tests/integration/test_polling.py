"""TELEGRAM_MODE=polling: updates fetched with getUpdates take the same path as webhooks."""

from __future__ import annotations

import pytest

from core.models import Channel, Message
from tests.integration.helpers import eventually, text_update


@pytest.fixture
def settings_with_fake(settings, fake_telegram):
    return settings.with_environment(
        TELEGRAM_API_BASE=fake_telegram.base_url,
        TELEGRAM_MODE="polling",
    )


async def test_a_polled_message_is_stored_and_answered(pasokh, fake_telegram):
    fake_telegram.push_update(text_update(7001, "سلام"))
    await fake_telegram.wait_for(lambda fake: fake.sent_messages(7001), timeout=10)
    assert "خوش آمدید" in fake_telegram.sent_messages(7001)[0]["text"]
    assert await Message.filter(direction="in").count() == 1


async def test_the_offset_moves_only_past_stored_updates(pasokh, fake_telegram):
    first = fake_telegram.push_update(text_update(7002, "یک"))
    second = fake_telegram.push_update(text_update(7002, "دو"))
    await eventually(lambda: _offset_is(second["update_id"] + 1), what="offset saved")
    assert first["update_id"] < second["update_id"]
    assert await Message.filter(direction="in").count() == 2


async def _offset_is(expected: int) -> bool:
    return (await Channel.get(platform="telegram")).poll_offset == expected


async def test_polling_removes_a_webhook_left_behind(pasokh, fake_telegram):
    await eventually(lambda: _no_webhook(fake_telegram), what="deleteWebhook")


async def _no_webhook(fake) -> bool:
    return bool(fake.calls_to("deleteWebhook"))
