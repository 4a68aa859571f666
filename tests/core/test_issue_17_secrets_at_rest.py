"""Issue 17, item 11: channel secrets are encrypted in the database, existing rows are sealed
by migration 0013, and the database file and its folder are the owner's alone."""

from __future__ import annotations

import stat
from dataclasses import replace

import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from core import db
from core.channels import ChannelDirectory, sync_channel
from core.db import connection, query_rows
from core.events import Platform
from core.models import Channel
from core.secrets_at_rest import (
    SEALED_PREFIX,
    SecretKeyError,
    installation_secret,
    sealer,
    use_secret_key,
)
from core.settings import Settings

BOT_TOKEN = "123456:AAE-the-bot-token-itself"
SECRET = "the-webhook-secret-itself"


async def test_issue_17_channel_secrets_are_sealed_in_the_database(any_database):
    channel_id = await sync_channel(Platform.TELEGRAM, key="123456", token=BOT_TOKEN,
                                    webhook_secret=SECRET, name="Shop")
    (row,) = await query_rows(connection(), "SELECT token, webhook_secret FROM channel"
                                            " WHERE id = ?", [channel_id])
    for stored, plain in ((row["token"], BOT_TOKEN), (row["webhook_secret"], SECRET)):
        assert stored.startswith(SEALED_PREFIX) and plain not in stored
    channel = await Channel.get(id=channel_id)
    assert (channel.token, channel.webhook_secret) == (BOT_TOKEN, SECRET)
    directory = ChannelDirectory()
    await directory.load()
    (credentials,) = directory.of(Platform.TELEGRAM)
    assert (credentials.token, credentials.webhook_secret) == (BOT_TOKEN, SECRET)
    # The same values again change nothing; new ones are sealed anew.
    assert await sync_channel(Platform.TELEGRAM, key="123456", token="654321:new",
                              webhook_secret=SECRET) == channel_id
    assert (await Channel.get(id=channel_id)).token == "654321:new"


async def test_issue_17_another_key_cannot_read_them(database, tmp_path):
    await sync_channel(Platform.TELEGRAM, key="1", token=BOT_TOKEN, webhook_secret=SECRET)
    use_secret_key(replace(database, secret_key="another key " * 4))
    try:
        with pytest.raises(SecretKeyError) as refused:
            await Channel.get(key="1")
        assert BOT_TOKEN not in str(refused.value) and SEALED_PREFIX not in str(refused.value)
    finally:
        use_secret_key(database)


async def test_issue_17_migration_0013_seals_rows_written_before(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    config = db.tortoise_config(settings.effective_database_url)
    use_secret_key(settings)
    await run_migrations(config=config, target="models.0010_search_index_backfill")
    conn = Tortoise.get_connection("default")
    await conn.execute_query(
        "INSERT INTO channel (platform, key, name, token, webhook_secret, poll_offset, enabled,"
        " created_at) VALUES ('telegram', '9', '', ?, ?, 0, 1, '2026-01-01 00:00:00+00:00')",
        [BOT_TOKEN, SECRET])
    await Tortoise.close_connections()
    await db.migrate(settings)
    await db.open_database(settings)
    try:
        (row,) = await query_rows(connection(), "SELECT token, webhook_secret FROM channel")
        assert row["token"].startswith(SEALED_PREFIX) and BOT_TOKEN not in row["token"]
        assert sealer.unseal(row["webhook_secret"]) == SECRET
        assert (await Channel.get(key="9")).token == BOT_TOKEN
    finally:
        await db.close_database()


async def test_issue_17_the_database_and_its_folder_are_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path / "fresh" / "data")
    await db.migrate(settings)
    assert stat.S_IMODE(settings.data_dir.stat().st_mode) == 0o700
    database_file = settings.data_dir / "pasokh.db"
    assert stat.S_IMODE(database_file.stat().st_mode) == 0o600
    database_file.chmod(0o644)  # made by an earlier version
    await db.migrate(settings)
    assert stat.S_IMODE(database_file.stat().st_mode) == 0o600
    key_file = settings.data_dir / "session.key"
    assert installation_secret(settings) == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


async def test_issue_17_the_shop_key_is_sealed_in_the_owner_document(any_database):
    from core import owner_config
    from core.models import OwnerConfig

    await owner_config.store(owner_config.parse(
        "order_lookup:\n  url: https://shop.example/api/orders/{order_id}\n"
        "  headers: {X-Api-Key: the-shop-key-itself}\n"))
    row = await OwnerConfig.get(id=1)
    stored = row.document["order_lookup"]["headers"]["X-Api-Key"]
    assert stored.startswith(SEALED_PREFIX) and "the-shop-key-itself" not in stored
    lookup = (await owner_config.load_stored()).order_lookup
    assert lookup is not None and lookup.headers == {"X-Api-Key": "the-shop-key-itself"}
