"""Shared fixtures: a migrated database per test, the fake Telegram, a running Pasokh."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from core import db
from core.settings import Settings, TelegramMode

# The public payload corpus, kept in step with the team's copy by tools/sync_corpus.py.
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
BOT_TOKEN = "123456:TEST-TOKEN"
WEBHOOK_SECRET = "webhook-secret_42"

POSTGRES_URL = os.environ.get(
    "PASOKH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PASOKH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _postgres_or_skip() -> str:
    """A clean PostgreSQL database for the scale-out path, or a skip that says why."""
    import asyncpg

    try:
        conn = await asyncpg.connect(POSTGRES_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL} ({error}); "
                    "start it or set PASOKH_TEST_POSTGRES_URL")
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
    return POSTGRES_URL


async def redis_or_skip() -> str:
    from redis import asyncio as redis_asyncio

    client = redis_asyncio.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except (OSError, redis_asyncio.RedisError) as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({error}); "
                    "start it or set PASOKH_TEST_REDIS_URL")
    finally:
        await client.aclose()
    return REDIS_URL


def corpus_files(platform: str) -> list[Path]:
    files = sorted((CORPUS / platform).glob("*.json"))
    assert files, f"no corpus found under {CORPUS / platform}"
    return files


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_mode=TelegramMode.WEBHOOK,
        telegram_api_base="http://127.0.0.1:9",  # nothing listens: tests that send set a fake
    )


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Settings]:
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()  # see any_database
    await db.migrate(settings)
    await db.open_database(settings)
    yield settings
    await db.close_database()


@pytest.fixture
async def fake_telegram():
    from tests.fakes.telegram import FakeTelegram

    async with FakeTelegram(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgres"])
async def any_database(request, settings: Settings) -> AsyncIterator[Settings]:
    """The embedded default and the scale-out database, one test run each."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    if request.param == "postgres":
        settings = replace(settings, database_url=await _postgres_or_skip())
    # Tortoise caches SQL per connection name, not per dialect; a real process only ever
    # has one database, but this test session switches between two.
    EXECUTOR_CACHE.clear()
    await db.migrate(settings)
    await db.open_database(settings)
    yield settings
    await db.close_database()


@pytest.fixture
def settings_with_fake(settings: Settings, fake_telegram) -> Settings:
    return replace(settings, telegram_api_base=fake_telegram.base_url)


@pytest.fixture
async def pasokh(aiohttp_client, settings_with_fake: Settings):
    """Pasokh's whole web app in this process, talking real HTTP to the fake Telegram."""
    from bots.runtime import create_app

    return await aiohttp_client(create_app(settings_with_fake))
