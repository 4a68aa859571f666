"""System messages: things that happened in a conversation, run through the flows like messages.

A row with direction "in", author "system", kind "service", no text and meta {"event": …},
stored unprocessed; the conversation engine hands it to the flows as `Turn.system_event` (see
core/actions.py `SystemEvent` for the events, core/message_meta.py for their data). The panel
writes "resolved" rows the same way, in the transaction that resolves the conversation, then
hands the id to `ConversationEngine.submit_ids`; a restart finds any row that was not run.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import dialect_sql
from core.message_meta import MessageMeta, encode_meta
from core.models import Author, Direction
from core.sqlvalues import db_json, db_time


async def insert_system_message(
    conn: BaseDBAsyncClient, *, conversation_id: int, channel_id: int, meta: MessageMeta,
    now: datetime,
) -> int:
    """A system event in the conversation's timeline, waiting for the flows (processed false)."""
    rows = await conn.execute_query_dict(
        dialect_sql(
            conn,
            "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
            " meta, revisions, processed, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        ),
        [conversation_id, channel_id, Direction.INBOUND.value, Author.SYSTEM.value, "service",
         None, encode_meta(meta), db_json([]), False, db_time(conn, now)],
    )
    return int(rows[0]["id"])
