"""Database set-up: the Tortoise config, migrations, and dialect helpers for hand-written SQL.

The hot paths (ingest, outbox) use a few hand-written statements because the constraint
must decide what is new (`INSERT … ON CONFLICT DO NOTHING RETURNING`) and because batching
them keeps SQLite near its ceiling; everything else uses the ORM.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.executor import MigrationExecutor

from core.secrets_at_rest import use_secret_key
from core.settings import Settings, load_settings

log = logging.getLogger(__name__)

MODELS_MODULE = "core.models"
POSTGRES_ENGINE = "core.postgres_client"
MIGRATIONS_MODULE = "migrations"


def sqlite_path(database_url: str) -> str | None:
    path = database_url.removeprefix("sqlite://")
    return path if path != database_url and path != ":memory:" else None


async def end_open_transaction(connection: asyncpg.Connection) -> None:
    """What a pooled PostgreSQL connection needs on its way back to the pool. Every query
    outside a transaction takes a connection and gives it back; asyncpg's own reset would
    then send one more statement each time (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN
    *; RESET ALL`), undoing session state Pasokh never sets on a pooled connection (its one
    advisory lock lives on its own connection, core/leadership.py). That doubled the round
    trips of the web chat's reads (bench/webchat.py with --postgres, py-spy)."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def tortoise_config(database_url: str) -> dict[str, Any]:
    if path := sqlite_path(database_url):
        connection: dict[str, Any] = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                # WAL with NORMAL survives a process crash with every commit intact;
                # only an OS crash can lose the last commits, and FULL costs an fsync each.
                "synchronous": "NORMAL",
                "busy_timeout": 5000,
                # Checkpoints run on their own connection (WalCheckpointer), not in a commit.
                "wal_autocheckpoint": 0,
            },
        }
    else:
        # PostgreSQL through asyncpg, with transactions that recover from a lost connection
        # (core/postgres_client.py), and connections that go back to the pool without
        # asyncpg's reset statement (end_open_transaction).
        connection = expand_db_url(database_url)
        connection["engine"] = POSTGRES_ENGINE
        connection["credentials"]["reset"] = end_open_transaction
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _config_from_environment() -> dict[str, Any]:
    return tortoise_config(load_settings().effective_database_url)


# For `python -m tortoise -c core.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = _config_from_environment()


def _ensure_data_dir(database_url: str) -> None:
    """The SQLite file and its folder, readable by this user only: they hold customers'
    messages. Files made before (0644) are narrowed too."""
    if path := sqlite_path(database_url):
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        for part in (path, f"{path}-wal", f"{path}-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.chmod(part, 0o600)


async def migrate(settings: Settings) -> None:
    """Bring the schema to the latest migration; safe to run at every start."""
    _ensure_data_dir(settings.effective_database_url)
    use_secret_key(settings)  # migration 0013 seals the channels' secrets
    await run_migrations(config=tortoise_config(settings.effective_database_url))
    await Tortoise.close_connections()


async def pending_migrations(settings: Settings) -> int:
    """How many migrations the database has yet to apply: a look at its record of them,
    ~25 ms, which builds none of the model states that applying them costs."""
    _ensure_data_dir(settings.effective_database_url)
    config = tortoise_config(settings.effective_database_url)
    await Tortoise.init(config=config, init_connections=False)
    try:
        executor = MigrationExecutor(connections.get("default"), config["apps"])
        return len(await executor.plan(None))
    finally:
        await Tortoise.close_connections()


async def open_database(settings: Settings) -> None:
    _ensure_data_dir(settings.effective_database_url)
    use_secret_key(settings)
    # Global fallback: the web app starts the database in one task (cleanup_ctx) and uses
    # it from the request handlers' and workers' tasks, which do not inherit that context.
    await Tortoise.init(
        config=tortoise_config(settings.effective_database_url), _enable_global_fallback=True
    )


async def close_database() -> None:
    await Tortoise.close_connections()


class WalCheckpointer:
    """Folds SQLite's write-ahead log into the database file in the background.

    By default SQLite does it inside whichever commit crosses 1,000 pages, with an fsync
    that stalls every statement queued behind it: the benchmark's p99 webhook-to-reply
    latency went from ~9 ms to ~4 ms once that moved here. PASSIVE mode never blocks the
    writer; it copies what it can and tries again a second later.
    """

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self._path = path
        self._interval = interval
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        # Cancelling the loop does not stop a checkpoint already running in its thread; the
        # lock keeps the last checkpoint and the close from using the connection meanwhile
        # (closing it under a running statement crashed the process).
        self._in_use = threading.Lock()

    async def start(self) -> None:
        self._connection = await asyncio.to_thread(
            sqlite3.connect, self._path, timeout=5, check_same_thread=False
        )
        self._task = asyncio.create_task(self._run(), name="sqlite-checkpointer")

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection:
            await asyncio.to_thread(self._checkpoint)
            await asyncio.to_thread(self._close_connection)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error:
                log.exception("sqlite: checkpoint failed; will try again")

    def _checkpoint(self) -> None:
        assert self._connection is not None  # nosec B101 # narrows a type for the checker; not a check of input
        with self._in_use:
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_connection(self) -> None:
        assert self._connection is not None  # nosec B101 # narrows a type for the checker; not a check of input
        with self._in_use:
            self._connection.close()


def connection() -> BaseDBAsyncClient:
    return connections.get("default")


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"


_PLACEHOLDER = re.compile(r"\?")


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


def dialect_sql(conn: BaseDBAsyncClient, sql: str) -> str:
    """SQL is written with `?` placeholders; asyncpg wants `$1, $2, …`."""
    return _numbered(sql) if is_postgres(conn) else sql


async def query_rows(conn: BaseDBAsyncClient, sql: str,
                     values: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """The rows of one hand-written query, as dicts."""
    return await conn.execute_query_dict(dialect_sql(conn, sql), list(values))


def redacted_url(url: str) -> str:
    """A database URL safe to log: the password is replaced."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
