"""Runs the flows over stored customer messages and writes what they decide.

Each batch is one transaction: load the conversations' states, ask the flow for each
message in arrival order, then write the new states, the bot's messages and their outbox
rows, and mark the messages processed. Work starts from the stored rows, never from
memory, so the same path also finishes whatever a crash interrupted (`recover`).

Conversations are serialised by the database, not by a lock map: one engine task per
process, and on PostgreSQL the batch's conversations are locked (`FOR UPDATE`) so that
two processes never run the same conversation at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.actions import Action, FlowResult, Handoff, Reply, Turn
from core.bus import Bus
from core.db import dialect_sql, is_postgres
from core.events import OutboundKind, OutboundMessage, Platform
from core.inbox import StoredMessage
from core.models import Author, ConversationStatus, Direction, OutboxState
from core.sqlvalues import db_json, db_time, from_json, utcnow
from core.tasks import finish

log = logging.getLogger(__name__)

Decide = Callable[[dict[str, Any], Turn], FlowResult]


@dataclass(slots=True)
class _Conversation:
    id: int
    channel_id: int
    identity_id: int
    platform: Platform
    chat_id: str
    route: dict[str, str]
    status: str
    state: dict[str, Any]
    handed_off: bool = False
    changed: bool = False


@dataclass(slots=True)
class _Writes:
    replies: list[tuple[_Conversation, Reply]] = field(default_factory=list)
    acknowledgements: list[tuple[_Conversation, str]] = field(default_factory=list)
    processed: list[int] = field(default_factory=list)


class ConversationEngine:
    def __init__(
        self, decide: Decide, bus: Bus, wake_outbox: Callable[[], None], *, max_batch: int = 500
    ) -> None:
        self._decide = decide
        self._bus = bus
        self._wake_outbox = wake_outbox
        self._max_batch = max_batch
        self._waiting: list[int] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def submit(self, stored: Sequence[StoredMessage]) -> None:
        self._waiting.extend(message.message_id for message in stored)
        self._arrived.set()

    async def start(self) -> None:
        await self.recover()
        self._task = asyncio.create_task(self._run_forever(), name="conversation-engine")

    async def close(self) -> None:
        """Finishes the batch in hand; what is left is recovered at the next start."""
        self._stopping = True
        self._arrived.set()
        await finish(self._task)

    async def recover(self) -> None:
        """Queue the customer messages a previous run stored but did not get to."""
        async with in_transaction("default") as conn:
            rows = await conn.execute_query_dict(
                dialect_sql(
                    conn,
                    "SELECT id FROM message WHERE processed = ? AND direction = ? ORDER BY id",
                ),
                [False, Direction.INBOUND.value],
            )
        if rows:
            log.info("conversations: %d stored message(s) still to answer", len(rows))
            self._waiting.extend(row["id"] for row in rows)
            self._arrived.set()

    async def _run_forever(self) -> None:
        while True:
            await self._arrived.wait()
            if self._stopping:
                return
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            if not self._waiting:
                self._arrived.clear()
            if not batch:
                continue
            try:
                changed = await self._process(batch)
            except Exception:
                log.exception("conversations: batch of %d failed; will retry", len(batch))
                self._waiting[:0] = batch
                self._arrived.set()
                await asyncio.sleep(1)
                continue
            self._wake_outbox()
            await self._bus.publish_many("conversation.updated", [
                {"conversation_id": conversation.id, "status": conversation.status}
                for conversation in changed
            ])

    async def _process(self, message_ids: list[int]) -> list[_Conversation]:
        async with in_transaction("default") as conn:
            rows = await _load(conn, message_ids)
            conversations: dict[int, _Conversation] = {}
            writes = _Writes()
            for row in rows:
                conversation = conversations.get(row["conversation_id"])
                if conversation is None:
                    conversation = conversations[row["conversation_id"]] = _conversation(row)
                self._run_flow(conversation, row, writes)
            await _write(conn, conversations.values(), writes)
        return [c for c in conversations.values() if c.changed]

    def _run_flow(self, conversation: _Conversation, row: dict[str, Any], writes: _Writes) -> None:
        meta = from_json(row["meta"]) or {}
        writes.processed.append(row["id"])
        if meta.get("ack_token"):
            writes.acknowledgements.append((conversation, meta["ack_token"]))
        turn = Turn(
            message_kind=row["kind"],
            text=row["text"],
            button_payload=meta.get("button_payload"),
            is_group_chat=meta.get("chat_type", "private") != "private",
            conversation_status=conversation.status,
        )
        try:
            result = self._decide(conversation.state, turn)
        except Exception:
            log.exception("conversations: the flow failed on message %s", row["id"])
            return
        if result.state != conversation.state:
            conversation.state = result.state
            conversation.changed = True
        for action in result.actions:
            _apply(action, conversation, writes)


def _conversation(row: dict[str, Any]) -> _Conversation:
    return _Conversation(
        id=row["conversation_id"],
        channel_id=row["channel_id"],
        identity_id=row["identity_id"],
        platform=Platform(row["platform"]),
        chat_id=row["chat_id"],
        route=from_json(row["route"]) or {},
        status=row["status"],
        state=from_json(row["flow_state"]) or {},
    )


def _apply(action: Action, conversation: _Conversation, writes: _Writes) -> None:
    match action:
        case Reply():
            writes.replies.append((conversation, action))
        case Handoff():
            if conversation.status == ConversationStatus.OPEN:
                conversation.status = ConversationStatus.PENDING.value
                conversation.handed_off = True
                conversation.changed = True


async def _load(conn: BaseDBAsyncClient, message_ids: list[int]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(message_ids))
    if is_postgres(conn):
        await conn.execute_query(
            dialect_sql(
                conn,
                "SELECT id FROM conversation WHERE id IN (SELECT conversation_id FROM message"
                f" WHERE id IN ({marks})) ORDER BY id FOR UPDATE",
            ),
            message_ids,
        )
    return await conn.execute_query_dict(
        dialect_sql(
            conn,
            "SELECT m.id, m.conversation_id, m.kind, m.text, m.meta, c.status, c.flow_state,"
            " c.chat_id, c.channel_id, c.identity_id, c.route, ch.platform"
            " FROM message m JOIN conversation c ON c.id = m.conversation_id"
            " JOIN channel ch ON ch.id = c.channel_id"
            f" WHERE m.id IN ({marks}) AND m.processed = ? ORDER BY m.id",
        ),
        [*message_ids, False],
    )


async def _write(
    conn: BaseDBAsyncClient, conversations: Sequence[_Conversation], writes: _Writes
) -> None:
    now = db_time(conn, utcnow())
    outbox_rows: list[list[Any]] = []
    for conversation, reply in writes.replies:
        outbound = OutboundMessage(
            platform=conversation.platform,
            channel_id=conversation.channel_id,
            chat_id=conversation.chat_id,
            text=reply.text,
            buttons=reply.buttons,
            route=conversation.route,
        )
        inserted = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
                " meta, revisions, processed, delivery, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            ),
            [
                conversation.id,
                conversation.channel_id,
                Direction.OUTBOUND.value,
                Author.BOT.value,
                "text",
                reply.text,
                db_json({"buttons": [[b.title, b.payload] for b in reply.buttons]}),
                db_json([]),
                True,
                "queued",
                now,
            ],
        )
        outbox_rows.append(
            [conversation.channel_id, inserted[0]["id"], conversation.identity_id,
             conversation.chat_id, db_json(outbound.to_payload()), now]
        )
    for conversation, ack_token in writes.acknowledgements:
        acknowledgement = OutboundMessage(
            platform=conversation.platform,
            channel_id=conversation.channel_id,
            chat_id=conversation.chat_id,
            kind=OutboundKind.ACKNOWLEDGE,
            ack_token=ack_token,
        )
        outbox_rows.append(
            [conversation.channel_id, None, conversation.identity_id, conversation.chat_id,
             db_json(acknowledgement.to_payload()), now]
        )
    if outbox_rows:
        await conn.execute_many(
            dialect_sql(
                conn,
                "INSERT INTO outbox (channel_id, message_id, identity_id, chat_id, payload, state,"
                " attempts, next_attempt_at, possibly_duplicated, created_at)"
                f" VALUES (?, ?, ?, ?, ?, '{OutboxState.PENDING.value}', 0, ?, ?, ?)",
            ),
            [[*row[:5], row[5], False, row[5]] for row in outbox_rows],
        )
    changed = [c for c in conversations if c.changed]
    if changed:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE conversation SET flow_state = ?, status = ? WHERE id = ?"),
            [[db_json(c.state), c.status, c.id] for c in changed],
        )
    handed_off = [[now, c.id] for c in conversations if c.handed_off]
    if handed_off:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE conversation SET handed_off_at = ? WHERE id = ?"), handed_off
        )
    if writes.processed:
        marks = ", ".join("?" * len(writes.processed))
        await conn.execute_query(
            dialect_sql(conn, f"UPDATE message SET processed = ? WHERE id IN ({marks})"),
            [True, *writes.processed],
        )
