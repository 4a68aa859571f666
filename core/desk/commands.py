"""What an agent does to a conversation: reply (free text or a WhatsApp template), notes,
labels, assignment, resolve, reopen, snooze, presence, and a ticket's status.

Each command checks that the viewer may see the conversation, writes in one transaction,
then tells the others (core/desk/_base.py). A reply is stored with its outbox row exactly
as the engine stores the bot's (core/outbox.py `enqueue`); a resolve or a ticket's new
status is a system message (core/system_events.py) whose id goes to the engine, and the
flows answer it (the survey, the customer told).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core import webhooks
from core.actions import SystemEvent
from core.bus import Bus
from core.clock import utcnow
from core.db import connection, dialect_sql, query_rows
from core.desk._base import DeskBase, outbound, publish_updated
from core.desk._scope import ConversationNotFound, DeskError, Viewer, label_name, visible
from core.events import OutboundKind, OutboundMessage, Template
from core.i18n import gettext_noop, supported, translation
from core.media import STORED_PREFIX, MediaRefused, normalize_type
from core.message_meta import MessageMeta, encode_meta
from core.models import Author, ConversationStatus, Direction, Team, TicketStatus, User
from core.outbox_rows import OutboxEntry, enqueue
from core.owner_config import load_stored
from core.routing.assigner import ASSIGNMENT_TOPIC, AssignmentReason, record_assignment
from core.search_index import index_messages
from core.sqlvalues import db_json, db_time
from core.system_events import insert_system_message
from core.text import strip_invisible
from core.tickets import change_ticket_status

MAX_REPLY_CHARS = 4096  # Telegram's and Meta's limit for one text message
MAX_NOTE_CHARS = 10_000
MAX_LABEL_CHARS = 64
MAX_LABELS_PER_CONVERSATION = 20
MAX_TEMPLATE_PARAMETER_CHARS = 1024
MAX_FILE_NAME_CHARS = 128
Retarget = Callable[[BaseDBAsyncClient, dict[str, Any]], Awaitable[dict[str, Any]]]
_PLACEHOLDER = re.compile(r"\{\{(\d{1,2})\}\}")
TICKET_STATUSES = tuple(status.value for status in TicketStatus)
SNOOZE_WAKE_BATCH = 200
PRESENCE_TOPIC = "conversation.presence"
# A panel repeats its presence every 10 s (panel.js); three missed notices and it is gone.
PRESENCE_EXPIRES_SECONDS = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateChoice:
    """A WhatsApp template the owner listed (`whatsapp_templates`), for the reply box."""

    name: str
    language: str
    parameters: int
    description: str


class Commands(DeskBase):
    # --- writing to the customer -----------------------------------------------------------

    async def reply(self, viewer: Viewer, conversation_id: int, text: str) -> int:
        """Stores the agent's reply and its outbox row, exactly as the engine does for the
        bot's replies; returns the message id. The outbox worker sends it."""
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write a reply first."))
        if len(text) > MAX_REPLY_CHARS:
            raise DeskError(gettext_noop("The reply is too long for one message."))
        settings = (await load_stored()).agent_replies
        if viewer.display_name and settings is not None and settings.show_name_to_customers:
            # What the customer reads is what the timeline keeps.
            language = await _customer_language(conversation_id)
            signature = translation(language).gettext("%(name)s from support:") % {
                "name": viewer.display_name}
            text = f"{signature}\n{text}"[:MAX_REPLY_CHARS]
        return await self._send(viewer, conversation_id, text, MessageMeta(by=viewer.user_id),
                                lambda row: outbound(row, text=text))

    async def reply_file(self, viewer: Viewer, conversation_id: int, data: bytes,
                         declared: str, name: str | None) -> int:
        """Sends a file the agent attached (a picture or a document), when the
        conversation's channel gives files to its customers: within the channel's types and
        size, its first bytes checked against its type, stored like a received file, then
        queued as a FILE message. Returns the message id."""
        row = await visible(connection(), viewer, conversation_id)
        rules = self._file_rules(row["channel_id"])
        if rules is None or self._store_file is None:
            raise DeskError(gettext_noop("This channel does not take files from agents."))
        mime_type = normalize_type(declared)
        if not data:
            raise DeskError(gettext_noop("Choose a file first."))
        if mime_type not in rules.types:
            raise DeskError(gettext_noop("This kind of file cannot be sent on this channel."))
        if len(data) > rules.max_bytes:
            raise DeskError(gettext_noop("The file is too large to send on this channel."))
        name = strip_invisible(name or "").strip()[:MAX_FILE_NAME_CHARS] or None
        try:
            ref = await asyncio.to_thread(self._store_file, data, mime_type, name)
        except MediaRefused:
            raise DeskError(gettext_noop("The file is not what its type says.")) from None
        media = {"file_id": ref.file_id, "mime_type": ref.mime_type, "file_name": ref.file_name,
                 "size": ref.size, "stored": ref.file_id.removeprefix(STORED_PREFIX),
                 "mime": ref.mime_type}
        kind = "photo" if mime_type.startswith("image/") else "document"
        return await self._send(viewer, conversation_id, "", MessageMeta(by=viewer.user_id),
                                lambda row: outbound(row, kind=OutboundKind.FILE, file=ref),
                                kind=kind, media=media)

    async def templates(self) -> list[TemplateChoice]:
        """The approved WhatsApp templates the owner listed (`whatsapp_templates`)."""
        document = await load_stored()
        return [TemplateChoice(name=t.name, language=t.language, parameters=t.parameters,
                               description=t.description)
                for t in document.whatsapp_templates]

    async def send_template(self, viewer: Viewer, conversation_id: int, *, name: str,
                            language: str, parameters: Sequence[str]) -> int:
        """Sends one of the owner's templates, the one way to write after the window."""
        chosen = next((t for t in await self.templates()
                       if (t.name, t.language) == (name, language)), None)
        if chosen is None:
            raise DeskError(gettext_noop("There is no such template."))
        # Meta refuses line breaks, tabs and runs of spaces inside a parameter.
        values = tuple(" ".join(strip_invisible(p).split()) for p in parameters)
        if len(values) != chosen.parameters or not all(values):
            raise DeskError(gettext_noop("Fill in every part of the template."))
        if any(len(value) > MAX_TEMPLATE_PARAMETER_CHARS for value in values):
            raise DeskError(gettext_noop("A part of the template is too long."))
        shown = _fill_template(chosen.description, values) or " ".join((chosen.name, *values))
        template = Template(name=chosen.name, language=chosen.language, parameters=values)

        def make(row: dict[str, Any]) -> OutboundMessage:
            if not self._takes_templates(row):
                raise DeskError(gettext_noop("This channel does not take templates."))
            return outbound(row, kind=OutboundKind.TEMPLATE, template=template)

        return await self._send(viewer, conversation_id, shown, MessageMeta(
            template=chosen.name, by=viewer.user_id), make)

    async def _send(self, viewer: Viewer, conversation_id: int, text: str,
                    meta: MessageMeta,
                    make: Callable[[dict[str, Any]], OutboundMessage],
                    retarget: Retarget | None = None, *, kind: str = "text",
                    media: dict[str, Any] | None = None) -> int:
        """Stores and queues `make(row)` in the conversation; `retarget` may send it to the
        customer on another channel (its channel, identity and chat in the row it returns).
        `kind` and `media` are the stored message's (a file's, as core/inbox.py stores a
        received one)."""
        async with in_transaction("default") as conn:
            row = await visible(conn, viewer, conversation_id)
            if retarget is not None:
                row = await retarget(conn, row)
            if row["unreachable"]:
                raise DeskError(gettext_noop("The customer has blocked the bot: the reply "
                                             "cannot be delivered."))
            message = make(row)
            window = self._reply_window(message)
            if window is not None and not await self._within(conn, row, window):
                raise DeskError(gettext_noop(
                    "The customer last wrote too long ago for this channel to take a free "
                    "reply."))
            moment = utcnow()
            now = db_time(conn, moment)
            inserted = await query_rows(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
                " media, meta, revisions, processed, delivery, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [conversation_id, row["channel_id"], Direction.OUTBOUND.value,
                 Author.AGENT.value, kind, text, db_json(media) if media else None,
                 encode_meta(meta), db_json([]), True, "queued", now],
            )
            message_id = inserted[0]["id"]
            await index_messages(conn, [(message_id, conversation_id, text)])
            await webhooks.record(conn, [webhooks.message_created(
                message_id=message_id, conversation_id=conversation_id,
                channel_id=row["channel_id"], direction=Direction.OUTBOUND.value,
                author=Author.AGENT.value, kind=kind, text=text, created_at=moment)], moment)
            await enqueue(conn, [OutboxEntry(row["channel_id"], message_id, row["identity_id"],
                                             row["chat_id"], message)], moment)
            await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET last_message_at = ?,"
                                  " first_response_at = COALESCE(first_response_at, ?),"
                                  " waiting_since = NULL WHERE id = ?"),
                [now, now, conversation_id],
            )
        self._wake_outbox()
        await self._bus.publish("message.new", {
            "conversation_id": conversation_id, "message_id": message_id, "direction": "out",
        })
        return message_id

    # --- notes and labels -------------------------------------------------------------------

    async def add_note(self, viewer: Viewer, conversation_id: int, text: str) -> int:
        """Stores a private note and returns its id."""
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write the note first."))
        if len(text) > MAX_NOTE_CHARS:
            raise DeskError(gettext_noop("The note is too long."))
        conn = connection()
        await visible(conn, viewer, conversation_id)
        inserted = await query_rows(
            conn, "INSERT INTO note (conversation_id, author_id, text, created_at)"
                  " VALUES (?, ?, ?, ?) RETURNING id",
            [conversation_id, viewer.user_id, text, db_time(conn, utcnow())],
        )
        await self._updated(conversation_id, None)
        return inserted[0]["id"]

    async def add_label(self, viewer: Viewer, conversation_id: int, name: str) -> None:
        name = label_name(name)
        if not name:
            raise DeskError(gettext_noop("Write the label first."))
        if len(name) > MAX_LABEL_CHARS:
            raise DeskError(gettext_noop("A label is at most 64 characters."))
        async with in_transaction("default") as conn:
            await visible(conn, viewer, conversation_id)
            count = await query_rows(conn, "SELECT COUNT(*) AS n FROM conversation_label"
                                           " WHERE conversation_id = ?", [conversation_id])
            if count[0]["n"] >= MAX_LABELS_PER_CONVERSATION:
                raise DeskError(gettext_noop("This conversation has too many labels."))
            await conn.execute_query(
                dialect_sql(conn, "INSERT INTO conversation_label (conversation_id, name,"
                                  " created_at) VALUES (?, ?, ?)"
                                  " ON CONFLICT (conversation_id, name) DO NOTHING"),
                [conversation_id, name, db_time(conn, utcnow())],
            )
        await self._updated(conversation_id, None)

    async def remove_label(self, viewer: Viewer, conversation_id: int, name: str) -> None:
        conn = connection()
        await visible(conn, viewer, conversation_id)
        await conn.execute_query(
            dialect_sql(conn, "DELETE FROM conversation_label WHERE conversation_id = ?"
                              " AND name = ?"),
            [conversation_id, label_name(name)],
        )
        await self._updated(conversation_id, None)

    # --- who has it, and its status ---------------------------------------------------------

    async def assign(self, viewer: Viewer, conversation_id: int, *,
                     assignee_id: int | None, team_id: int | None) -> None:
        if assignee_id is not None and not await User.exists(id=assignee_id, active=True):
            raise DeskError(gettext_noop("There is no such agent."))
        if team_id is not None and not await Team.exists(id=team_id):
            raise DeskError(gettext_noop("There is no such team."))
        async with in_transaction("default") as conn:
            row = await visible(conn, viewer, conversation_id)
            await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET assignee_id = ?, team_id = ?"
                                  " WHERE id = ?"),
                [assignee_id, team_id, conversation_id],
            )
            await webhooks.record(conn, [webhooks.assigned(conversation_id, assignee_id,
                                                           team_id)], utcnow())
            assignment_id = None
            if assignee_id != row["assignee_id"]:  # every assignment is recorded, with why
                assignment_id = await record_assignment(
                    conn, conversation_id=conversation_id, user_id=assignee_id,
                    reason=AssignmentReason.MANUAL, by=viewer.user_id, now=utcnow())
        await self._updated(conversation_id, row["status"])
        if assignment_id is not None and assignee_id not in (None, viewer.user_id):
            await self._bus.publish(ASSIGNMENT_TOPIC, {
                "conversation_id": conversation_id, "user_id": assignee_id,
                "reason": AssignmentReason.MANUAL.value, "assignment_id": assignment_id})

    async def resolve(self, viewer: Viewer, conversation_id: int) -> None:
        """Resolved, and a system message tells the flows (they send the survey)."""
        async with in_transaction("default") as conn:
            row = await visible(conn, viewer, conversation_id)
            moment = utcnow()
            changed, _ = await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET status = ?, resolved_at = ?,"
                                  " snoozed_until = NULL, waiting_since = NULL"
                                  " WHERE id = ? AND status <> ?"),
                [ConversationStatus.RESOLVED.value, db_time(conn, moment), conversation_id,
                 ConversationStatus.RESOLVED.value],
            )
            if not changed:
                return
            message_id = await insert_system_message(
                conn, conversation_id=conversation_id, channel_id=row["channel_id"],
                meta=MessageMeta(event=SystemEvent.RESOLVED, by=viewer.user_id), now=moment)
            await webhooks.record(conn, [webhooks.status_changed(
                conversation_id, ConversationStatus.RESOLVED.value, row["status"])], moment)
        self._submit_to_engine([message_id])
        await self._updated(conversation_id, ConversationStatus.RESOLVED.value)

    async def reopen(self, viewer: Viewer, conversation_id: int) -> None:
        """A resolved or snoozed conversation goes back to the agents' queue; only a
        reopen after a resolve counts in reopen_count."""
        async with in_transaction("default") as conn:
            row = await visible(conn, viewer, conversation_id)
            if row["status"] not in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
                return
            counted = 1 if row["status"] == ConversationStatus.RESOLVED else 0
            changed, _ = await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET status = ?, resolved_at = NULL,"
                                  " snoozed_until = NULL, reopen_count = reopen_count + ?"
                                  " WHERE id = ? AND status = ?"),
                [ConversationStatus.PENDING.value, counted, conversation_id, row["status"]],
            )
            if changed:
                await webhooks.record(conn, [webhooks.status_changed(
                    conversation_id, ConversationStatus.PENDING.value, row["status"])], utcnow())
        await self._updated(conversation_id, ConversationStatus.PENDING.value)

    async def snooze(self, viewer: Viewer, conversation_id: int, until: datetime) -> None:
        """Out of the queue until `until`; the runtime wakes it then (`wake_snoozed`)."""
        if until <= utcnow():
            raise DeskError(gettext_noop("Choose a time in the future."))
        async with in_transaction("default") as conn:
            row = await visible(conn, viewer, conversation_id)
            await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET status = ?, snoozed_until = ?"
                                  " WHERE id = ?"),
                [ConversationStatus.SNOOZED.value, db_time(conn, until), conversation_id],
            )
            if row["status"] != ConversationStatus.SNOOZED:
                await webhooks.record(conn, [webhooks.status_changed(
                    conversation_id, ConversationStatus.SNOOZED.value, row["status"])], utcnow())
        await self._updated(conversation_id, ConversationStatus.SNOOZED.value)

    async def presence(self, viewer: Viewer, conversation_id: int, *, typing: bool) -> None:
        """Tells the other open panels that this viewer has the conversation open (or is
        typing in it). Nothing is stored: each panel forgets a colleague whose notices stop
        for PRESENCE_EXPIRES_SECONDS, so a closed tab needs no goodbye."""
        await visible(connection(), viewer, conversation_id)
        await self._bus.publish(PRESENCE_TOPIC, {
            "conversation_id": conversation_id, "user_id": viewer.user_id, "typing": typing,
        })

    async def change_ticket(self, viewer: Viewer, number: int, status: str) -> None:
        """A new status for a ticket; the flows tell the customer."""
        if status not in TICKET_STATUSES:
            raise DeskError(gettext_noop("There is no such ticket status."))
        conn = connection()
        rows = await query_rows(conn, "SELECT conversation_id FROM ticket WHERE number = ?",
                                [number])
        if not rows:
            raise ConversationNotFound(gettext_noop("There is no such ticket."))
        row = await visible(conn, viewer, rows[0]["conversation_id"])
        message_id = await change_ticket_status(number, status)
        if message_id is not None:
            self._submit_to_engine([message_id])
            await self._updated(row["id"], None)


async def wake_snoozed(bus: Bus, now: datetime) -> list[int]:
    """Snoozed conversations due by `now` go back to the agents' queue (pending), at most
    SNOOZE_WAKE_BATCH at a time; returns their ids. The runtime calls it now and then
    (bots/snooze.py). Several processes may run it at once: the status condition lets each
    row wake once."""
    snoozed = ConversationStatus.SNOOZED.value
    async with in_transaction("default") as conn:
        woken = await query_rows(
            conn,
            "UPDATE conversation SET status = ?, snoozed_until = NULL WHERE id IN"
            " (SELECT id FROM conversation WHERE status = ? AND snoozed_until <= ?"
            " ORDER BY snoozed_until LIMIT ?) AND status = ? RETURNING id",
            [ConversationStatus.PENDING.value, snoozed, db_time(conn, now),
             SNOOZE_WAKE_BATCH, snoozed],
        )
        ids = sorted(row["id"] for row in woken)
        await webhooks.record(conn, [webhooks.status_changed(
            conversation_id, ConversationStatus.PENDING.value, snoozed)
            for conversation_id in ids], now)
    for conversation_id in ids:
        await publish_updated(bus, conversation_id, ConversationStatus.PENDING.value)
    return ids


def _fill_template(description: str, values: tuple[str, ...]) -> str:
    """The owner's description with {{1}}, {{2}}... replaced, as the timeline shows it."""
    def value(match: re.Match[str]) -> str:
        number = int(match[1])
        return values[number - 1] if 1 <= number <= len(values) else match[0]
    return _PLACEHOLDER.sub(value, description).strip()


async def _customer_language(conversation_id: int) -> str:
    """The language the customer chose in the bot, else the default (as the flows do)."""
    rows = await query_rows(
        connection(), "SELECT cu.language, cu.language_chosen_at FROM conversation c"
                      " JOIN customer cu ON cu.id = c.customer_id WHERE c.id = ?",
        [conversation_id])
    chosen = rows[0]["language"] if rows and rows[0]["language_chosen_at"] else None
    return supported(chosen)
