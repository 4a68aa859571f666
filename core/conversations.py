"""Runs the flows over stored customer messages and writes what they decide.

Each batch is one transaction: load the conversations' states, ask the flow for each
message in arrival order, then write the new states, the bot's messages and their outbox
rows, and mark the messages processed. Work starts from the stored rows, never from
memory, so the same path also finishes whatever a crash interrupted (`recover`).

Conversations are serialised by the database, not by a lock map: one engine task per
process, and on PostgreSQL the batch's conversations are locked (`FOR NO KEY UPDATE`) so
that two processes never run the same conversation at once. Not `FOR UPDATE`: that lock
also holds back every insert referencing the conversation (a new message's foreign key),
and with the other process's ingest holding the identity an outbox row references, the two
deadlocked (seen in `bench/soak.py --backend postgres`).

System messages (author "system", kind "service", meta {"event": …}) run through the same
path as the customer's: an agent's resolve, a ticket's new status, a ticket just opened, an
order lookup's outcome. The flows get them as `Turn.system_event`. An order lookup is stored
first as such a row without an outcome; the engine asks the shop outside any transaction,
writes the outcome into the row and runs it, so a lookup interrupted by a crash is done again
after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import webhooks
from core.actions import (
    Action,
    FlowResult,
    Handoff,
    LookupOrder,
    OpenTicket,
    Reply,
    SaveSurvey,
    SetLanguage,
    SetOptOut,
    StartNextConversation,
    SystemEvent,
    Turn,
)
from core.bus import Bus
from core.clock import utcnow
from core.db import dialect_sql, is_postgres
from core.events import ChatType, MediaRef, MessageKind, OutboundKind, OutboundMessage, Platform
from core.followups import schedule_resolved
from core.message_meta import MessageMeta, decode_meta, encode_meta
from core.models import Author, ConversationStatus, Direction
from core.opt_outs import set_opt_out
from core.outbox_rows import OutboxEntry, enqueue
from core.search_index import index_messages
from core.sqlvalues import db_json, db_time, from_json
from core.system_events import insert_system_message
from core.tasks import finish
from core.tickets import open_ticket

log = logging.getLogger(__name__)

BOT_INTRODUCED = "bot_introduced"  # flow state: the bot's first reply has gone out

Decide = Callable[[dict[str, Any], Turn], FlowResult]
LookUpOrder = Callable[[str], Awaitable[dict[str, Any]]]
MAX_LOOKUPS_IN_FLIGHT = 32
ROWS_PER_STATEMENT = 200  # 11 values a row: far below SQLite's and asyncpg's 32,766


class _HasMessageId(Protocol):
    @property
    def message_id(self) -> int: ...


@dataclass(slots=True)
class _Conversation:
    id: int
    channel_id: int
    identity_id: int
    platform: Platform
    chat_id: str
    route: dict[str, str]
    status: ConversationStatus
    state: dict[str, Any]
    customer_id: int
    customer_language: str | None
    team: str | None
    handed_off: bool = False
    changed: bool = False


@dataclass(slots=True)
class _Writes:
    replies: list[tuple[_Conversation, Reply]] = field(default_factory=list)
    acknowledgements: list[tuple[_Conversation, str]] = field(default_factory=list)
    processed: list[int] = field(default_factory=list)
    lookups: list[tuple[_Conversation, str]] = field(default_factory=list)
    tickets: list[tuple[_Conversation, OpenTicket]] = field(default_factory=list)
    surveys: list[tuple[int, SaveSurvey]] = field(default_factory=list)  # conversation id
    languages: dict[int, str] = field(default_factory=dict)  # customer id → language
    # (customer id, channel id) → opted out of proactive messages (False: back in)
    opt_outs: dict[tuple[int, int], bool] = field(default_factory=dict)
    resolved: list[_Conversation] = field(default_factory=list)  # follow-ups to schedule
    unfinished_lookups: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Followups:
    """System messages the batch wrote: lookups to run, and events to run at once."""

    lookups: list[tuple[int, str]] = field(default_factory=list)  # message id, order id
    events: list[int] = field(default_factory=list)


class ConversationEngine:
    def __init__(
        # Messages per transaction: short ones, as the inbox's (core/inbox.py, MAX_BATCH).
        self, decide: Decide, bus: Bus, wake_outbox: Callable[[], None], *, max_batch: int = 100,
        look_up_order: LookUpOrder | None = None,
    ) -> None:
        self._decide = decide
        self._bus = bus
        self._wake_outbox = wake_outbox
        self._max_batch = max_batch
        self._look_up_order = look_up_order
        self._waiting: list[int] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lookups: dict[int, asyncio.Task[None]] = {}  # message id → its lookup, while running
        self._lookup_slots = asyncio.Semaphore(MAX_LOOKUPS_IN_FLIGHT)

    def submit(self, stored: Sequence[_HasMessageId]) -> None:
        """Run these stored messages (core.inbox.StoredMessage) through the flows."""
        self.submit_ids([message.message_id for message in stored])

    def submit_ids(self, message_ids: Iterable[int]) -> None:
        self._waiting.extend(message_ids)
        self._arrived.set()

    async def start(self) -> None:
        await self.recover()
        self._task = asyncio.create_task(self._run_forever(), name="conversation-engine")

    async def close(self) -> None:
        """Finishes the batch in hand; what is left is recovered at the next start."""
        self._stopping = True
        self._arrived.set()
        await finish(self._task)
        for lookup in list(self._lookups.values()):
            lookup.cancel()
        await asyncio.gather(*self._lookups.values(), return_exceptions=True)

    async def recover(self) -> None:
        """Queue the messages (customer's and system) a previous run stored but did not run."""
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
                changed, followups = await self._process(batch)
            except Exception:
                log.exception("conversations: batch of %d failed; will retry", len(batch))
                self._waiting[:0] = batch
                self._arrived.set()
                await asyncio.sleep(1)
                continue
            self._wake_outbox()
            self._follow_up(followups)
            await self._bus.publish_many("conversation.updated", [
                {"conversation_id": conversation.id, "status": conversation.status.value}
                for conversation in changed
            ])

    async def _process(self, message_ids: list[int]
                       ) -> tuple[list[_Conversation], _Followups]:
        async with in_transaction("default") as conn:
            rows = await _load(conn, message_ids)
            now = utcnow()
            conversations: dict[int, _Conversation] = {}
            writes = _Writes()
            for row in rows:
                conversation = conversations.get(row["conversation_id"])
                if conversation is None:
                    conversation = conversations[row["conversation_id"]] = _conversation(row)
                if self._run_flow(conversation, row, writes, now=now, waiting=row["waiting"]):
                    following = await _next_conversation(conn, conversation, conversations, now)
                    await _move_message(conn, row["id"], following.id)
                    self._run_flow(following, row, writes, now=now, waiting=row["waiting"])
            followups = await _write(conn, conversations.values(), writes, now)
        return [c for c in conversations.values() if c.changed], followups

    def _run_flow(self, conversation: _Conversation, row: dict[str, Any], writes: _Writes, *,
                  now: datetime, waiting: int) -> bool:
        """Runs the flow on one message and gathers what it decided; True when the message
        is not this conversation's but begins the chat's next one (nothing gathered then but
        the conversation's new state)."""
        meta = decode_meta(row["meta"])
        system_event = meta.event if row["author"] == Author.SYSTEM else None
        if system_event == SystemEvent.ORDER_STATUS and meta.outcome is None:
            # Recovered after a restart: look it up again (once the transaction is over, so
            # that the lookup's task does not inherit it), and run it when the shop answered.
            writes.unfinished_lookups.append((row["id"], meta.order_id or ""))
            return False
        media = from_json(row["media"])
        turn = Turn(
            message_kind=MessageKind(row["kind"]),
            text=row["text"],
            button_payload=meta.button_payload,
            is_group_chat=meta.chat_type not in (None, ChatType.PRIVATE),
            conversation_status=conversation.status,
            now=now,
            channel=conversation.platform,
            media=MediaRef(**media) if isinstance(media, dict) else None,
            system_event=system_event,
            event=meta.event_data() if system_event else {},
            customer_language=conversation.customer_language,
            team=conversation.team,
            waiting_ahead=waiting,
        )
        try:
            result = self._decide(conversation.state, turn)
        except Exception:
            log.exception("conversations: the flow failed on message %s", row["id"])
            result = FlowResult(state=conversation.state)
        if result.state != conversation.state:
            conversation.state = result.state
            conversation.changed = True
        if any(isinstance(action, StartNextConversation) for action in result.actions):
            return True
        writes.processed.append(row["id"])
        if system_event == SystemEvent.RESOLVED:
            writes.resolved.append(conversation)
        if meta.ack_token:
            writes.acknowledgements.append((conversation, meta.ack_token))
        for action in result.actions:
            _apply(action, conversation, writes)
        return False

    def _follow_up(self, followups: _Followups) -> None:
        for message_id, order_id in followups.lookups:
            self._start_lookup(message_id, order_id)
        if followups.events:
            self.submit_ids(followups.events)

    def _start_lookup(self, message_id: int, order_id: str) -> None:
        if message_id in self._lookups or self._stopping:
            return
        task = asyncio.create_task(self._run_lookup(message_id, order_id),
                                   name=f"order-lookup-{message_id}")
        self._lookups[message_id] = task
        task.add_done_callback(lambda _: self._lookups.pop(message_id, None))

    async def _run_lookup(self, message_id: int, order_id: str) -> None:
        async with self._lookup_slots:
            outcome: dict[str, Any] = {"order_id": order_id, "outcome": "failed"}
            if self._look_up_order is not None:
                try:
                    outcome = await self._look_up_order(order_id)
                except Exception:
                    log.exception("conversations: order lookup crashed")
            try:
                async with in_transaction("default") as conn:
                    await conn.execute_query(
                        dialect_sql(conn, "UPDATE message SET meta = ? WHERE id = ?"),
                        [encode_meta(decode_meta({**outcome, "event": SystemEvent.ORDER_STATUS})),
                         message_id],
                    )
            except Exception:
                log.exception("conversations: could not record an order lookup; will retry")
                return  # the row still has no outcome: the next start looks it up again
        self.submit_ids([message_id])


def _conversation(row: dict[str, Any]) -> _Conversation:
    return _Conversation(
        id=row["conversation_id"],
        channel_id=row["channel_id"],
        identity_id=row["identity_id"],
        platform=Platform(row["platform"]),
        chat_id=row["chat_id"],
        route=from_json(row["route"]) or {},
        status=ConversationStatus(row["status"]),
        state=from_json(row["flow_state"]) or {},
        customer_id=row["customer_id"],
        customer_language=row["language"] if row["language_chosen_at"] else None,
        team=row["team"],
    )


async def _next_conversation(conn: BaseDBAsyncClient, resolved: _Conversation,
                             loaded: dict[int, _Conversation], now: datetime) -> _Conversation:
    """The chat's conversation after this resolved one: the newest, when one was opened since
    and is not resolved, else a new open one (added to ``loaded`` either way)."""
    rows = await conn.execute_query_dict(
        dialect_sql(conn, "SELECT c.id, c.status, c.flow_state, t.name AS team"
                          " FROM conversation c LEFT JOIN team t ON t.id = c.team_id"
                          " WHERE c.identity_id = ? AND c.chat_id = ? AND c.id > ?"
                          " ORDER BY c.id DESC LIMIT 1"),
        [resolved.identity_id, resolved.chat_id, resolved.id],
    )
    if rows and rows[0]["status"] != ConversationStatus.RESOLVED:
        if rows[0]["id"] not in loaded:
            loaded[rows[0]["id"]] = replace(
                resolved, id=rows[0]["id"], status=ConversationStatus(rows[0]["status"]),
                state=from_json(rows[0]["flow_state"]) or {}, team=rows[0]["team"],
                handed_off=False, changed=False)
        return loaded[rows[0]["id"]]
    created = await conn.execute_query_dict(
        dialect_sql(conn, "INSERT INTO conversation (channel_id, customer_id, identity_id,"
                          " chat_id, chat_type, route, status, flow_state, created_at,"
                          " last_message_at, reopen_count, waiting_since)"
                          " SELECT channel_id, customer_id, identity_id, chat_id, chat_type,"
                          " route, ?, ?, ?, last_message_at, 0, waiting_since FROM conversation"
                          " WHERE id = ? RETURNING id"),
        [ConversationStatus.OPEN.value, db_json({}), db_time(conn, now), resolved.id],
    )
    # The customer's wait (the inbox noted it on the resolved one) goes with the message.
    await conn.execute_query(
        dialect_sql(conn, "UPDATE conversation SET waiting_since = NULL WHERE id = ?"),
        [resolved.id])
    following = loaded[created[0]["id"]] = replace(
        resolved, id=created[0]["id"], status=ConversationStatus.OPEN, state={}, team=None,
        handed_off=False, changed=True)
    return following


async def _move_message(conn: BaseDBAsyncClient, message_id: int, conversation_id: int) -> None:
    for table in ("message", "search_entry"):
        await conn.execute_query(
            dialect_sql(conn, f"UPDATE {table} SET conversation_id = ? WHERE id = ?"),  # nosec B608 # the table is one of two fixed names; values are bound
            [conversation_id, message_id])


def _apply(action: Action, conversation: _Conversation, writes: _Writes) -> None:
    match action:
        case Reply():
            writes.replies.append((conversation, action))
        case Handoff():
            if conversation.status == ConversationStatus.OPEN:
                conversation.status = ConversationStatus.PENDING
                conversation.handed_off = True
                conversation.changed = True
        case LookupOrder():
            writes.lookups.append((conversation, action.order_id))
        case OpenTicket():
            writes.tickets.append((conversation, action))
        case SetLanguage():
            writes.languages[conversation.customer_id] = action.language
        case SetOptOut():
            writes.opt_outs[(conversation.customer_id, conversation.channel_id)] = \
                action.opted_out
        case SaveSurvey():
            writes.surveys.append((conversation.id, action))


async def _load(conn: BaseDBAsyncClient, message_ids: list[int]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(message_ids))
    if is_postgres(conn):
        await conn.execute_query(
            dialect_sql(
                conn,
                "SELECT id FROM conversation WHERE id IN (SELECT conversation_id FROM message"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                f" WHERE id IN ({marks})) ORDER BY id FOR NO KEY UPDATE",
            ),
            message_ids,
        )
    return await conn.execute_query_dict(
        dialect_sql(
            conn,
            "SELECT m.id, m.conversation_id, m.author, m.kind, m.text, m.media, m.meta,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " c.status, c.flow_state, c.chat_id, c.channel_id, c.identity_id, c.route,"
            " c.customer_id, ch.platform, cu.language, cu.language_chosen_at, t.name AS team,"
            # The queue's length, in this same round trip (the count is computed once).
            " (SELECT COUNT(*) FROM conversation q"
            f"  WHERE q.status = '{ConversationStatus.PENDING.value}') AS waiting"
            " FROM message m JOIN conversation c ON c.id = m.conversation_id"
            " JOIN channel ch ON ch.id = c.channel_id"
            " JOIN customer cu ON cu.id = c.customer_id"
            " LEFT JOIN team t ON t.id = c.team_id"
            f" WHERE m.id IN ({marks}) AND m.processed = ? ORDER BY m.id",
        ),
        [*message_ids, False],
    )


async def _write(
    conn: BaseDBAsyncClient, conversations: Iterable[_Conversation], writes: _Writes,
    moment: datetime,
) -> _Followups:
    followups = await _write_system_work(conn, writes, moment)
    now = db_time(conn, moment)
    entries: list[OutboxEntry] = []
    replies: list[tuple[_Conversation, OutboundMessage, MessageMeta]] = []
    for conversation, reply in writes.replies:
        # Platforms that require it (Instagram) say on the bot's first words that they
        # come from a bot; the adapter decides how, the conversation remembers it was done.
        introduces_bot = not conversation.state.get(BOT_INTRODUCED)
        if introduces_bot:
            conversation.state = {**conversation.state, BOT_INTRODUCED: True}
            conversation.changed = True
        replies.append((conversation, OutboundMessage(
            platform=conversation.platform,
            channel_id=conversation.channel_id,
            chat_id=conversation.chat_id,
            text=reply.text,
            buttons=reply.buttons,
            route=conversation.route,
            introduces_bot=introduces_bot,
        ), MessageMeta(buttons=tuple((b.title, b.payload) for b in reply.buttons),
                       reply_outcome=reply.outcome, faq_match=reply.faq_match)))
    message_ids = await _insert_bot_messages(conn, replies, now)
    written = list(zip(replies, message_ids, strict=True))
    await index_messages(conn, [(message_id, conversation.id, outbound.text)
                                for (conversation, outbound, _), message_id in written])
    for (conversation, outbound, _), message_id in written:
        entries.append(OutboxEntry(conversation.channel_id, message_id,
                                   conversation.identity_id, conversation.chat_id, outbound))
    for conversation, ack_token in writes.acknowledgements:
        acknowledgement = OutboundMessage(
            platform=conversation.platform,
            channel_id=conversation.channel_id,
            chat_id=conversation.chat_id,
            kind=OutboundKind.ACKNOWLEDGE,
            ack_token=ack_token,
        )
        entries.append(OutboxEntry(conversation.channel_id, None, conversation.identity_id,
                                   conversation.chat_id, acknowledgement))
    if entries:
        await enqueue(conn, entries, moment)
    changed = [c for c in conversations if c.changed]
    if changed:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE conversation SET flow_state = ?, status = ? WHERE id = ?"),
            [[db_json(c.state), c.status.value, c.id] for c in changed],
        )
    handed_off = [[now, c.id] for c in conversations if c.handed_off]
    if handed_off:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE conversation SET handed_off_at = ? WHERE id = ?"), handed_off
        )
    await webhooks.record(conn, [
        *(webhooks.message_created(
            message_id=message_id, conversation_id=conversation.id,
            channel_id=conversation.channel_id, direction=Direction.OUTBOUND.value,
            author=Author.BOT.value, kind="text", text=outbound.text, created_at=moment)
          for (conversation, outbound, _), message_id in written),
        *(webhooks.status_changed(c.id, ConversationStatus.PENDING.value,
                                  ConversationStatus.OPEN.value)
          for c in conversations if c.handed_off)], moment)
    if writes.processed:
        marks = ", ".join("?" * len(writes.processed))
        await conn.execute_query(
            dialect_sql(conn, f"UPDATE message SET processed = ? WHERE id IN ({marks})"),  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            [True, *writes.processed],
        )
    await _answered_by_bot(conn, {c.id for c, _ in writes.replies if c.status in (
        ConversationStatus.OPEN, ConversationStatus.RESOLVED)})
    return followups


async def _answered_by_bot(conn: BaseDBAsyncClient, conversation_ids: set[int]) -> None:
    """The bot answered where it has the conversation: the customer's turn, unless they
    wrote again since (a message still to run). Where a person has it (pending), the bot's
    words ("someone will answer soon") leave the customer waiting for us."""
    if not conversation_ids:
        return
    marks = ", ".join("?" * len(conversation_ids))
    await conn.execute_query(
        dialect_sql(conn, "UPDATE conversation SET waiting_since = NULL"  # nosec B608 # only "?" marks are formatted in; values are bound
                          f" WHERE id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM message m"
                          "  WHERE m.conversation_id = conversation.id AND m.author = ?"
                          "  AND m.processed = ?)"),
        [*sorted(conversation_ids), Author.CUSTOMER.value, False],
    )


async def _insert_bot_messages(
    conn: BaseDBAsyncClient, replies: list[tuple[_Conversation, OutboundMessage, MessageMeta]],
    now: Any,
) -> list[int]:
    """The bot's messages, each with its meta (its buttons, what the reply was, why an FAQ
    answer was given, as decided then), in multi-row statements (one round trip per chunk,
    not one per reply); their ids, in the order of ``replies``.

    Neither SQLite nor PostgreSQL promises the order of RETURNING rows, so rows are matched
    back by what was inserted; rows alike in all of it are interchangeable, and their ids
    are handed out in ascending order, as the rows were written.
    """
    ids: list[int] = []
    for start in range(0, len(replies), ROWS_PER_STATEMENT):
        chunk = replies[start:start + ROWS_PER_STATEMENT]
        values: list[Any] = []
        keys: list[tuple[int, str, MessageMeta]] = []
        for conversation, outbound, meta in chunk:
            keys.append((conversation.id, outbound.text, meta))
            values += [conversation.id, conversation.channel_id, Direction.OUTBOUND.value,
                       Author.BOT.value, "text", outbound.text, encode_meta(meta), db_json([]),
                       True, "queued", now]
        rows = await conn.execute_query_dict(
            dialect_sql(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                " meta, revisions, processed, delivery, created_at) VALUES "
                + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " RETURNING id, conversation_id, text, meta",
            ),
            values,
        )
        by_key: dict[tuple[int, str, MessageMeta], list[int]] = {}
        for row in sorted(rows, key=lambda row: row["id"], reverse=True):
            key = (row["conversation_id"], row["text"], decode_meta(row["meta"]))
            by_key.setdefault(key, []).append(row["id"])
        ids += [by_key[key].pop() for key in keys]
    return ids


async def _write_system_work(conn: BaseDBAsyncClient, writes: _Writes, now: datetime
                             ) -> _Followups:
    """Tickets, lookups, survey answers, language choices and opt-outs the flows asked
    for, and the follow-ups of resolved conversations."""
    followups = _Followups(lookups=list(writes.unfinished_lookups))
    for conversation, ticket in writes.tickets:
        number = await open_ticket(
            conn, conversation_id=conversation.id, customer_id=conversation.customer_id,
            description=ticket.description, media=ticket.media, now=now)
        followups.events.append(await insert_system_message(
            conn, conversation_id=conversation.id, channel_id=conversation.channel_id,
            meta=MessageMeta(event=SystemEvent.TICKET_OPENED, number=number), now=now))
    for conversation, order_id in writes.lookups:
        message_id = await insert_system_message(
            conn, conversation_id=conversation.id, channel_id=conversation.channel_id,
            meta=MessageMeta(event=SystemEvent.ORDER_STATUS, order_id=order_id), now=now)
        followups.lookups.append((message_id, order_id))
    for conversation_id, answer in writes.surveys:
        await _save_survey(conn, conversation_id, answer, now)
    if writes.languages:
        await conn.execute_many(
            dialect_sql(conn, "UPDATE customer SET language = ?, language_chosen_at = ?"
                              " WHERE id = ?"),
            [[language, db_time(conn, now), customer_id]
             for customer_id, language in writes.languages.items()],
        )
    for (customer_id, channel_id), opted_out in writes.opt_outs.items():
        await set_opt_out(conn, customer_id=customer_id, channel_id=channel_id,
                          opted_out=opted_out, source="keyword", now=now)
    for conversation in writes.resolved:
        await schedule_resolved(conn, conversation_id=conversation.id,
                                customer_id=conversation.customer_id, now=now)
    return followups


async def _save_survey(conn: BaseDBAsyncClient, target: int, answer: SaveSurvey,
                       now: datetime) -> None:
    if answer.score is not None:
        # One answer per conversation: a second score (a replayed button) changes nothing.
        # RETURNING tells whether it was saved on both databases (asyncpg's count of an
        # INSERT is the status line's OID, always 0).
        saved = await conn.execute_query_dict(
            dialect_sql(conn, "INSERT INTO survey_answer (conversation_id, score, answered_at)"
                              " VALUES (?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING"
                              " RETURNING conversation_id"),
            [target, answer.score, db_time(conn, now)],
        )
        if saved:
            await webhooks.record(conn, [webhooks.csat_submitted(target, answer.score)], now)
    if answer.comment is not None:
        await conn.execute_query(
            dialect_sql(conn, "UPDATE survey_answer SET comment = ? WHERE conversation_id = ?"
                              " AND comment IS NULL"),
            [answer.comment, target],
        )
