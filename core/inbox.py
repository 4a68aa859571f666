"""Ingest: an inbound event becomes durable rows, exactly once.

Webhook handlers `await inbox.ingest(events)` and answer the platform only when it
returns: by then the customer, identity, conversation and message are committed.

Concurrent requests are written by one writer task in shared transactions (group
commit): a commit costs the same for one event or five hundred, so under load many
webhooks share it. Inside it, customer messages are written set-based: a run of them takes
a handful of multi-row statements, not five round trips each (see `_BatchWriter`).

What is new is decided by the database — the unique (channel, direction, external_id) on
messages, (channel, external_id) on identities — so a redelivered or doubly delivered
update changes nothing, in this process or another.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import webhooks
from core.actions import SURVEY_AWAITED
from core.bus import Bus
from core.clock import utcnow
from core.customers import customers_by_phone
from core.db import dialect_sql, is_postgres, query_rows
from core.events import EventKind, InboundEvent, MessageKind
from core.inbox_updates import record_deletion, record_status, set_reachable
from core.limits import fitted
from core.media import STORED_PREFIX
from core.message_meta import MessageMeta, encode_meta
from core.models import Author, ConversationStatus, Direction
from core.opt_outs import opt_out_recipient
from core.search_index import index_customers, index_messages, reindex_edited
from core.sqlvalues import db_json, db_time, from_json
from core.tasks import finish
from core.text import phone_key

log = logging.getLogger(__name__)

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


# Events per transaction, about (a request is never split): on SQLite's one connection the
# outbox waits for the transaction in progress, so a long one holds replies back during a
# burst (issue 17, part 3: 500 kept a WhatsApp number's replies at ~70 % of its cap).
MAX_BATCH = 100


class Inbox:
    def __init__(self, bus: Bus, *, max_batch: int = MAX_BATCH) -> None:
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
        events = [fitted(event) for event in events]  # one oversized field fails no batch
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
            try:
                await self._write(batch)
            except Exception:
                # The writer must outlive any one batch, or every later webhook would wait
                # forever; a request not answered yet was not stored.
                log.exception("ingest: a batch of %d request(s) failed", len(batch))
                for request in batch:
                    _fail(request, "could not store the update")

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
            return await _BatchWriter(conn).store(groups)


def _fail(request: _Request, reason: str) -> None:
    if not request.done.done():
        request.done.set_exception(RuntimeError(reason))


_RUN_KINDS = frozenset({EventKind.MESSAGE, EventKind.BUTTON})  # written set-based, in runs
# Rows per multi-row statement: 200 messages of 13 columns are 2,600 parameters, far below
# the 32,767 of asyncpg and the 32,766 of SQLite, and a round trip costs as much as ~12 rows.
CHUNK_ROWS = 200

_Key = tuple[int, str]  # (channel id, external id): unique for identities and for messages
_Chat = tuple[int, str]  # (identity id, chat id): where a conversation belongs
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Identity:
    id: int
    customer_id: int
    display_name: str
    username: str | None
    created: bool  # made by this run: it has no conversation yet; its first event made it


class _BatchWriter:
    """The statements of one ingest transaction.

    Each statement is a round trip to the driver that costs far more CPU than a row of a
    multi-row statement, so customer messages are written set-based: a run of consecutive
    MESSAGE/BUTTON events, across the batch's requests, takes a handful of statements
    however long it is. The rows are the ones the events would have made one by one, in
    order. Any other kind is written on its own and ends the run, because it may be about
    a row the run makes (an edit of its message, a block by its customer).
    """

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn
        self._postgres = is_postgres(conn)
        self._now = utcnow()
        self._touched_conversations: dict[int, Any] = {}
        self._first_unanswered: dict[int, Any] = {}  # conversation → the run's first message

    async def _exec(self, sql: str, values: list[Any]) -> int:
        count, _ = await self._conn.execute_query(dialect_sql(self._conn, sql), values)
        return count

    async def _exec_many(self, sql: str, rows: list[list[Any]]) -> None:
        """One statement for many rows of values, in one round trip."""
        await self._conn.execute_many(dialect_sql(self._conn, sql), rows)

    async def _insert_many(
        self, insert: str, rows: list[list[Any]], tail: str
    ) -> list[dict[str, Any]]:
        """`insert` (INSERT INTO table (columns)) with VALUES for every row, then `tail`
        (ON CONFLICT…, RETURNING…); one statement per chunk of rows. The RETURNING rows."""
        returned: list[dict[str, Any]] = []
        for chunk in _chunks(rows):
            values = ", ".join([f"({_marks(len(chunk[0]))})"] * len(chunk))
            returned += await query_rows(
                self._conn,
                f"{insert} VALUES {values} {tail}", [value for row in chunk for value in row]
            )
        return returned

    async def store(self, groups: Sequence[Sequence[InboundEvent]]) -> list[list[StoredMessage]]:
        """The new customer messages of each request (a group of events), in event order."""
        results: list[list[StoredMessage]] = [[] for _ in groups]
        run: list[tuple[int, InboundEvent]] = []  # (request, event)
        for request, events in enumerate(groups):
            for event in events:
                if event.kind in _RUN_KINDS:
                    run.append((request, event))
                    continue
                await self._store_run(run, results)  # first: this event may be about its rows
                stored = await self._store_other(event)
                if stored is not None:
                    results[request].append(stored)
        await self._store_run(run, results)
        await self._touch_conversations()
        return results

    async def _store_run(
        self, run: list[tuple[int, InboundEvent]], results: list[list[StoredMessage]]
    ) -> None:
        """Writes the run, gives each request its new messages, and empties the run."""
        if not run:
            return
        stored = await self._store_messages([event for _, event in run])
        for (request, _), message in zip(run, stored, strict=True):
            if message is not None:
                results[request].append(message)
        run.clear()

    async def _store_other(self, event: InboundEvent) -> StoredMessage | None:
        """An event that is not a customer message: written on its own."""
        match event.kind:
            case EventKind.EDIT:
                return await self._store_edit(event)
            case EventKind.BLOCKED | EventKind.UNBLOCKED:
                await set_reachable(self._conn, event,
                                    reachable=event.kind is EventKind.UNBLOCKED)
            case EventKind.STATUS:
                await record_status(self._conn, event, self._now)
                if event.recipient_refuses:
                    await opt_out_recipient(self._conn, channel_id=event.channel_id,
                                            external_id=event.external_id, now=self._now)
            case EventKind.READ:
                await record_status(self._conn, replace(event, delivery_status="read"),
                                    self._now)
            case EventKind.ECHO:
                await self._store_echo(event)
            case EventKind.DELETE:
                await record_deletion(self._conn, event)
        return None

    async def _touch_conversations(self) -> None:
        if self._touched_conversations:
            await self._exec_many(
                "UPDATE conversation SET last_message_at = ? WHERE id = ?",
                [[at, cid] for cid, at in self._touched_conversations.items()],
            )
        if self._first_unanswered:
            # A customer already waiting keeps their first unanswered message's time.
            await self._exec_many(
                "UPDATE conversation SET waiting_since = COALESCE(waiting_since, ?) WHERE id = ?",
                [[at, cid] for cid, at in self._first_unanswered.items()],
            )

    async def _store_messages(self, events: Sequence[InboundEvent]) -> list[StoredMessage | None]:
        """Each event's new message, or None where it was stored before: a redelivery, or
        the same update twice in the run (the first wins; one by one the later was a no-op)."""
        firsts: dict[_Key, InboundEvent] = {}
        for event in events:
            firsts.setdefault((event.channel_id, event.external_id), event)
        unique = list(firsts.values())
        conversation_ids, created = await self._conversation_ids(unique)
        message_ids = await self._insert_messages(unique, conversation_ids)
        stored: dict[_Key, StoredMessage] = {}
        for event, conversation_id in zip(unique, conversation_ids, strict=True):
            key = (event.channel_id, event.external_id)
            if key in message_ids:
                stored[key] = StoredMessage(message_ids[key], conversation_id, event)
                if conversation_id not in created:  # a new one has its time already
                    self._touched_conversations[conversation_id] = db_time(
                        self._conn, event.occurred_at
                    )
                    self._first_unanswered.setdefault(conversation_id, db_time(
                        self._conn, event.occurred_at))
        await self._drop_empty(created - {message.conversation_id for message in stored.values()})
        await webhooks.record_inbound(self._conn, [(m.message_id, m.conversation_id, m.event)
                                                   for m in stored.values()], created, self._now)
        # pop: a later copy of an update in the run gets None, as its redelivery would.
        return [stored.pop((event.channel_id, event.external_id), None) for event in events]

    async def _conversation_ids(self, events: Sequence[InboundEvent]
                                ) -> tuple[list[int], set[int]]:
        """Each event's conversation, making the customer, identity and conversation that
        do not exist yet; and the conversations made."""
        identities = await self._identities(events)
        return await self._conversations(events, identities)

    async def _drop_empty(self, conversation_ids: set[int]) -> None:
        """Conversations made for messages that turned out to be stored already (a
        redelivery after the customer's conversation was resolved): one by one, nothing
        would have been made."""
        for chunk in _chunks(sorted(conversation_ids)):
            await self._exec(f"DELETE FROM conversation WHERE id IN ({_marks(len(chunk))})",  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                             chunk)

    async def _identities(self, events: Sequence[InboundEvent]) -> dict[_Key, _Identity]:
        """The identity of every sender, by (channel, sender id), made the first time."""
        firsts: dict[_Key, InboundEvent] = {}
        for event in events:
            firsts.setdefault(_sender_key(event), event)
        identities = await self._select_identities(list(firsts))
        missing = [event for key, event in firsts.items() if key not in identities]
        if missing:
            identities |= await self._create_identities(missing)
            raced = [key for key in firsts if key not in identities]
            if raced:  # another process made these meanwhile: theirs stand
                identities |= await self._select_identities(raced)
        renamed = await self._rename(events, identities)
        with_phones = await self._fill_phones(events, identities)
        await index_customers(self._conn, {
            *(identity.customer_id for identity in identities.values() if identity.created),
            *renamed, *with_phones})
        return identities

    async def _select_identities(self, keys: Sequence[_Key]) -> dict[_Key, _Identity]:
        """Those of `keys` that exist. PostgreSQL locks them to the end of the transaction
        (the sender's conversation is decided under that lock), in id order so that two
        processes lock in the same order. `NO KEY UPDATE`: another process may still write
        rows that reference them (an outbox row's identity) meanwhile; with `FOR UPDATE`
        that reference waited, and the soak's two processes deadlocked on it."""
        lock = " FOR NO KEY UPDATE" if self._postgres else ""
        found: dict[_Key, _Identity] = {}
        for chunk in _chunks(sorted(keys)):
            by_channel: dict[int, list[str]] = defaultdict(list)
            for channel_id, external_id in chunk:
                by_channel[channel_id].append(external_id)
            where = " OR ".join(
                f"(channel_id = ? AND external_id IN ({_marks(len(ids))}))"
                for ids in by_channel.values()
            )
            rows = await query_rows(
                self._conn,
                "SELECT id, customer_id, channel_id, external_id, display_name, username"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                f" FROM identity WHERE {where} ORDER BY id{lock}",
                [value for channel_id, ids in by_channel.items() for value in (channel_id, *ids)],
            )
            for row in rows:
                found[(row["channel_id"], row["external_id"])] = _Identity(
                    row["id"], row["customer_id"], row["display_name"], row["username"],
                    created=False,
                )
        return found

    async def _create_identities(self, events: Sequence[InboundEvent]) -> dict[_Key, _Identity]:
        """A customer and an identity for the sender of each event (one per sender). The
        unique (channel, external_id) decides, never a check: an identity another process
        made first is not returned, and the customer made for it is deleted again."""
        # A sender who is only a number the network proved (a text message) joins the
        # customer with that number (core/customers.py); two chat accounts never do.
        known = await customers_by_phone(self._conn, {
            _sender_key(e): phone for e in events
            if e.sender.phone_proven and (phone := phone_key(e.sender.phone))})
        fresh = [_sender_key(e) for e in events if _sender_key(e) not in known]
        made = dict(zip(fresh, await self._insert_customers(
            [e for e in events if _sender_key(e) not in known]), strict=True))
        customer_ids = [known.get(_sender_key(e)) or made[_sender_key(e)] for e in events]
        now = db_time(self._conn, self._now)
        rows = [
            [customer_id, event.channel_id, event.sender.external_id, event.sender.username,
             event.sender.display_name, False, now]
            for event, customer_id in zip(events, customer_ids, strict=True)
        ]
        # In key order: two processes inserting the same identities wait for each other in
        # one order, never in a cycle.
        rows.sort(key=lambda row: (row[1], row[2]))
        inserted = await self._insert_many(
            "INSERT INTO identity (customer_id, channel_id, external_id, username, display_name,"
            " unreachable, created_at)",
            rows,
            "ON CONFLICT (channel_id, external_id) DO NOTHING"
            " RETURNING id, customer_id, channel_id, external_id, display_name, username",
        )
        created = {
            (row["channel_id"], row["external_id"]): _Identity(
                row["id"], row["customer_id"], row["display_name"], row["username"], created=True
            )
            for row in inserted
        }
        orphans = [customer_id for key, customer_id in made.items() if key not in created]
        for chunk in _chunks(orphans):
            await self._exec(f"DELETE FROM customer WHERE id IN ({_marks(len(chunk))})", chunk)  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        return created

    async def _insert_customers(self, events: Sequence[InboundEvent]) -> list[int]:
        """A new customer for the sender of each event; their ids, in the same order."""
        now = db_time(self._conn, self._now)
        customers = [
            (event.sender.display_name, phone_key(event.sender.phone), event.sender.language)
            for event in events
        ]
        returned = await self._insert_many(
            "INSERT INTO customer (display_name, phone, language, created_at)",
            [[*customer, now] for customer in customers],
            "RETURNING id, display_name, phone, language",
        )
        # Neither database promises RETURNING rows in VALUES order, so they are matched on
        # what was inserted. Customers alike in all of it are interchangeable: none has an
        # identity yet. Smallest id first, for the earliest event.
        ids: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for row in sorted(returned, key=lambda row: row["id"], reverse=True):
            ids[(row["display_name"], row["phone"], row["language"])].append(row["id"])
        return [ids[customer].pop() for customer in customers]

    async def _rename(
        self, events: Sequence[InboundEvent], identities: dict[_Key, _Identity]
    ) -> set[int]:
        """A name or username changed on the platform: one by one each event would have
        renamed the identity, so the run's last event of it decides. Returns the customers
        renamed."""
        newest = {_sender_key(event): event.sender for event in events}
        renamed = {
            key: sender for key, sender in newest.items()
            if (identities[key].display_name, identities[key].username)
            != (sender.display_name, sender.username)
        }
        if renamed:
            await self._exec_many(
                "UPDATE identity SET display_name = ?, username = ? WHERE id = ?",
                [[sender.display_name, sender.username, identities[key].id]
                 for key, sender in renamed.items()],
            )
        return {identities[key].customer_id for key in renamed}

    async def _fill_phones(
        self, events: Sequence[InboundEvent], identities: dict[_Key, _Identity]
    ) -> set[int]:
        """A phone learnt later (a Telegram contact share) fills an empty one only, so the
        first such phone of a customer wins. The event that created the customer is not
        "later": the customer was made with its phone. Returns the customers given one."""
        phones: dict[int, str] = {}
        creators: set[_Key] = set()
        for event in events:
            key = _sender_key(event)
            identity = identities[key]
            if identity.created and key not in creators:
                creators.add(key)
                continue
            if event.message_kind is MessageKind.CONTACT and (
                phone := phone_key(event.sender.phone)
            ):
                phones.setdefault(identity.customer_id, phone)
        if phones:
            await self._exec_many(
                "UPDATE customer SET phone = ? WHERE id = ? AND phone IS NULL",
                [[phone, customer_id] for customer_id, phone in phones.items()],
            )
        return set(phones)

    async def _conversations(
        self, events: Sequence[InboundEvent], identities: dict[_Key, _Identity]
    ) -> tuple[list[int], set[int]]:
        """Each event's conversation: the newest of its chat unless it is resolved, else a
        new one, which the run's later messages in that chat share; and the new ones."""
        chats: dict[_Chat, tuple[_Identity, InboundEvent]] = {}  # with the chat's first event
        last_at: dict[_Chat, datetime] = {}  # the chat's last message in the run
        for event in events:
            identity = identities[_sender_key(event)]
            chats.setdefault((identity.id, event.chat_id), (identity, event))
            last_at[(identity.id, event.chat_id)] = event.occurred_at
        # An identity created just now has no conversation to look up.
        known = [identity.id for identity in identities.values() if not identity.created]
        conversations = await self._open_conversations(known)
        new = [first for chat, first in chats.items() if chat not in conversations]
        created: dict[_Chat, int] = {}
        if new:
            created = await self._create_conversations(new, last_at)
            conversations |= created
        return [
            conversations[(identities[_sender_key(event)].id, event.chat_id)] for event in events
        ], set(created.values())

    async def _open_conversations(self, identity_ids: Sequence[int]) -> dict[_Chat, int]:
        """The newest conversation of each chat of these identities, unless it is resolved
        and done: a resolved conversation whose survey waits for an answer keeps the chat's
        messages, so the answer rates it and opens nothing (the flows move anything else on
        to the next conversation, `StartNextConversation`)."""
        found: dict[_Chat, int] = {}
        for chunk in _chunks(identity_ids):
            rows = await query_rows(
                self._conn,
                "SELECT id, identity_id, chat_id, status, flow_state FROM conversation WHERE id IN"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                " (SELECT MAX(id) FROM conversation"
                f" WHERE identity_id IN ({_marks(len(chunk))}) GROUP BY identity_id, chat_id)",
                list(chunk),
            )
            for row in rows:
                if (row["status"] != ConversationStatus.RESOLVED
                        or (from_json(row["flow_state"]) or {}).get(SURVEY_AWAITED)):
                    found[(row["identity_id"], row["chat_id"])] = row["id"]
        return found

    async def _create_conversations(
        self, chats: Sequence[tuple[_Identity, InboundEvent]],
        last_at: dict[_Chat, datetime],
    ) -> dict[_Chat, int]:
        """A new open conversation for each (identity, its chat's first event), with the time
        of the chat's last message in the run (no update to follow)."""
        now = db_time(self._conn, self._now)
        rows = [
            [event.channel_id, identity.customer_id, identity.id, event.chat_id,
             event.chat_type.value, db_json(dict(event.route)), ConversationStatus.OPEN.value,
             db_json({}), now,
             db_time(self._conn, last_at[(identity.id, event.chat_id)]), 0,
             db_time(self._conn, event.occurred_at)]
            for identity, event in chats
        ]
        created = await self._insert_many(
            "INSERT INTO conversation (channel_id, customer_id, identity_id, chat_id, chat_type,"
            " route, status, flow_state, created_at, last_message_at, reopen_count,"
            " waiting_since)",
            rows,
            "RETURNING id, identity_id, chat_id",
        )
        return {(row["identity_id"], row["chat_id"]): row["id"] for row in created}

    async def _insert_messages(
        self, events: Sequence[InboundEvent], conversation_ids: Sequence[int]
    ) -> dict[_Key, int]:
        """The ids of the messages that are new, by (channel, external_id); the unique
        key (with the direction) leaves out those stored before."""
        inserted = await self._insert_many(
            "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
            " media, external_id, meta, revisions, raw_payload, processed, created_at)",
            [self._message_row(event, conversation_id)
             for event, conversation_id in zip(events, conversation_ids, strict=True)],
            "ON CONFLICT (channel_id, direction, external_id) DO NOTHING"
            " RETURNING id, channel_id, external_id",
        )
        ids = {(row["channel_id"], row["external_id"]): row["id"] for row in inserted}
        await index_messages(self._conn, [
            (ids[key], conversation_id, event.text[:MAX_TEXT_CHARS] if event.text else None)
            for event, conversation_id in zip(events, conversation_ids, strict=True)
            if (key := (event.channel_id, event.external_id)) in ids
        ])
        return ids

    def _message_row(self, event: InboundEvent, conversation_id: int) -> list[Any]:
        meta = MessageMeta(chat_type=event.chat_type, button_payload=event.button_payload,
                           ack_token=event.ack_token)
        media = None
        if event.media is not None:
            media = {
                "file_id": event.media.file_id,
                "mime_type": event.media.mime_type,
                "file_name": event.media.file_name,
                "size": event.media.size,
            }
            if event.media.file_id.startswith(STORED_PREFIX):  # stored on arrival
                media.update(stored=event.media.file_id.removeprefix(STORED_PREFIX),
                             mime=event.media.mime_type, size=event.media.size)
        text = event.text[:MAX_TEXT_CHARS] if event.text else event.text
        return [
            conversation_id,
            event.channel_id,
            Direction.INBOUND.value,
            Author.CUSTOMER.value,
            event.message_kind.value,
            text,
            db_json(media) if media else None,
            event.external_id,
            encode_meta(meta),
            db_json([]),
            event.raw if isinstance(event.raw, str) else None,
            False,
            db_time(self._conn, event.occurred_at),
        ]

    async def _store_edit(self, event: InboundEvent) -> StoredMessage | None:
        rows = await query_rows(
            self._conn,
            "SELECT id, conversation_id, text, revisions FROM message"
            " WHERE channel_id = ? AND external_id = ? AND direction = ?",
            [event.channel_id, event.external_id, Direction.INBOUND.value],
        )
        if not rows:  # an edit of a message we never saw: keep it as a message
            (stored,) = await self._store_messages([event])
            return stored
        row = rows[0]
        if row["text"] == event.text:  # a redelivered edit
            return None
        revisions = from_json(row["revisions"]) or []
        revisions.append({"text": row["text"], "replaced_at": event.occurred_at.isoformat()})
        await self._exec(
            "UPDATE message SET text = ?, revisions = ? WHERE id = ?",
            [event.text, db_json(revisions), row["id"]],
        )
        await reindex_edited(self._conn, row["id"], row["conversation_id"], event.text)
        return None

    async def _store_echo(self, event: InboundEvent) -> None:
        """What the business wrote from elsewhere (e.g. the Instagram app): part of the
        history, never answered. Our own messages come back as echoes too; their id is
        already stored, and the constraint makes those a no-op."""
        (conversation_id,), created = await self._conversation_ids([event])
        inserted = await query_rows(
            self._conn,
            "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
            " external_id, meta, revisions, raw_payload, processed, delivery, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel_id, direction, external_id) DO NOTHING RETURNING id",
            [conversation_id, event.channel_id, Direction.OUTBOUND.value, Author.AGENT.value,
             event.message_kind.value, event.text, event.external_id,
             encode_meta(MessageMeta(echo=True)), db_json([]),
             event.raw if isinstance(event.raw, str) else None, True, "sent",
             db_time(self._conn, event.occurred_at)],
        )
        if not inserted:
            await self._drop_empty(created)
            return
        await index_messages(self._conn, [(inserted[0]["id"], conversation_id, event.text)])
        # The business answered from elsewhere: it is the customer's turn.
        await self._exec("UPDATE conversation SET waiting_since = NULL WHERE id = ?",
                         [conversation_id])

def _sender_key(event: InboundEvent) -> _Key:
    return (event.channel_id, event.sender.external_id)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _chunks(items: Sequence[_T]) -> Iterator[Sequence[_T]]:
    """Slices of at most CHUNK_ROWS: a statement's parameters stay under the drivers' limits."""
    for start in range(0, len(items), CHUNK_ROWS):
        yield items[start:start + CHUNK_ROWS]
