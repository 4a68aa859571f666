"""Opt-outs: one row per customer and channel that asked for no proactive messages
(core/models.py `OptOut`). The flows decide (a text «۱۱» opts out, «۱۲» back in, with a
confirmation); this module keeps the rows and says who is out, for the panel and for
whatever sends proactively. Answers to what a customer writes are never held back.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core import webhooks
from core.db import query_rows
from core.models import Direction
from core.sqlvalues import db_time


async def set_opt_out(conn: BaseDBAsyncClient, *, customer_id: int, channel_id: int,
                      opted_out: bool, now: datetime, source: str = "keyword") -> None:
    """Records the choice; the same choice again changes nothing. `source` says how it
    came: keyword (the customer wrote it), api (an integration or an agent) or platform (the
    provider says the recipient blocks the line). A new opt-out is told to integrators
    (customer.opted_out) in the same transaction."""
    if opted_out:
        inserted = await query_rows(
            conn, "INSERT INTO opt_out (customer_id, channel_id, created_at, source)"
                  " VALUES (?, ?, ?, ?) ON CONFLICT (customer_id, channel_id) DO NOTHING"
                  " RETURNING id",
            [customer_id, channel_id, db_time(conn, now), source])
        if inserted:
            await webhooks.record(conn, [webhooks.customer_opted_out(
                customer_id=customer_id, channel_id=channel_id, at=now)], now)
    else:
        await query_rows(conn, "DELETE FROM opt_out WHERE customer_id = ? AND channel_id = ?",
                         [customer_id, channel_id])


async def opted_out_channels(conn: BaseDBAsyncClient, customer_id: int) -> list[tuple[int, str]]:
    """The channels (id, name) on which the customer asked for no proactive messages."""
    rows = await query_rows(
        conn, "SELECT ch.id, ch.name FROM opt_out o JOIN channel ch ON ch.id = o.channel_id"
              " WHERE o.customer_id = ? ORDER BY ch.id", [customer_id])
    return [(row["id"], row["name"]) for row in rows]


async def opt_out_recipient(conn: BaseDBAsyncClient, *, channel_id: int, external_id: str,
                            now: datetime) -> None:
    """The recipient of our message `external_id` refuses the channel (a text line they
    blocked): opted out like a customer who asked. Nothing when the message is unknown."""
    rows = await query_rows(
        conn, "SELECT c.customer_id FROM message m JOIN conversation c"
              " ON c.id = m.conversation_id WHERE m.channel_id = ? AND m.external_id = ?"
              " AND m.direction = ?",
        [channel_id, external_id, Direction.OUTBOUND.value])
    if rows:
        await set_opt_out(conn, customer_id=rows[0]["customer_id"], channel_id=channel_id,
                          opted_out=True, now=now, source="platform")
