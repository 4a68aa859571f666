"""Events about what is stored already: delivery receipts, deletions, a customer blocking
or unblocking the bot. The inbox writes them in its ingest transaction, each on its own."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import dialect_sql, query_rows
from core.delivery import EARLIER_DELIVERY_STATES
from core.events import InboundEvent
from core.models import Direction, OutboxState
from core.sqlvalues import db_json, db_time, from_json

log = logging.getLogger(__name__)

EARLY_RECEIPT_LIFETIME = timedelta(minutes=10)


async def record_status(conn: BaseDBAsyncClient, event: InboundEvent, now: datetime) -> None:
    """Receipts only move forward (a late "delivered" never undoes "read"), so a
    redelivered or reordered receipt changes nothing."""
    status = event.delivery_status or ""
    earlier = EARLIER_DELIVERY_STATES.get(status)
    if earlier is None:
        log.info("ingest: receipt %r for %s ignored", status, event.external_id)
        return
    marks = ", ".join("?" * len(earlier))
    changed = await _exec(
        conn,
        "UPDATE message SET delivery = ?, delivery_error = ? WHERE channel_id = ?"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" AND external_id = ? AND direction = ? AND (delivery IS NULL OR delivery IN"
        f" ({marks}))",
        [status, event.delivery_error, event.channel_id, event.external_id,
         Direction.OUTBOUND.value, *earlier],
    )
    if changed:
        return
    known = await query_rows(
        conn, "SELECT id FROM message WHERE channel_id = ? AND external_id = ? AND direction = ?",
        [event.channel_id, event.external_id, Direction.OUTBOUND.value],
    )
    if known:
        log.info("ingest: receipt %s for %s is not newer; ignored", status, event.external_id)
        return
    # Not ours, or ours and the outbox has not recorded the id yet: kept a few minutes.
    await _exec(
        conn,
        "INSERT INTO early_receipt (channel_id, external_id, status, error, received_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, external_id, status) DO NOTHING",
        [event.channel_id, event.external_id, status, event.delivery_error,
         db_time(conn, now)],
    )
    await _exec(conn, "DELETE FROM early_receipt WHERE received_at < ?",
                [db_time(conn, now - EARLY_RECEIPT_LIFETIME)])


async def record_deletion(conn: BaseDBAsyncClient, event: InboundEvent) -> None:
    rows = await query_rows(
        conn,
        "SELECT id, conversation_id, text, revisions FROM message"
        " WHERE channel_id = ? AND external_id = ? AND direction = ?",
        [event.channel_id, event.external_id, Direction.INBOUND.value],
    )
    if not rows:
        log.info("ingest: deletion of %s, which we never stored", event.external_id)
        return
    revisions = from_json(rows[0]["revisions"]) or []
    if any("deleted_at" in revision for revision in revisions):
        return  # a redelivered deletion
    revisions.append({"text": rows[0]["text"], "deleted_at": event.occurred_at.isoformat()})
    await _exec(conn, "UPDATE message SET revisions = ? WHERE id = ?",
                [db_json(revisions), rows[0]["id"]])


async def set_reachable(conn: BaseDBAsyncClient, event: InboundEvent, *,
                        reachable: bool) -> None:
    """A customer who blocked the bot is not sent to (what waits for them is cancelled)
    until they unblock it."""
    changed = await _exec(
        conn, "UPDATE identity SET unreachable = ? WHERE channel_id = ? AND external_id = ?",
        [not reachable, event.channel_id, event.sender.external_id],
    )
    if changed and not reachable:
        await _exec(
            conn,
            "UPDATE outbox SET state = ?, last_error = ? WHERE state = ? AND identity_id IN"
            " (SELECT id FROM identity WHERE channel_id = ? AND external_id = ?)",
            [OutboxState.CANCELLED.value, "the customer blocked the bot",
             OutboxState.PENDING.value, event.channel_id, event.sender.external_id],
        )
    log.info("ingest: identity %s on channel %s is now %s", event.sender.external_id,
             event.channel_id, "reachable" if reachable else "unreachable")


async def _exec(conn: BaseDBAsyncClient, sql: str, values: list[Any]) -> int:
    count, _ = await conn.execute_query(dialect_sql(conn, sql), values)
    return count
