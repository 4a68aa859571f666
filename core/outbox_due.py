"""The outbox's due query: which waiting rows a pass of the worker looks at (core/outbox.py).

One LIMITed page per channel, joined by UNION ALL, so one channel's backlog (a burst on one
WhatsApp number, paced at 80/s) cannot fill the batch and hold back another channel's reply
(issue 17, part 3). Within a channel's page, replies go before proactive rows: one LIMITed
share per priority, merged and cut to the page's size.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import dialect_sql
from core.models import OutboxState
from core.sqlvalues import db_time

# SQLite joins at most 500 SELECTs in one compound statement: a channel's page is two.
PAGES_PER_QUERY = 100
# An outbox row's priority: replies to someone writing now go before anything the business
# starts itself (follow-ups, broadcasts), whenever both are due.
REPLY_PRIORITY = 0
PROACTIVE_PRIORITY = 1
PRIORITIES = (REPLY_PRIORITY, PROACTIVE_PRIORITY)  # the order a channel's page takes them in

# One priority's share of a channel's page of due rows, at most the oldest undelivered one
# per chat: a chat's messages go out in the order they were written, even when one of them is
# being retried; acknowledgements (no message) are not held behind messages. First due, first
# served, in the order of the (state, channel_id, priority, next_attempt_at) index: with the
# priority an equality, the database reads that index from the page's first row and stops
# after one page. With the priority only in the ORDER BY, SQLite took the (state,
# next_attempt_at) index instead and sorted every due row on each pass (36 ms with 10,000
# waiting, which held a broadcast's sends to half their pace; 4 ms this way).
_PRIORITY_PAGE = (
    "SELECT * FROM (SELECT o.id, o.channel_id, o.message_id, o.identity_id, o.payload,"
    " o.attempts, o.priority, o.next_attempt_at, i.unreachable FROM outbox o"
    " LEFT JOIN identity i ON i.id = o.identity_id"
    " WHERE o.state = ? AND o.channel_id = ? AND o.priority = ? AND o.next_attempt_at <= ?"
    " AND (o.message_id IS NULL OR NOT EXISTS (SELECT 1 FROM outbox e"
    " WHERE e.channel_id = o.channel_id AND e.chat_id = o.chat_id AND e.id < o.id"
    " AND e.message_id IS NOT NULL AND e.state IN (?, ?)))"
    " ORDER BY o.next_attempt_at, o.id LIMIT ?) AS page{n}_{p}"
)

# The channels with waiting rows, one index probe each (a loose index scan on
# (state, channel_id, …)), not one step per waiting row.
_WAITING_CHANNELS = (
    "WITH RECURSIVE waiting(channel_id) AS ("
    "SELECT (SELECT MIN(channel_id) FROM outbox WHERE state = ?) UNION ALL"
    " SELECT (SELECT MIN(o.channel_id) FROM outbox o WHERE o.state = ?"
    " AND o.channel_id > waiting.channel_id) FROM waiting"
    " WHERE waiting.channel_id IS NOT NULL)"
    " SELECT channel_id FROM waiting WHERE channel_id IS NOT NULL"
)


def due_query(channels: int) -> str:
    """One LIMITed page per channel, joined by UNION ALL: one channel's backlog (a burst
    on one WhatsApp number, paced at 80/s) cannot fill the batch and hold back another
    channel's reply. Within a page, replies go before proactive rows (`PRIORITIES`, in
    order). Values: `due_values` per page, in order."""
    return " UNION ALL ".join(_channel_page(n) for n in range(channels))


def _channel_page(n: int) -> str:
    shares = " UNION ALL ".join(_PRIORITY_PAGE.format(n=n, p=p) for p in range(len(PRIORITIES)))
    return (f"SELECT * FROM ({shares} ORDER BY priority, next_attempt_at, id LIMIT ?)"  # nosec B608 # only fixed text and page numbers are formatted in; values are bound
            f" AS page{n}")


def due_values(channel_id: int, now: Any, limit: int) -> list[Any]:
    return [*(value for priority in PRIORITIES
              for value in (OutboxState.PENDING.value, channel_id, priority, now,
                            OutboxState.PENDING.value, OutboxState.SENDING.value, limit)),
            limit]


async def due_rows(conn: BaseDBAsyncClient, now: datetime, limit: int
                   ) -> list[dict[str, Any]]:
    """Rows that may be sent at `now`, up to `limit` for each channel that has any."""
    found = await conn.execute_query_dict(
        dialect_sql(conn, _WAITING_CHANNELS),
        [OutboxState.PENDING.value, OutboxState.PENDING.value])
    channels = [row["channel_id"] for row in found]
    if not channels:
        return []
    stamp = db_time(conn, now)
    rows: list[dict[str, Any]] = []
    for first in range(0, len(channels), PAGES_PER_QUERY):
        some = channels[first:first + PAGES_PER_QUERY]
        rows += await conn.execute_query_dict(
            dialect_sql(conn, due_query(len(some))),
            [value for channel_id in some for value in due_values(channel_id, stamp, limit)])
    return rows
