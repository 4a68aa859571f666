"""Ingest: an inbound event becomes durable rows, exactly once.

Webhook handlers `await inbox.ingest(events)` and answer the platform only when it
returns: by then the customer, identity, conversation and message are committed.

Concurrent requests are written by one writer task in shared transactions (group
commit): a commit costs the same for one event or five hundred, so under load many
webhooks share it. What is new is decided by the database — the unique
(channel, external_id) constraint on messages, (channel, external_id) on identities — so a
redelivered or doubly delivered update changes nothing, in this process or another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import Bus
from core.db import dialect_sql, is_postgres
from core.delivery import EARLIER_DELIVERY_STATES
from core.events import EventKind, InboundEvent, MessageKind
from core.models import Author, ConversationStatus, Direction, OutboxState
from core.sqlvalues import db_json, db_time, from_json, utcnow
from core.tasks import finish
from core.text import phone_key

log = logging.getLogger(__name__)

EARLY_RECEIPT_LIFETIME = timedelta(minutes=10)
MAX_TEXT_CHARS = 20_000  # Telegram caps at 4,096 and Meta at 4,096; anything longer is abuse


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: int
    conversation_id: int
    event: InboundEvent


NewMessagesListener = Callable[[Sequence[StoredMessage]], None]


class InboxClosed(RuntimeError):
    """The process is stopping: the update was not stored, and the platform will retry."""


@dataclass(slots=True)
class _Request:
    events: Sequence[InboundEvent]
    done: asyncio.Future[list[StoredMessage]]


class Inbox:
    def __init__(self, bus: Bus, *, max_batch: int = 500) -> None:
        self._bus = bus
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Request | None] = asyncio.Queue()  # None: stop
        self._closing = False
        self._listeners: list[NewMessagesListener] = []
        self._writer: asyncio.Task[None] | None = None

    def on_new_messages(self, listener: NewMessagesListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_forever(), name="inbox-writer")

    async def close(self) -> None:
        """Stores what was already handed in, then stops; later `ingest` calls fail."""
        self._closing = True
        self._queue.put_nowait(None)
        await finish(self._writer)

    async def ingest(self, events: Sequence[InboundEvent]) -> list[StoredMessage]:
        """Store the events; returns the messages that were new. Raises if not stored."""
        if not events:
            return []
        if self._closing:
            raise InboxClosed("shutting down: not stored")
        request = _Request(events, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(request)
        return await asyncio.shield(request.done)

    async def _write_forever(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first.events)
            while size < self._max_batch and not self._queue.empty():
                request = self._queue.get_nowait()
                if request is None:
                    stopping = True
                    break
                batch.append(request)
                size += len(request.events)
            await self._write(batch)

    async def _write(self, batch: list[_Request]) -> None:
        try:
            results = await self._store([r.events for r in batch])
        except Exception:
            if len(batch) == 1:
                log.exception("ingest: could not store %d event(s)", len(batch[0].events))
                _fail(batch[0], "could not store the update")
                return
            # One bad request must not fail the others that shared its transaction.
            for request in batch:
                await self._write([request])
            return
        new_messages: list[StoredMessage] = []
        for request, stored in zip(batch, results, strict=True):
            new_messages.extend(stored)
            if not request.done.done():
                request.done.set_result(stored)
        if new_messages:
            for listener in self._listeners:
                listener(new_messages)
            await self._bus.publish_many("message.new", [
                {"conversation_id": stored.conversation_id, "message_id": stored.message_id,
                 "media": stored.event.media is not None}
                for stored in new_messages
            ])

    async def _store(self, groups: list[Sequence[InboundEvent]]) -> list[list[StoredMessage]]:
        async with in_transaction("default") as conn:
            writer = _BatchWriter(conn)
            results = []
            for events in groups:
                stored: list[StoredMessage] = []
                for event in events:
                    message = await writer.store(event)
                    if message is not None:
                        stored.append(message)
                results.append(stored)
            await writer.finish()
        return results


def _fail(request: _Request, reason: str) -> None:
    if not request.done.done():
        request.done.set_exception(RuntimeError(reason))


class _BatchWriter:
    """The statements of one ingest transaction."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn
        self._postgres = is_postgres(conn)
        self._now = utcnow()
        self._touched_conversations: dict[int, Any] = {}

    async def _rows(self, sql: str, values: list[Any]) -> list[dict[str, Any]]:
        return await self._conn.execute_query_dict(dialect_sql(self._conn, sql), values)

    async def _exec(self, sql: str, values: list[Any]) -> int:
        count, _ = await self._conn.execute_query(dialect_sql(self._conn, sql), values)
        return count

    async def store(self, event: InboundEvent) -> StoredMessage | None:
        """The new customer message this event made, if it made one for the flows."""
        match event.kind:
            case EventKind.MESSAGE | EventKind.BUTTON:
                return await self._store_message(event)
            case EventKind.EDIT:
                return await self._store_edit(event)
            case EventKind.BLOCKED | EventKind.UNBLOCKED:
                await self._set_reachable(event, reachable=event.kind is EventKind.UNBLOCKED)
            case EventKind.STATUS:
                await self._record_status(event)
            case EventKind.READ:
                await self._record_status(replace(event, delivery_status="read"))
            case EventKind.ECHO:
                await self._store_echo(event)
            case EventKind.DELETE:
                await self._record_deletion(event)
        return None

    async def finish(self) -> None:
        if self._touched_conversations:
            await self._conn.execute_many(
                dialect_sql(self._conn, "UPDATE conversation SET last_message_at = ? WHERE id = ?"),
                [[at, cid] for cid, at in self._touched_conversations.items()],
            )

    async def _identity(self, event: InboundEvent) -> tuple[int, int, bool]:
        """(identity id, customer id, created now), creating both the first time."""
        lock = " FOR UPDATE" if self._postgres else ""
        select = (
            "SELECT id, customer_id, display_name, username FROM identity"
            f" WHERE channel_id = ? AND external_id = ?{lock}"
        )
        key = [event.channel_id, event.sender.external_id]
        rows = await self._rows(select, key)
        created = False
        if not rows:
            rows = await self._create_identity(event)
            created = bool(rows)
            rows = rows or await self._rows(select, key)
        row = rows[0]
        sender = event.sender
        if (row["display_name"], row["username"]) != (sender.display_name, sender.username):
            await self._exec(
                "UPDATE identity SET display_name = ?, username = ? WHERE id = ?",
                [sender.display_name, sender.username, row["id"]],
            )
        if sender.phone and not created and event.message_kind is MessageKind.CONTACT:
            # A phone learnt later (a Telegram contact share) fills an empty one only.
            await self._exec("UPDATE customer SET phone = ? WHERE id = ? AND phone IS NULL",
                             [phone_key(sender.phone), row["customer_id"]])
        return row["id"], row["customer_id"], created

    async def _create_identity(self, event: InboundEvent) -> list[dict[str, Any]]:
        sender = event.sender
        now = db_time(self._conn, self._now)
        customer = await self._rows(
            "INSERT INTO customer (display_name, phone, language, created_at)"
            " VALUES (?, ?, ?, ?) RETURNING id",
            [sender.display_name, phone_key(sender.phone), sender.language, now],
        )
        customer_id = customer[0]["id"]
        inserted = await self._rows(
            "INSERT INTO identity (customer_id, channel_id, external_id, username, display_name,"
            " unreachable, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id, external_id) DO NOTHING"
            " RETURNING id, customer_id, display_name, username",
            [
                customer_id,
                event.channel_id,
                sender.external_id,
                sender.username,
                sender.display_name,
                False,
                now,
            ],
        )
        if not inserted:  # another process created it first: its customer stands
            await self._exec("DELETE FROM customer WHERE id = ?", [customer_id])
        return inserted

    async def _conversation(
        self, event: InboundEvent, identity_id: int, customer_id: int, *, new_identity: bool
    ) -> int:
        if not new_identity:  # an identity created just now has no conversation to look up
            rows = await self._rows(
                "SELECT id, status FROM conversation WHERE identity_id = ? AND chat_id = ?"
                " ORDER BY id DESC LIMIT 1",
                [identity_id, event.chat_id],
            )
            if rows and rows[0]["status"] != ConversationStatus.RESOLVED:
                return rows[0]["id"]
        now = db_time(self._conn, self._now)
        created = await self._rows(
            "INSERT INTO conversation (channel_id, customer_id, identity_id, chat_id, chat_type,"
            " route, status, flow_state, created_at, last_message_at, reopen_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id",
            [
                event.channel_id,
                customer_id,
                identity_id,
                event.chat_id,
                event.chat_type.value,
                db_json(dict(event.route)),
                ConversationStatus.OPEN.value,
                db_json({}),
                now,
                now,
            ],
        )
        return created[0]["id"]

    async def _store_message(self, event: InboundEvent) -> StoredMessage | None:
        identity_id, customer_id, new_identity = await self._identity(event)
        conversation_id = await self._conversation(
            event, identity_id, customer_id, new_identity=new_identity
        )
        inserted = await self._insert_message(event, conversation_id)
        if not inserted:
            return None
        self._touched_conversations[conversation_id] = db_time(self._conn, event.occurred_at)
        return StoredMessage(inserted, conversation_id, event)

    async def _insert_message(self, event: InboundEvent, conversation_id: int) -> int | None:
        meta: dict[str, Any] = {"chat_type": event.chat_type.value}
        if event.button_payload is not None:
            meta["button_payload"] = event.button_payload
        if event.ack_token is not None:
            meta["ack_token"] = event.ack_token
        media = None
        if event.media is not None:
            media = {
                "file_id": event.media.file_id,
                "mime_type": event.media.mime_type,
                "file_name": event.media.file_name,
                "size": event.media.size,
            }
        text = event.text[:MAX_TEXT_CHARS] if event.text else event.text
        rows = await self._rows(
            "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
            " media, external_id, meta, revisions, raw_payload, processed, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
            [
                conversation_id,
                event.channel_id,
                Direction.INBOUND.value,
                Author.CUSTOMER.value,
                event.message_kind.value,
                text,
                db_json(media) if media else None,
                event.external_id,
                db_json(meta),
                db_json([]),
                event.raw if isinstance(event.raw, str) else None,
                False,
                db_time(self._conn, event.occurred_at),
            ],
        )
        return rows[0]["id"] if rows else None

    async def _store_edit(self, event: InboundEvent) -> StoredMessage | None:
        rows = await self._rows(
            "SELECT id, text, revisions FROM message WHERE channel_id = ? AND external_id = ?",
            [event.channel_id, event.external_id],
        )
        if not rows:  # an edit of a message we never saw: keep it as a message
            return await self._store_message(event)
        row = rows[0]
        if row["text"] == event.text:  # a redelivered edit
            return None
        revisions = from_json(row["revisions"]) or []
        revisions.append({"text": row["text"], "replaced_at": event.occurred_at.isoformat()})
        await self._exec(
            "UPDATE message SET text = ?, revisions = ? WHERE id = ?",
            [event.text, db_json(revisions), row["id"]],
        )
        return None

    async def _record_status(self, event: InboundEvent) -> None:
        """Receipts only move forward (a late "delivered" never undoes "read"), so a
        redelivered or reordered receipt changes nothing."""
        status = event.delivery_status or ""
        earlier = EARLIER_DELIVERY_STATES.get(status)
        if earlier is None:
            log.info("ingest: receipt %r for %s ignored", status, event.external_id)
            return
        marks = ", ".join("?" * len(earlier))
        changed = await self._exec(
            "UPDATE message SET delivery = ?, delivery_error = ? WHERE channel_id = ?"
            f" AND external_id = ? AND direction = ? AND (delivery IS NULL OR delivery IN"
            f" ({marks}))",
            [status, event.delivery_error, event.channel_id, event.external_id,
             Direction.OUTBOUND.value, *earlier],
        )
        if changed:
            return
        known = await self._rows(
            "SELECT id FROM message WHERE channel_id = ? AND external_id = ?",
            [event.channel_id, event.external_id],
        )
        if known:
            log.info("ingest: receipt %s for %s is not newer; ignored", status, event.external_id)
            return
        # Not ours, or ours and the outbox has not recorded the id yet: kept a few minutes.
        now = self._now
        await self._exec(
            "INSERT INTO early_receipt (channel_id, external_id, status, error, received_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel_id, external_id, status) DO NOTHING",
            [event.channel_id, event.external_id, status, event.delivery_error,
             db_time(self._conn, now)],
        )
        await self._exec("DELETE FROM early_receipt WHERE received_at < ?",
                         [db_time(self._conn, now - EARLY_RECEIPT_LIFETIME)])

    async def _store_echo(self, event: InboundEvent) -> None:
        """What the business wrote from elsewhere (e.g. the Instagram app): part of the
        history, never answered. Our own messages come back as echoes too; their id is
        already stored, and the constraint makes those a no-op."""
        identity_id, customer_id, new_identity = await self._identity(event)
        conversation_id = await self._conversation(
            event, identity_id, customer_id, new_identity=new_identity
        )
        await self._rows(
            "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
            " external_id, meta, revisions, raw_payload, processed, delivery, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
            [conversation_id, event.channel_id, Direction.OUTBOUND.value, Author.AGENT.value,
             event.message_kind.value, event.text, event.external_id, db_json({"echo": True}),
             db_json([]), event.raw if isinstance(event.raw, str) else None, True, "sent",
             db_time(self._conn, event.occurred_at)],
        )

    async def _record_deletion(self, event: InboundEvent) -> None:
        rows = await self._rows(
            "SELECT id, text, revisions FROM message WHERE channel_id = ? AND external_id = ?",
            [event.channel_id, event.external_id],
        )
        if not rows:
            log.info("ingest: deletion of %s, which we never stored", event.external_id)
            return
        revisions = from_json(rows[0]["revisions"]) or []
        if any("deleted_at" in revision for revision in revisions):
            return  # a redelivered deletion
        revisions.append({"text": rows[0]["text"], "deleted_at": event.occurred_at.isoformat()})
        await self._exec(
            "UPDATE message SET revisions = ? WHERE id = ?", [db_json(revisions), rows[0]["id"]]
        )

    async def _set_reachable(self, event: InboundEvent, *, reachable: bool) -> None:
        changed = await self._exec(
            "UPDATE identity SET unreachable = ? WHERE channel_id = ? AND external_id = ?",
            [not reachable, event.channel_id, event.sender.external_id],
        )
        if changed and not reachable:
            await self._exec(
                "UPDATE outbox SET state = ?, last_error = ? WHERE state = ? AND identity_id IN"
                " (SELECT id FROM identity WHERE channel_id = ? AND external_id = ?)",
                [
                    OutboxState.CANCELLED.value,
                    "the customer blocked the bot",
                    OutboxState.PENDING.value,
                    event.channel_id,
                    event.sender.external_id,
                ],
            )
        log.info(
            "ingest: identity %s on channel %s is now %s",
            event.sender.external_id,
            event.channel_id,
            "reachable" if reachable else "unreachable",
        )
