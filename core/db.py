"""Database set-up: the Tortoise config, migrations, and dialect helpers for hand-written SQL.

The hot paths (ingest, outbox) use a few hand-written statements because the constraint
must decide what is new (`INSERT … ON CONFLICT DO NOTHING RETURNING`) and because batching
them keeps SQLite near its ceiling; everything else uses the ORM.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate as run_migrations

from core.settings import Settings, load_settings

MODELS_MODULE = "core.models"
MIGRATIONS_MODULE = "migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection: dict[str, Any] = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                # WAL with NORMAL survives a process crash with every commit intact;
                # only an OS crash can lose the last commits, and FULL costs an fsync each.
                "synchronous": "NORMAL",
                "busy_timeout": 5000,
            },
        }
    else:
        connection = database_url
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


async def migrate(settings: Settings) -> None:
    """Bring the schema to the latest migration; safe to run at every start."""
    await run_migrations(config=tortoise_config(settings.effective_database_url))
    await Tortoise.close_connections()


async def open_database(settings: Settings) -> None:
    # Global fallback: the web app starts the database in one task (cleanup_ctx) and uses
    # it from the request handlers' and workers' tasks, which do not inherit that context.
    await Tortoise.init(
        config=tortoise_config(settings.effective_database_url), _enable_global_fallback=True
    )


async def close_database() -> None:
    await Tortoise.close_connections()


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


def redacted_url(url: str) -> str:
    """A database URL safe to log: the password is replaced."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
