"""Python values → what the driver stores, for the hand-written statements in `core/`.

They must match what the ORM writes, so that rows written by hand read back as models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import is_postgres


def db_time(conn: BaseDBAsyncClient, moment: datetime) -> datetime | str:
    if is_postgres(conn):
        return moment
    return moment.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")


def db_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def from_json(value: Any) -> Any:
    """JSON columns come back as text from SQLite and, without a codec, from asyncpg."""
    if value is None or isinstance(value, dict | list):
        return value
    return orjson.loads(value)


@overload
def from_db_time(value: datetime | str) -> datetime: ...
@overload
def from_db_time(value: datetime | str | None) -> datetime | None: ...
def from_db_time(value: datetime | str | None) -> datetime | None:
    """A timestamp read by a hand-written query: text from SQLite, a datetime from asyncpg;
    both in UTC, whatever the driver says of the zone. NULL stays None."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
