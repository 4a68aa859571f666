"""With few attempts allowed, the outbox stops retrying and records why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.models import OutboxItem
from tests.integration.helpers import eventually, post_update, text_update


@pytest.fixture
def settings_with_fake(settings, fake_telegram):
    return replace(settings, outbox_max_attempts=2).with_environment(
        TELEGRAM_API_BASE=fake_telegram.base_url,
    )


async def test_the_outbox_gives_up_after_the_last_attempt_and_says_why(pasokh, fake_telegram):
    fake_telegram.fail_next("sendMessage", status=500, description="Internal Server Error",
                            times=5)
    await post_update(pasokh, text_update(5009, "سلام"))
    await eventually(lambda: _has_failed(), timeout=15, what="gave up")
    item = await OutboxItem.get(chat_id="5009")
    assert item.last_error.startswith("gave up after 2 attempts")


async def _has_failed() -> bool:
    return await OutboxItem.filter(chat_id="5009", state="failed").exists()
