"""The agents' desk: what the admin panel reads and does, over the tables in core/models.py.

The panel never touches a model. It asks the `Desk` and gets frozen dataclasses back, or a
`DeskError` whose message is a translation key. Every query is scoped to the viewer: an
owner sees every conversation; an agent sees the conversations of their teams, the ones
with no team, and the ones assigned to them. A conversation outside that scope does not
exist for them (`ConversationNotFound`, a 404 in the panel).

Commands write in one transaction, then tell the others: the outbox worker is woken for a
reply, the conversation engine gets the system message a resolve writes (the flows send
the survey), and the bus tells every open panel that something changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import Bus
from core.customers import CannotMerge, merge_customers
from core.db import connection, dialect_sql
from core.display import describe
from core.events import (
    EventKind,
    InboundEvent,
    MessageKind,
    OutboundAuthor,
    OutboundKind,
    OutboundMessage,
    Platform,
    Sender,
    Template,
)
from core.i18n import gettext_noop
from core.inbox import StoredMessage
from core.models import (
    Author,
    ConversationStatus,
    Direction,
    OutboxState,
    Role,
    Team,
    TeamMember,
    TicketStatus,
    User,
)
from core.outbox import last_customer_messages
from core.owner_config import load_stored
from core.sqlvalues import db_json, db_time, from_json, utcnow
from core.text import normalize, strip_invisible
from core.tickets import change_ticket_status
from core.users import password_matches

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 4096  # Telegram's and Meta's limit for one text message
MAX_NOTE_CHARS = 10_000
LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_FOR = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(minutes=15)
THROTTLE_ROWS_KEPT_FOR = timedelta(days=1)
INBOX_PAGE = 50
TIMELINE_LIMIT = 300
SEARCH_INDEX_BATCH = 2000
MAX_MATCHED_CUSTOMERS = 1000
# Normalizing every customer's names took ~130 ms of a search over 10,000 customers; names
# rarely change, so their normalized form is remembered: ~0.4 KiB each, so at most ~20 MiB.
# Each search walks every customer in one order, which an LRU smaller than the customers
# would only churn: the bound is set well above a shop's usual customer count.
NAMES_REMEMBERED = 50_000
MAX_LABEL_CHARS = 64
MAX_LABELS_PER_CONVERSATION = 20
LABELS_OFFERED = 200
MAX_TEMPLATE_PARAMETER_CHARS = 1024
_PLACEHOLDER = re.compile(r"\{\{(\d{1,2})\}\}")
SNOOZE_CHECK_SECONDS = 30.0
SNOOZE_WAKE_BATCH = 200
PRESENCE_TOPIC = "conversation.presence"
# A panel repeats its presence every 10 s (panel.js); three missed notices and it is gone.
PRESENCE_EXPIRES_SECONDS = 30
STATUSES = tuple(status.value for status in ConversationStatus)
TICKET_STATUSES = tuple(status.value for status in TicketStatus)


class DeskError(Exception):
    """A refused request. `str()` is an English message id, translated where shown."""


class ConversationNotFound(DeskError):
    """No such conversation, or the viewer may not see it (the two look the same)."""


class LoginRefused(DeskError):
    """Wrong address or password; the same for both, so addresses cannot be probed."""


class LoginLocked(DeskError):
    """Too many failed attempts for this address; `until` says when it opens again."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    email: str
    display_name: str
    role: str
    team_ids: tuple[int, ...]

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def name(self) -> str:
        return self.display_name or self.email


@dataclass(frozen=True, slots=True)
class Choice:
    """Something a filter or a form offers: a team, an agent, a channel."""

    id: int
    name: str
    platform: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxFilter:
    assigned: str = ""  # "mine", "unassigned" or "" (anyone)
    team_id: int | None = None
    status: str = ""  # one of STATUSES, or "" for all
    channel_id: int | None = None
    label: str = ""
    query: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxRow:
    conversation_id: int
    platform: str
    channel_name: str
    customer_name: str
    preview: str
    last_author: str
    last_at: datetime
    waiting_since: datetime | None
    unread: int
    status: str
    assignee_name: str
    team_name: str
    sorted_at: datetime  # the conversation's last_message_at: the inbox's order
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CannedChoice:
    """A ready answer from the owner's configuration, picked by its shortcut."""

    shortcut: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateChoice:
    """A WhatsApp template the owner listed (`whatsapp_templates`), for the reply box."""

    name: str
    language: str
    parameters: int
    description: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyWindow:
    """Whether the platform still takes a free reply, and what to do when it does not."""

    closed: bool = False
    hours: int = 0  # the window's length, when there is one
    templates_allowed: bool = False  # the platform takes a template once it is closed


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerIdentity:
    platform: str
    channel_name: str
    external_id: str
    username: str
    display_name: str
    unreachable: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PastConversation:
    id: int
    platform: str
    status: str
    created_at: datetime
    last_message_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyScore:
    conversation_id: int
    score: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketRow:
    number: int
    conversation_id: int
    status: str
    description: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SamePerson:
    """Another customer with the same phone number: perhaps one person, met twice."""

    customer_id: int
    name: str
    phone: str


ATTRIBUTE_NAME_CHARS = 64
ATTRIBUTE_VALUE_CHARS = 500
MAX_ATTRIBUTES = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerDetail:
    id: int
    name: str
    phone: str
    language: str
    created_at: datetime
    identities: tuple[CustomerIdentity, ...]
    conversations: tuple[PastConversation, ...]  # those the viewer may see, newest first
    surveys: tuple[SurveyScore, ...]
    tickets: tuple[TicketRow, ...]
    same_person: tuple[SamePerson, ...]
    attributes: tuple[tuple[str, str], ...] = ()  # custom "name: value" pairs, sorted


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    """A received file in the media store (core/media.py), as the platform typed it."""

    message_id: int
    digest: str
    mime: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry:
    id: int
    is_note: bool
    conversation_id: int
    platform: str
    direction: str
    author: str
    author_name: str
    kind: str
    text: str
    has_media: bool
    media_mime: str  # set once the file is in the media store
    media_failed: bool  # the platform's file could not be fetched
    event: str
    created_at: datetime
    delivery: str
    delivery_error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationDetail:
    id: int
    platform: str
    channel_name: str
    status: str
    customer_id: int
    customer_name: str
    customer_phone: str
    identity_name: str
    identity_username: str
    unreachable: bool
    assignee_id: int | None
    team_id: int | None
    snoozed_until: datetime | None
    reopen_count: int
    created_at: datetime
    conversation_ids: tuple[int, ...]  # the customer's conversations in the timeline
    timeline: tuple[TimelineEntry, ...]
    older_entries_hidden: bool
    labels: tuple[str, ...] = ()
    reply_window: ReplyWindow = ReplyWindow()


def _when(value: Any) -> datetime | None:
    """Raw SQL gives datetimes on PostgreSQL and ISO text on SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _meta(row: dict[str, Any]) -> dict[str, Any]:
    meta = from_json(row["meta"])
    return meta if isinstance(meta, dict) else {}


def _customer_name(row: dict[str, Any]) -> str:
    name = row.get("customer_name") or row.get("identity_name") or row.get("username")
    return strip_invisible(name) if name else ""


async def _rows(conn: BaseDBAsyncClient, sql: str, values: Sequence[Any] = ()) -> list[dict]:
    return await conn.execute_query_dict(dialect_sql(conn, sql), list(values))


@lru_cache(maxsize=NAMES_REMEMBERED)
def _normalized_names(names: str) -> str:
    return normalize(names)


def label_name(text: str) -> str:
    """A label as stored: visible characters only, single spaces, no half-space at a
    word's edge (where it means nothing)."""
    words = (word.strip("\u200c") for word in strip_invisible(text).split())
    return " ".join(word for word in words if word)


def _fill_template(description: str, values: tuple[str, ...]) -> str:
    """The owner's description with {{1}}, {{2}}... replaced, as the timeline shows it."""
    def value(match: re.Match[str]) -> str:
        number = int(match[1])
        return values[number - 1] if 1 <= number <= len(values) else match[0]
    return _PLACEHOLDER.sub(value, description).strip()


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Desk:
    def __init__(
        self,
        bus: Bus,
        wake_outbox: Callable[[], None],
        submit_to_engine: Callable[[Sequence[StoredMessage]], None],
        reply_window: Callable[[OutboundMessage], timedelta | None] = lambda message: None,
    ) -> None:
        """`reply_window` is the channel's transport's rule (core/delivery.py): how long
        after the customer's last message the platform takes this message, or None."""
        self._bus = bus
        self._wake_outbox = wake_outbox
        self._submit_to_engine = submit_to_engine
        self._reply_window = reply_window

    # --- who is looking ----------------------------------------------------------------

    async def authenticate(self, email: str, password: str) -> Viewer:
        """The viewer for these credentials; raises LoginRefused or LoginLocked.

        Failures are counted per address in the database, for addresses that exist and
        for those that do not alike, so the lockout says nothing about who has an account.
        """
        email = email.strip().lower()[:254]
        conn = connection()
        now = utcnow()
        locked = await _rows(conn, "SELECT locked_until FROM login_throttle WHERE email = ?",
                             [email])
        until = _when(locked[0]["locked_until"]) if locked else None
        if until and until > now:
            raise LoginLocked(gettext_noop("Too many failed attempts."), until)
        user = await User.get_or_none(email=email, active=True)
        if await password_matches(user.password_hash if user else None, password) and user:
            await conn.execute_query(
                dialect_sql(conn, "DELETE FROM login_throttle WHERE email = ?"), [email]
            )
            return await self._viewer_of(user)
        await self._count_failure(conn, email, now)
        raise LoginRefused(gettext_noop("The e-mail address or the password is wrong."))

    async def _count_failure(self, conn: BaseDBAsyncClient, email: str, now: datetime) -> None:
        stamp = db_time(conn, now)
        forgotten = db_time(conn, now - FAILURES_FORGOTTEN_AFTER)
        rows = await _rows(
            conn,
            "INSERT INTO login_throttle (email, failures, locked_until, updated_at)"
            " VALUES (?, 1, NULL, ?) ON CONFLICT (email) DO UPDATE SET"
            " failures = CASE WHEN login_throttle.updated_at < ? THEN 1"
            " ELSE login_throttle.failures + 1 END, updated_at = excluded.updated_at"
            " RETURNING failures",
            [email, stamp, forgotten],
        )
        if rows and rows[0]["failures"] >= LOCKOUT_AFTER_FAILURES:
            log.warning("panel: login locked for %s minutes after %d failures",
                        LOCKOUT_FOR.seconds // 60, rows[0]["failures"])
            await conn.execute_query(
                dialect_sql(conn, "UPDATE login_throttle SET locked_until = ?, failures = 0"
                                  " WHERE email = ?"),
                [db_time(conn, now + LOCKOUT_FOR), email],
            )
        # Rows of addresses nobody tries any more go, so guessing cannot grow the table.
        await conn.execute_query(
            dialect_sql(conn, "DELETE FROM login_throttle WHERE updated_at < ?"
                              " AND (locked_until IS NULL OR locked_until < ?)"),
            [db_time(conn, now - THROTTLE_ROWS_KEPT_FOR), stamp],
        )

    async def viewer(self, user_id: int) -> Viewer | None:
        """The viewer a session names, or None once the user is gone or deactivated."""
        user = await User.get_or_none(id=user_id, active=True)
        return await self._viewer_of(user) if user else None

    async def _viewer_of(self, user: User) -> Viewer:
        team_ids = await TeamMember.filter(user_id=user.id).order_by("team_id").values_list(
            "team_id", flat=True
        )
        return Viewer(user.id, user.email, user.display_name, user.role, tuple(team_ids))

    # --- what there is to choose from ----------------------------------------------------

    async def teams(self) -> list[Choice]:
        return [Choice(t.id, t.name) for t in await Team.all().order_by("name")]

    async def agents(self) -> list[Choice]:
        users = await User.filter(active=True).order_by("email")
        return [Choice(u.id, u.display_name or u.email) for u in users]

    async def labels(self) -> list[str]:
        """The labels in use, for the inbox's filter."""
        rows = await _rows(connection(), "SELECT DISTINCT name FROM conversation_label"
                                          " ORDER BY name LIMIT ?", [LABELS_OFFERED])
        return [r["name"] for r in rows]

    async def canned_replies(self) -> list[CannedChoice]:
        """The owner's ready answers (`canned_replies` in the configuration)."""
        document = await load_stored()
        return [CannedChoice(r.shortcut, r.text) for r in document.canned_replies]

    async def channels(self) -> list[Choice]:
        rows = await _rows(connection(), "SELECT id, platform, name FROM channel ORDER BY id")
        return [Choice(r["id"], r["name"] or r["platform"], r["platform"]) for r in rows]

    # --- the inbox -------------------------------------------------------------------------

    @staticmethod
    def _scope(viewer: Viewer, alias: str = "c") -> tuple[str, list[Any]]:
        if viewer.is_owner:
            return "1 = 1", []
        teams = ""
        if viewer.team_ids:
            teams = f" OR {alias}.team_id IN ({', '.join('?' * len(viewer.team_ids))})"
        return (f"({alias}.team_id IS NULL OR {alias}.assignee_id = ?{teams})",
                [viewer.user_id, *viewer.team_ids])

    async def inbox(self, viewer: Viewer, wanted: InboxFilter, *,
                    before: tuple[datetime, int] | None = None,
                    limit: int = INBOX_PAGE) -> list[InboxRow]:
        """Newest activity first, one page; `before` is the (sorted_at, conversation_id) of
        the previous page's last row."""
        conn = connection()
        scope, values = self._scope(viewer)
        where = [scope]
        if wanted.assigned == "mine":
            where.append("c.assignee_id = ?")
            values.append(viewer.user_id)
        elif wanted.assigned == "unassigned":
            where.append("c.assignee_id IS NULL")
        if wanted.team_id is not None:
            where.append("c.team_id = ?")
            values.append(wanted.team_id)
        if wanted.status in STATUSES:
            where.append("c.status = ?")
            values.append(wanted.status)
        if wanted.channel_id is not None:
            where.append("c.channel_id = ?")
            values.append(wanted.channel_id)
        if label_name(wanted.label):
            where.append("EXISTS (SELECT 1 FROM conversation_label l"
                         " WHERE l.conversation_id = c.id AND l.name = ?)")
            values.append(label_name(wanted.label))
        if before is not None:
            # Every write of last_message_at goes through db_time, so on SQLite the text
            # compares in time order, as the ORDER BY below already assumes.
            where.append("(c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))")
            moment = db_time(conn, before[0])
            values.extend([moment, moment, before[1]])
        if wanted.query.strip():
            matches, match_values = await self._search(conn, wanted.query)
            where.append(matches)
            values.extend(match_values)
        rows = await _rows(
            conn,
            "SELECT c.id, c.status, c.last_message_at, ch.platform, ch.name AS channel_name,"
            " cu.display_name AS customer_name, i.display_name AS identity_name, i.username,"
            " u.display_name AS assignee_name, u.email AS assignee_email, t.name AS team_name,"
            " m.direction, m.author, m.kind, m.text, m.created_at AS last_created_at,"
            " (SELECT COUNT(*) FROM message mu WHERE mu.conversation_id = c.id"
            "   AND mu.author = ? AND mu.id > COALESCE((SELECT r.last_read_message_id"
            "   FROM read_mark r WHERE r.user_id = ? AND r.conversation_id = c.id), 0)) AS unread"
            " FROM conversation c"
            " JOIN channel ch ON ch.id = c.channel_id"
            " JOIN customer cu ON cu.id = c.customer_id"
            " JOIN identity i ON i.id = c.identity_id"
            " LEFT JOIN \"user\" u ON u.id = c.assignee_id"
            " LEFT JOIN team t ON t.id = c.team_id"
            " LEFT JOIN message m ON m.id ="
            "   (SELECT MAX(ml.id) FROM message ml WHERE ml.conversation_id = c.id)"
            f" WHERE {' AND '.join(where)}"
            " ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?",
            [Author.CUSTOMER.value, viewer.user_id, *values, limit],
        )
        labels = await self._labels_of(conn, [row["id"] for row in rows])
        return [self._inbox_row(row, labels.get(row["id"], ())) for row in rows]

    @staticmethod
    async def _labels_of(conn: BaseDBAsyncClient,
                         conversation_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        if not conversation_ids:
            return {}
        rows = await _rows(
            conn,
            "SELECT conversation_id, name FROM conversation_label WHERE conversation_id IN"
            f" ({', '.join('?' * len(conversation_ids))}) ORDER BY name",
            list(conversation_ids),
        )
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row["conversation_id"], []).append(row["name"])
        return {cid: tuple(names) for cid, names in found.items()}

    @staticmethod
    def _inbox_row(row: dict[str, Any], labels: tuple[str, ...]) -> InboxRow:
        last_at = _when(row["last_created_at"]) or _when(row["last_message_at"])
        waiting = (row["author"] == Author.CUSTOMER
                   and row["status"] in (ConversationStatus.OPEN, ConversationStatus.PENDING))
        return InboxRow(
            conversation_id=row["id"],
            platform=row["platform"],
            channel_name=row["channel_name"] or row["platform"],
            customer_name=_customer_name(row),
            preview=strip_invisible(describe(row["kind"], row["text"])) if row["kind"] else "",
            last_author=row["author"] or "",
            last_at=last_at,
            waiting_since=last_at if waiting else None,
            unread=row["unread"],
            status=row["status"],
            assignee_name=row["assignee_name"] or row["assignee_email"] or "",
            team_name=row["team_name"] or "",
            labels=labels,
            sorted_at=_when(row["last_message_at"]),
        )

    async def _search(self, conn: BaseDBAsyncClient, query: str) -> tuple[str, list[Any]]:
        """A condition on `c` for conversations whose messages or customer match `query`,
        both sides normalized (ي/ی, ك/ک, digits, ZWNJ, diacritics...)."""
        needle = normalize(query)
        if not needle:
            return "1 = 1", []
        await self._index_new_messages(conn)
        customers = await self._matching_customers(conn, needle)
        # EXISTS per conversation, walked newest first: a common word stops at one page.
        condition = ("EXISTS (SELECT 1 FROM search_entry s WHERE s.conversation_id = c.id"
                     " AND s.body LIKE ? ESCAPE '\\')")
        values: list[Any] = [_like_pattern(needle)]
        if customers:
            condition += f" OR c.customer_id IN ({', '.join('?' * len(customers))})"
            values.extend(customers)
        return f"({condition})", values

    async def _index_new_messages(self, conn: BaseDBAsyncClient) -> None:
        """Brings search_entry up to the newest message. Edits made after a message was
        indexed are not seen: the index keeps the text as first stored."""
        while True:
            high = await _rows(conn, "SELECT COALESCE(MAX(id), 0) AS high FROM search_entry")
            rows = await _rows(
                conn,
                "SELECT id, conversation_id, text FROM message WHERE id > ? ORDER BY id LIMIT ?",
                [high[0]["high"], SEARCH_INDEX_BATCH],
            )
            if not rows:
                return
            await conn.execute_many(
                dialect_sql(conn, "INSERT INTO search_entry (id, conversation_id, body)"
                                  " VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING"),
                [[r["id"], r["conversation_id"], normalize(r["text"] or "")] for r in rows],
            )
            if len(rows) < SEARCH_INDEX_BATCH:
                return

    @staticmethod
    async def _matching_customers(conn: BaseDBAsyncClient, needle: str) -> list[int]:
        rows = await _rows(
            conn,
            "SELECT i.customer_id, i.display_name, i.username, cu.display_name AS customer_name,"
            " cu.phone FROM identity i JOIN customer cu ON cu.id = i.customer_id",
        )
        found: dict[int, None] = {}
        for row in rows:
            names = " ".join(filter(None, (row["display_name"], row["username"],
                                           row["customer_name"], row["phone"])))
            if needle in _normalized_names(names):
                found[row["customer_id"]] = None
                if len(found) >= MAX_MATCHED_CUSTOMERS:
                    break
        return list(found)

    # --- one conversation -----------------------------------------------------------------

    async def _visible(self, conn: BaseDBAsyncClient, viewer: Viewer,
                       conversation_id: int) -> dict[str, Any]:
        scope, values = self._scope(viewer)
        rows = await _rows(
            conn,
            "SELECT c.id, c.status, c.channel_id, c.customer_id, c.identity_id, c.chat_id,"
            " c.route, c.assignee_id, c.team_id, c.snoozed_until, c.reopen_count, c.created_at,"
            " c.first_response_at, ch.platform, ch.name AS channel_name,"
            " cu.display_name AS customer_name, cu.phone, i.display_name AS identity_name,"
            " i.username, i.unreachable"
            " FROM conversation c JOIN channel ch ON ch.id = c.channel_id"
            " JOIN customer cu ON cu.id = c.customer_id JOIN identity i ON i.id = c.identity_id"
            f" WHERE c.id = ? AND {scope}",
            [conversation_id, *values],
        )
        if not rows:
            raise ConversationNotFound(gettext_noop("There is no such conversation."))
        return rows[0]

    async def conversation(self, viewer: Viewer, conversation_id: int) -> ConversationDetail:
        """The conversation with the customer's whole visible history; marks it read."""
        conn = connection()
        row = await self._visible(conn, viewer, conversation_id)
        scope, values = self._scope(viewer)
        conversation_ids = tuple(r["id"] for r in await _rows(
            conn,
            f"SELECT c.id FROM conversation c WHERE c.customer_id = ? AND {scope} ORDER BY c.id",
            [row["customer_id"], *values],
        ))
        timeline, hidden = await self._timeline(conn, conversation_ids)
        await self._mark_read(conn, viewer, conversation_id)
        return ConversationDetail(
            id=row["id"],
            platform=row["platform"],
            channel_name=row["channel_name"] or row["platform"],
            status=row["status"],
            customer_id=row["customer_id"],
            customer_name=_customer_name(row),
            customer_phone=row["phone"] or "",
            identity_name=strip_invisible(row["identity_name"] or ""),
            identity_username=strip_invisible(row["username"] or ""),
            unreachable=bool(row["unreachable"]),
            assignee_id=row["assignee_id"],
            team_id=row["team_id"],
            snoozed_until=_when(row["snoozed_until"]),
            reopen_count=row["reopen_count"],
            created_at=_when(row["created_at"]),
            conversation_ids=conversation_ids,
            timeline=timeline,
            older_entries_hidden=hidden,
            labels=(await self._labels_of(conn, [conversation_id])).get(conversation_id, ()),
            reply_window=await self._window(conn, row),
        )

    @staticmethod
    async def _within(conn: BaseDBAsyncClient, row: dict[str, Any], window: timedelta) -> bool:
        """Whether the customer wrote on this identity within `window` (the outbox's rule)."""
        wrote_at = (await last_customer_messages(conn, {row["identity_id"]})).get(
            row["identity_id"])
        return wrote_at is not None and utcnow() - wrote_at <= window

    @staticmethod
    def _outbound(row: dict[str, Any], **fields: Any) -> OutboundMessage:
        return OutboundMessage(platform=Platform(row["platform"]), channel_id=row["channel_id"],
                               chat_id=row["chat_id"], route=from_json(row["route"]) or {},
                               author=OutboundAuthor.AGENT, **fields)

    async def _window(self, conn: BaseDBAsyncClient, row: dict[str, Any]) -> ReplyWindow:
        """Whether a free reply from an agent would still be taken, from the customer's
        own last message on this identity (an agent's or the bot's words do not count)."""
        window = self._reply_window(self._outbound(row, text="-"))
        if window is None:
            return ReplyWindow()
        if await self._within(conn, row, window):
            return ReplyWindow(hours=int(window.total_seconds() // 3600))
        return ReplyWindow(closed=True, hours=int(window.total_seconds() // 3600),
                           templates_allowed=self._takes_templates(row))

    async def _timeline(
        self, conn: BaseDBAsyncClient, conversation_ids: tuple[int, ...]
    ) -> tuple[tuple[TimelineEntry, ...], bool]:
        marks = ", ".join("?" * len(conversation_ids))
        messages = await _rows(
            conn,
            "SELECT m.id, m.conversation_id, m.direction, m.author, m.kind, m.text, m.media,"
            " m.meta, m.created_at, m.delivery, m.delivery_error, ch.platform"
            " FROM message m JOIN channel ch ON ch.id = m.channel_id"
            f" WHERE m.conversation_id IN ({marks})"
            " ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
            [*conversation_ids, TIMELINE_LIMIT + 1],
        )
        hidden = len(messages) > TIMELINE_LIMIT
        messages = messages[:TIMELINE_LIMIT]
        oldest = _when(messages[-1]["created_at"]) if hidden else None
        notes = await _note_rows(conn, f"n.conversation_id IN ({marks})",
                                 list(conversation_ids))
        names = await self._user_names(conn, messages)
        entries = [self._message_entry(m, names) for m in messages]
        platforms = {e.conversation_id: e.platform for e in entries}
        entries.extend(
            TimelineEntry(
                id=n["id"], is_note=True, conversation_id=n["conversation_id"],
                platform=platforms.get(n["conversation_id"], ""), direction="",
                author="note", author_name=n["display_name"] or n["email"], kind="text",
                text=n["text"], has_media=False, media_mime="", media_failed=False, event="",
                created_at=_when(n["created_at"]),
                delivery="", delivery_error="",
            )
            for n in notes
            if oldest is None or _when(n["created_at"]) >= oldest
        )
        entries.sort(key=lambda e: (e.created_at, e.is_note, e.id))
        return tuple(entries), hidden

    @staticmethod
    async def _user_names(conn: BaseDBAsyncClient, messages: list[dict]) -> dict[int, str]:
        """Names of the agents who wrote these messages (meta "by")."""
        ids = sorted({by for m in messages if isinstance(by := _meta(m).get("by"), int)})
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = await _rows(
            conn, f"SELECT id, display_name, email FROM \"user\" WHERE id IN ({marks})", ids
        )
        return {r["id"]: r["display_name"] or r["email"] for r in rows}

    @staticmethod
    def _message_entry(row: dict[str, Any], names: dict[int, str]) -> TimelineEntry:
        meta = _meta(row)
        media = from_json(row["media"]) if row["media"] is not None else {}
        media = media if isinstance(media, dict) else {}
        by = meta.get("by")
        return TimelineEntry(
            id=row["id"],
            is_note=False,
            conversation_id=row["conversation_id"],
            platform=row["platform"],
            direction=row["direction"],
            author=row["author"],
            author_name=names.get(by, "") if isinstance(by, int) else "",
            kind=row["kind"],
            text=strip_invisible(describe(row["kind"], row["text"])),
            has_media=row["media"] is not None,
            media_mime=str(media.get("mime") or "") if media.get("stored") else "",
            media_failed="fetch_error" in media,
            event=str(meta.get("event", "")),
            created_at=_when(row["created_at"]),
            delivery=row["delivery"] or "",
            delivery_error=row["delivery_error"] or "",
        )

    async def stored_file(self, viewer: Viewer, message_id: int) -> StoredFile:
        """The stored file of a message the viewer may see; ConversationNotFound otherwise
        (no such message, not theirs, or no file stored for it)."""
        conn = connection()
        rows = await _rows(conn, "SELECT conversation_id, media FROM message WHERE id = ?",
                           [message_id])
        media = from_json(rows[0]["media"]) if rows and rows[0]["media"] is not None else None
        if not isinstance(media, dict) or not isinstance(media.get("stored"), str):
            raise ConversationNotFound(gettext_noop("There is no such file."))
        await self._visible(conn, viewer, rows[0]["conversation_id"])
        return StoredFile(message_id=message_id, digest=media["stored"],
                          mime=str(media.get("mime") or ""))

    # --- one customer ---------------------------------------------------------------------

    async def set_attribute(self, viewer: Viewer, customer_id: int, name: str, value: str
                            ) -> None:
        """Sets (or, with an empty value, removes) one custom attribute of the customer."""
        name = " ".join(strip_invisible(name).split())[:ATTRIBUTE_NAME_CHARS]
        value = " ".join(strip_invisible(value).split())[:ATTRIBUTE_VALUE_CHARS]
        if not name:
            raise DeskError(gettext_noop("Give the attribute a name."))
        async with in_transaction("default") as conn:
            row = await self._visible_customer(conn, viewer, customer_id)
            attributes = dict(from_json(row["attributes"]) or {})
            if value:
                if name not in attributes and len(attributes) >= MAX_ATTRIBUTES:
                    raise DeskError(gettext_noop("A customer can have at most 30 attributes."))
                attributes[name] = value
            else:
                attributes.pop(name, None)
            await conn.execute_query(
                dialect_sql(conn, "UPDATE customer SET attributes = ? WHERE id = ?"),
                [db_json(attributes), customer_id])

    async def _visible_customer(self, conn: BaseDBAsyncClient, viewer: Viewer,
                                customer_id: int) -> dict[str, Any]:
        """The customer, when the viewer may see at least one of their conversations."""
        scope, values = self._scope(viewer)
        rows = await _rows(
            conn,
            "SELECT cu.id, cu.display_name AS customer_name, cu.phone, cu.language,"
            " cu.created_at, cu.attributes FROM customer cu WHERE cu.id = ? AND EXISTS"
            f" (SELECT 1 FROM conversation c WHERE c.customer_id = cu.id AND {scope})",
            [customer_id, *values],
        )
        if not rows:
            raise ConversationNotFound(gettext_noop("There is no such customer."))
        return rows[0]

    async def customer(self, viewer: Viewer, customer_id: int) -> CustomerDetail:
        """Who the customer is on every channel, their conversations, CSAT answers and
        tickets (within the viewer's scope), and customers who may be the same person."""
        conn = connection()
        row = await self._visible_customer(conn, viewer, customer_id)
        scope, values = self._scope(viewer)
        identities = await _rows(
            conn,
            "SELECT ch.platform, ch.name AS channel_name, i.external_id, i.username,"
            " i.display_name, i.unreachable FROM identity i JOIN channel ch"
            " ON ch.id = i.channel_id WHERE i.customer_id = ? ORDER BY i.id",
            [customer_id],
        )
        conversations = await _rows(
            conn,
            "SELECT c.id, c.status, c.created_at, c.last_message_at, ch.platform FROM"
            " conversation c JOIN channel ch ON ch.id = c.channel_id WHERE c.customer_id = ?"
            f" AND {scope} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?",
            [customer_id, *values, INBOX_PAGE],
        )
        surveys = await _rows(
            conn,
            "SELECT s.conversation_id, s.score, s.comment, s.answered_at FROM survey_answer s"
            " JOIN conversation c ON c.id = s.conversation_id WHERE c.customer_id = ?"
            f" AND {scope} ORDER BY s.answered_at DESC",
            [customer_id, *values],
        )
        tickets = await _rows(
            conn,
            "SELECT t.number, t.conversation_id, t.status, t.description, t.created_at,"
            " t.updated_at FROM ticket t JOIN conversation c ON c.id = t.conversation_id"
            f" WHERE t.customer_id = ? AND {scope} ORDER BY t.number DESC",
            [customer_id, *values],
        )
        return CustomerDetail(
            id=row["id"],
            name=_customer_name(row) or next(
                (strip_invisible(i["display_name"] or i["username"] or "") for i in identities
                 if i["display_name"] or i["username"]), ""),
            phone=row["phone"] or "",
            language=row["language"] or "",
            created_at=_when(row["created_at"]),
            identities=tuple(CustomerIdentity(
                platform=i["platform"], channel_name=i["channel_name"] or i["platform"],
                external_id=i["external_id"], username=strip_invisible(i["username"] or ""),
                display_name=strip_invisible(i["display_name"] or ""),
                unreachable=bool(i["unreachable"])) for i in identities),
            conversations=tuple(PastConversation(
                id=c["id"], platform=c["platform"], status=c["status"],
                created_at=_when(c["created_at"]), last_message_at=_when(c["last_message_at"]))
                for c in conversations),
            surveys=tuple(SurveyScore(
                conversation_id=v["conversation_id"], score=v["score"],
                comment=strip_invisible(v["comment"] or ""), answered_at=_when(v["answered_at"]))
                for v in surveys),
            tickets=tuple(TicketRow(
                number=t["number"], conversation_id=t["conversation_id"], status=t["status"],
                description=strip_invisible(t["description"]), created_at=_when(t["created_at"]),
                updated_at=_when(t["updated_at"])) for t in tickets),
            same_person=tuple(await self._same_person(conn, viewer, row)),
            attributes=tuple(sorted((from_json(row["attributes"]) or {}).items())),
        )

    async def _same_person(self, conn: BaseDBAsyncClient, viewer: Viewer,
                           row: dict[str, Any]) -> list[SamePerson]:
        """Other customers with this phone number (core/customers.py stores numbers in one
        form), of those the viewer may see."""
        if not row["phone"]:
            return []
        scope, values = self._scope(viewer)
        others = await _rows(
            conn,
            "SELECT cu.id, cu.display_name AS customer_name, cu.phone FROM customer cu"
            " WHERE cu.phone = ? AND cu.id <> ? AND EXISTS (SELECT 1 FROM conversation c"
            f" WHERE c.customer_id = cu.id AND {scope}) ORDER BY cu.id LIMIT ?",
            [row["phone"], row["id"], *values, INBOX_PAGE],
        )
        return [SamePerson(customer_id=o["id"], name=_customer_name(o), phone=o["phone"])
                for o in others]

    async def merge(self, viewer: Viewer, keep_id: int, merge_id: int) -> None:
        """One person, two customer records: everything of `merge_id` moves to `keep_id`."""
        conn = connection()
        await self._visible_customer(conn, viewer, keep_id)
        await self._visible_customer(conn, viewer, merge_id)
        try:
            await merge_customers(keep_id, merge_id)
        except CannotMerge:
            raise DeskError(gettext_noop("These two customers cannot be merged.")) from None
        moved = await _rows(conn, "SELECT id FROM conversation WHERE customer_id = ?", [keep_id])
        for conversation in moved:
            await self._updated(conversation["id"], None)

    async def change_ticket(self, viewer: Viewer, number: int, status: str) -> None:
        """A new status for a ticket; the flows tell the customer."""
        if status not in TICKET_STATUSES:
            raise DeskError(gettext_noop("There is no such ticket status."))
        conn = connection()
        rows = await _rows(conn, "SELECT conversation_id FROM ticket WHERE number = ?", [number])
        if not rows:
            raise ConversationNotFound(gettext_noop("There is no such ticket."))
        row = await self._visible(conn, viewer, rows[0]["conversation_id"])
        message_id = await change_ticket_status(number, status)
        if message_id is not None:
            self._submit_system_message(viewer, row, message_id, utcnow())
            await self._updated(row["id"], None)

    async def _mark_read(self, conn: BaseDBAsyncClient, viewer: Viewer,
                         conversation_id: int) -> None:
        await conn.execute_query(
            dialect_sql(
                conn,
                "INSERT INTO read_mark (user_id, conversation_id, last_read_message_id)"
                " SELECT ?, ?, COALESCE(MAX(id), 0) FROM message WHERE conversation_id = ?"
                " ON CONFLICT (user_id, conversation_id) DO UPDATE SET last_read_message_id ="
                " CASE WHEN excluded.last_read_message_id > read_mark.last_read_message_id"
                " THEN excluded.last_read_message_id ELSE read_mark.last_read_message_id END",
            ),
            [viewer.user_id, conversation_id, conversation_id],
        )

    # --- what an agent does ---------------------------------------------------------------

    async def reply(self, viewer: Viewer, conversation_id: int, text: str) -> int:
        """Stores the agent's reply and its outbox row, exactly as the engine does for the
        bot's replies; returns the message id. The outbox worker sends it."""
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write a reply first."))
        if len(text) > MAX_REPLY_CHARS:
            raise DeskError(gettext_noop("The reply is too long for one message."))
        return await self._send(viewer, conversation_id, text, {},
                                lambda row: self._outbound(row, text=text))

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
            return self._outbound(row, kind=OutboundKind.TEMPLATE, template=template)

        return await self._send(viewer, conversation_id, shown, {"template": chosen.name}, make)

    def _takes_templates(self, row: dict[str, Any]) -> bool:
        """A template is what reaches a customer past the window a free reply must keep
        (WhatsApp's); a channel with no such window has no templates."""
        template = self._outbound(row, kind=OutboundKind.TEMPLATE,
                                  template=Template(name="-", language="-"))
        return (self._reply_window(self._outbound(row, text="-")) is not None
                and self._reply_window(template) is None)

    async def _send(self, viewer: Viewer, conversation_id: int, text: str,
                    meta: dict[str, Any],
                    make: Callable[[dict[str, Any]], OutboundMessage]) -> int:
        async with in_transaction("default") as conn:
            row = await self._visible(conn, viewer, conversation_id)
            if row["unreachable"]:
                raise DeskError(gettext_noop("The customer has blocked the bot: the reply "
                                             "cannot be delivered."))
            outbound = make(row)
            window = self._reply_window(outbound)
            if window is not None and not await self._within(conn, row, window):
                raise DeskError(gettext_noop(
                    "The customer last wrote too long ago for this channel to take a free "
                    "reply."))
            now = db_time(conn, utcnow())
            inserted = await _rows(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
                " meta, revisions, processed, delivery, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [conversation_id, row["channel_id"], Direction.OUTBOUND.value,
                 Author.AGENT.value, "text", text, db_json({**meta, "by": viewer.user_id}),
                 db_json([]), True, "queued", now],
            )
            message_id = inserted[0]["id"]
            await conn.execute_query(
                dialect_sql(
                    conn,
                    "INSERT INTO outbox (channel_id, message_id, identity_id, chat_id, payload,"
                    " state, attempts, next_attempt_at, possibly_duplicated, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                ),
                [row["channel_id"], message_id, row["identity_id"], row["chat_id"],
                 db_json(outbound.to_payload()),
                 OutboxState.PENDING.value, now, False, now],
            )
            await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET last_message_at = ?,"
                                  " first_response_at = COALESCE(first_response_at, ?)"
                                  " WHERE id = ?"),
                [now, now, conversation_id],
            )
        self._wake_outbox()
        await self._bus.publish("message.new", {
            "conversation_id": conversation_id, "message_id": message_id, "direction": "out",
        })
        return message_id

    async def add_note(self, viewer: Viewer, conversation_id: int, text: str) -> int:
        """Stores a private note and returns its id."""
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write the note first."))
        if len(text) > MAX_NOTE_CHARS:
            raise DeskError(gettext_noop("The note is too long."))
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        inserted = await _rows(
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
            await self._visible(conn, viewer, conversation_id)
            count = await _rows(conn, "SELECT COUNT(*) AS n FROM conversation_label"
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
        await self._visible(conn, viewer, conversation_id)
        await conn.execute_query(
            dialect_sql(conn, "DELETE FROM conversation_label WHERE conversation_id = ?"
                              " AND name = ?"),
            [conversation_id, label_name(name)],
        )
        await self._updated(conversation_id, None)

    async def assign(self, viewer: Viewer, conversation_id: int, *,
                     assignee_id: int | None, team_id: int | None) -> None:
        if assignee_id is not None and not await User.exists(id=assignee_id, active=True):
            raise DeskError(gettext_noop("There is no such agent."))
        if team_id is not None and not await Team.exists(id=team_id):
            raise DeskError(gettext_noop("There is no such team."))
        conn = connection()
        row = await self._visible(conn, viewer, conversation_id)
        await conn.execute_query(
            dialect_sql(conn, "UPDATE conversation SET assignee_id = ?, team_id = ? WHERE id = ?"),
            [assignee_id, team_id, conversation_id],
        )
        await self._updated(conversation_id, row["status"])

    async def resolve(self, viewer: Viewer, conversation_id: int) -> None:
        """Resolved, and a system message tells the flows (they send the survey)."""
        async with in_transaction("default") as conn:
            row = await self._visible(conn, viewer, conversation_id)
            moment = utcnow()
            now = db_time(conn, moment)
            changed, _ = await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET status = ?, resolved_at = ?,"
                                  " snoozed_until = NULL WHERE id = ? AND status <> ?"),
                [ConversationStatus.RESOLVED.value, now, conversation_id,
                 ConversationStatus.RESOLVED.value],
            )
            if not changed:
                return
            inserted = await _rows(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
                " external_id, meta, revisions, processed, created_at)"
                " VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?) RETURNING id",
                [conversation_id, row["channel_id"], Direction.INBOUND.value,
                 Author.SYSTEM.value, MessageKind.SERVICE.value,
                 db_json({"event": "resolved", "by": viewer.user_id}), db_json([]), False, now],
            )
        message_id = inserted[0]["id"]
        self._submit_system_message(viewer, row, message_id, moment)
        await self._updated(conversation_id, ConversationStatus.RESOLVED.value)

    def _submit_system_message(self, viewer: Viewer, row: dict[str, Any], message_id: int,
                               moment: datetime) -> None:
        """Hands a stored system message to the flows; the engine reads the stored row by
        its id, the event only describes it."""
        event = InboundEvent(
            platform=Platform(row["platform"]),
            channel_id=row["channel_id"],
            kind=EventKind.MESSAGE,
            external_id=f"system:{message_id}",
            sender=Sender(external_id=f"user:{viewer.user_id}", display_name=viewer.name),
            chat_id=row["chat_id"],
            message_kind=MessageKind.SERVICE,
            occurred_at=moment,
        )
        self._submit_to_engine([StoredMessage(message_id, row["id"], event)])

    async def reopen(self, viewer: Viewer, conversation_id: int) -> None:
        """A resolved or snoozed conversation goes back to the agents' queue; only a
        reopen after a resolve counts in reopen_count."""
        conn = connection()
        row = await self._visible(conn, viewer, conversation_id)
        if row["status"] not in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
            return
        counted = 1 if row["status"] == ConversationStatus.RESOLVED else 0
        await conn.execute_query(
            dialect_sql(conn, "UPDATE conversation SET status = ?, resolved_at = NULL,"
                              " snoozed_until = NULL, reopen_count = reopen_count + ?"
                              " WHERE id = ? AND status = ?"),
            [ConversationStatus.PENDING.value, counted, conversation_id, row["status"]],
        )
        await self._updated(conversation_id, ConversationStatus.PENDING.value)

    async def snooze(self, viewer: Viewer, conversation_id: int, until: datetime) -> None:
        if until <= utcnow():
            raise DeskError(gettext_noop("Choose a time in the future."))
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        await conn.execute_query(
            dialect_sql(conn, "UPDATE conversation SET status = ?, snoozed_until = ?"
                              " WHERE id = ?"),
            [ConversationStatus.SNOOZED.value, db_time(conn, until), conversation_id],
        )
        await self._updated(conversation_id, ConversationStatus.SNOOZED.value)

    async def presence(self, viewer: Viewer, conversation_id: int, *, typing: bool) -> None:
        """Tells the other open panels that this viewer has the conversation open (or is
        typing in it). Nothing is stored: each panel forgets a colleague whose notices stop
        for PRESENCE_EXPIRES_SECONDS, so a closed tab needs no goodbye."""
        await self._visible(connection(), viewer, conversation_id)
        await self._bus.publish(PRESENCE_TOPIC, {
            "conversation_id": conversation_id, "user_id": viewer.user_id, "typing": typing,
        })

    async def wake_snoozed(self) -> list[int]:
        """Snoozed conversations whose time has come go back to the agents' queue
        (pending), at most SNOOZE_WAKE_BATCH at a time; returns their ids. Several
        processes may run it at once: the status condition lets each row wake once."""
        conn = connection()
        snoozed = ConversationStatus.SNOOZED.value
        woken = await _rows(
            conn,
            "UPDATE conversation SET status = ?, snoozed_until = NULL WHERE id IN"
            " (SELECT id FROM conversation WHERE status = ? AND snoozed_until <= ?"
            " ORDER BY snoozed_until LIMIT ?) AND status = ? RETURNING id",
            [ConversationStatus.PENDING.value, snoozed, db_time(conn, utcnow()),
             SNOOZE_WAKE_BATCH, snoozed],
        )
        ids = sorted(row["id"] for row in woken)
        for conversation_id in ids:
            await self._updated(conversation_id, ConversationStatus.PENDING.value)
        return ids

    async def wake_snoozed_until(self, stop: asyncio.Event,
                                 every: float = SNOOZE_CHECK_SECONDS) -> None:
        """The panel's background loop: wakes snoozed conversations until `stop` is set."""
        while not stop.is_set():
            try:
                while len(await self.wake_snoozed()) == SNOOZE_WAKE_BATCH:
                    pass  # a backlog (after a pause) drains in batches
            except Exception:  # a database hiccup must not end the loop: try next time
                log.exception("panel: waking snoozed conversations failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def _updated(self, conversation_id: int, status: str | None) -> None:
        notice: dict[str, Any] = {"conversation_id": conversation_id}
        if status is not None:
            notice["status"] = status
        await self._bus.publish("conversation.updated", notice)

    # --- for the JSON API (admin_panel/api/) ----------------------------------------------

    async def messages(self, viewer: Viewer, conversation_id: int, *, after_id: int = 0,
                       limit: int = INBOX_PAGE) -> list[TimelineEntry]:
        """The conversation's messages, oldest first, from the one after `after_id`."""
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        return await self._entries(conn, "m.conversation_id = ? AND m.id > ?",
                                   [conversation_id, after_id], limit)

    async def message(self, viewer: Viewer, conversation_id: int,
                      message_id: int) -> TimelineEntry | None:
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        found = await self._entries(conn, "m.conversation_id = ? AND m.id = ?",
                                    [conversation_id, message_id], 1)
        return found[0] if found else None

    async def _entries(self, conn: BaseDBAsyncClient, condition: str, values: list[Any],
                       limit: int) -> list[TimelineEntry]:
        rows = await _rows(
            conn,
            "SELECT m.id, m.conversation_id, m.direction, m.author, m.kind, m.text, m.media,"
            " m.meta, m.created_at, m.delivery, m.delivery_error, ch.platform"
            " FROM message m JOIN channel ch ON ch.id = m.channel_id"
            f" WHERE {condition} ORDER BY m.id LIMIT ?",
            [*values, limit],
        )
        names = await self._user_names(conn, rows)
        return [self._message_entry(row, names) for row in rows]

    async def notes(self, viewer: Viewer, conversation_id: int, *, after_id: int = 0,
                    limit: int = INBOX_PAGE) -> list[NoteRecord]:
        """The conversation's private notes, oldest first, from the one after `after_id`."""
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        rows = await _note_rows(conn, "n.conversation_id = ? AND n.id > ?",
                                [conversation_id, after_id], limit=limit)
        return [_note_record(row) for row in rows]

    async def note(self, viewer: Viewer, conversation_id: int,
                   note_id: int) -> NoteRecord | None:
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        rows = await _note_rows(conn, "n.conversation_id = ? AND n.id = ?",
                                [conversation_id, note_id], limit=1)
        return _note_record(rows[0]) if rows else None

    async def customer_record(self, viewer: Viewer, customer_id: int) -> CustomerRecord:
        """A customer the viewer can see one conversation of, with identities."""
        found = await self._customer_records(viewer, "cu.id = ?", [customer_id], 1)
        if not found:
            raise CustomerNotFound(gettext_noop("There is no such customer."))
        return found[0]

    async def customers(self, viewer: Viewer, query: str, *, after_id: int = 0,
                        limit: int = INBOX_PAGE) -> list[CustomerRecord]:
        """Customers by id, from the one after `after_id`; `query` matches names, user
        names and phone numbers, normalized like the inbox's search."""
        needle = normalize(query)
        if not needle:
            return await self._customer_records(viewer, "cu.id > ?", [after_id], limit)
        matched = await self._matching_customers(connection(), needle)
        if not matched:
            return []
        marks = ", ".join("?" * len(matched))
        return await self._customer_records(viewer, f"cu.id > ? AND cu.id IN ({marks})",
                                            [after_id, *matched], limit)

    async def _customer_records(self, viewer: Viewer, condition: str, values: list[Any],
                                limit: int) -> list[CustomerRecord]:
        conn = connection()
        scope, scope_values = self._scope(viewer)
        customers = await _rows(
            conn,
            "SELECT cu.id, cu.display_name AS customer_name, cu.phone, cu.created_at"
            f" FROM customer cu WHERE {condition} AND EXISTS (SELECT 1 FROM conversation c"
            f" WHERE c.customer_id = cu.id AND {scope}) ORDER BY cu.id LIMIT ?",
            [*values, *scope_values, limit],
        )
        if not customers:
            return []
        ids = [row["id"] for row in customers]
        marks = ", ".join("?" * len(ids))
        identities = await _rows(
            conn,
            "SELECT i.id, i.customer_id, i.channel_id, ch.platform, i.display_name, i.username,"
            " i.unreachable FROM identity i JOIN channel ch ON ch.id = i.channel_id"
            f" WHERE i.customer_id IN ({marks}) ORDER BY i.id",
            ids,
        )
        conversations = await _rows(
            conn,
            f"SELECT c.id, c.customer_id FROM conversation c WHERE c.customer_id IN ({marks})"
            f" AND {scope} ORDER BY c.id",
            [*ids, *scope_values],
        )
        return [
            CustomerRecord(
                id=row["id"],
                name=_customer_name({
                    "customer_name": row["customer_name"],
                    "identity_name": next((i["display_name"] for i in identities
                                           if i["customer_id"] == row["id"]
                                           and i["display_name"]), ""),
                }),
                phone=row["phone"] or "",
                created_at=_when(row["created_at"]),
                identities=tuple(
                    IdentityRecord(
                        id=i["id"], channel_id=i["channel_id"], platform=i["platform"],
                        display_name=strip_invisible(i["display_name"] or ""),
                        username=strip_invisible(i["username"] or ""),
                        unreachable=bool(i["unreachable"]),
                    )
                    for i in identities if i["customer_id"] == row["id"]
                ),
                conversation_ids=tuple(c["id"] for c in conversations
                                       if c["customer_id"] == row["id"]),
            )
            for row in customers
        ]


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteRecord:
    id: int
    conversation_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime


async def _note_rows(conn: BaseDBAsyncClient, condition: str, values: list[Any], *,
                     limit: int | None = None) -> list[dict[str, Any]]:
    """Notes with their author's name, oldest first."""
    sql = ("SELECT n.id, n.conversation_id, n.author_id, n.text, n.created_at, u.display_name,"
           " u.email FROM note n JOIN \"user\" u ON u.id = n.author_id"
           f" WHERE {condition} ORDER BY n.id")
    if limit is None:
        return await _rows(conn, sql, values)
    return await _rows(conn, sql + " LIMIT ?", [*values, limit])


def _note_record(row: dict[str, Any]) -> NoteRecord:
    return NoteRecord(id=row["id"], conversation_id=row["conversation_id"],
                      author_id=row["author_id"], author_name=row["display_name"] or row["email"],
                      text=row["text"], created_at=_when(row["created_at"]))


class CustomerNotFound(DeskError):
    """No such customer, or none of their conversations is visible to the viewer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityRecord:
    id: int
    channel_id: int
    platform: str
    display_name: str
    username: str
    unreachable: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRecord:
    id: int
    name: str
    phone: str
    created_at: datetime
    identities: tuple[IdentityRecord, ...]
    conversation_ids: tuple[int, ...]  # those the viewer may see, oldest first
