"""Writing outbox rows: what the engine, the desk, notifications and follow-ups queue.

The one `INSERT INTO outbox`, kept apart from the worker (core/outbox.py) that claims and
sends the rows, so that writers import only this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import dialect_sql
from core.events import OutboundMessage
from core.models import OutboxState
from core.outbox_due import REPLY_PRIORITY
from core.sqlvalues import db_json, db_time


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """What to send, and where: a row the worker will claim. `message_id` is the stored
    message it delivers (None for what is not one, such as an acknowledgement)."""

    channel_id: int
    message_id: int | None
    identity_id: int
    chat_id: str
    message: OutboundMessage
    priority: int = REPLY_PRIORITY


async def enqueue(conn: BaseDBAsyncClient, entries: Sequence[OutboxEntry], now: datetime
                  ) -> None:
    """Outbox rows due at once, written in the caller's transaction; the caller wakes the
    worker once it has committed."""
    stamp = db_time(conn, now)
    await conn.execute_many(
        dialect_sql(
            conn,
            "INSERT INTO outbox (channel_id, message_id, identity_id, chat_id, payload, state,"
            " attempts, next_attempt_at, send_started, possibly_duplicated, created_at, priority)"
            " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        ),
        [[entry.channel_id, entry.message_id, entry.identity_id, entry.chat_id,
          db_json(entry.message.to_payload()), OutboxState.PENDING.value, stamp, False, False,
          stamp, entry.priority]
         for entry in entries],
    )
