"""Tickets: opened by the flows (through the engine), their status changed by agents.

A ticket's `number` is short and sequential (1001, 1002, …) and the unique constraint decides
who gets which: the insert takes the next free number and, when another writer took it
first, tries the one after. Changing a status writes a system message that the engine runs
through the flows, which tell the customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.actions import SystemEvent
from core.clock import utcnow
from core.db import dialect_sql
from core.events import MediaRef
from core.message_meta import MessageMeta
from core.models import TicketStatus
from core.sqlvalues import db_json, db_time
from core.system_events import insert_system_message

FIRST_NUMBER = 1001
MAX_ATTEMPTS = 50


class UnknownTicket(LookupError):
    """No ticket has that number."""


async def open_ticket(
    conn: BaseDBAsyncClient,
    *,
    conversation_id: int,
    customer_id: int,
    description: str,
    media: Sequence[MediaRef],
    now: datetime,
) -> int:
    """Inserts the ticket and returns its number."""
    stamp = db_time(conn, now)
    media_json = db_json([_media(item) for item in media]) if media else None
    for _ in range(MAX_ATTEMPTS):
        # `WHERE true` lets SQLite tell the upsert's ON from a join's.
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "INSERT INTO ticket (number, conversation_id, customer_id, description, media,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                " status, created_at, updated_at)"
                f" SELECT COALESCE(MAX(number), {FIRST_NUMBER - 1}) + 1, ?, ?, ?, ?, ?, ?, ?"
                " FROM ticket WHERE true ON CONFLICT (number) DO NOTHING RETURNING number",
            ),
            [conversation_id, customer_id, description, media_json, TicketStatus.OPEN.value,
             stamp, stamp],
        )
        if rows:
            return int(rows[0]["number"])
    raise RuntimeError(f"no free ticket number after {MAX_ATTEMPTS} attempts")


async def change_ticket_status(number: int, status: str | TicketStatus) -> int | None:
    """Sets the status and records the system message the flows answer; returns its id.

    Hand the id to `ConversationEngine.submit_ids` so the customer is told at once (a
    restart finds it otherwise). None when the status was already that.
    """
    status = TicketStatus(status)
    async with in_transaction("default") as conn:
        rows = await conn.execute_query_dict(
            dialect_sql(conn, "SELECT t.status, t.conversation_id, c.channel_id FROM ticket t"
                              " JOIN conversation c ON c.id = t.conversation_id"
                              " WHERE t.number = ?"),
            [number],
        )
        if not rows:
            raise UnknownTicket(f"no ticket has the number {number}")
        if rows[0]["status"] == status.value:
            return None
        now = utcnow()
        await conn.execute_query(
            dialect_sql(conn, "UPDATE ticket SET status = ?, updated_at = ? WHERE number = ?"),
            [status.value, db_time(conn, now), number],
        )
        return await insert_system_message(
            conn, conversation_id=rows[0]["conversation_id"], channel_id=rows[0]["channel_id"],
            meta=MessageMeta(event=SystemEvent.TICKET_STATUS, number=number, status=status.value),
            now=now)


def _media(media: MediaRef) -> dict[str, Any]:
    return {"file_id": media.file_id, "mime_type": media.mime_type,
            "file_name": media.file_name, "size": media.size}
