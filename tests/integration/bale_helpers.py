"""A Pasokh whose Bale channel (declared in .env) talks to the fake Bot API in Bale mode."""

from __future__ import annotations

import json

from core.settings import Settings
from tests.fakes.telegram import FakeTelegram

BALE_TOKEN = "1733440155:BALE-TEST-TOKEN"
BALE_SECRET = "bale-path-secret_7"


def bale_environment(fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"BALE_BOT_TOKEN": BALE_TOKEN, "BALE_WEBHOOK_SECRET": BALE_SECRET,
            "BALE_API_BASE": fake.base_url, **extra}


def with_bale(settings: Settings, fake: FakeTelegram, **extra: str) -> Settings:
    return settings.with_environment(**bale_environment(fake, **extra))


async def post_bale(client, update: dict | bytes, secret: str = BALE_SECRET):
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    return await client.post(f"/webhooks/bale/{secret}", data=body,
                             headers={"Content-Type": "application/json"})
