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

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import Bus
from core.db import connection, dialect_sql
from core.display import describe
from core.events import EventKind, InboundEvent, MessageKind, OutboundMessage, Platform, Sender
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
    User,
)
from core.sqlvalues import db_json, db_time, from_json, utcnow
from core.text import normalize, strip_invisible
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
STATUSES = tuple(status.value for status in ConversationStatus)


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


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Desk:
    def __init__(
        self,
        bus: Bus,
        wake_outbox: Callable[[], None],
        submit_to_engine: Callable[[Sequence[StoredMessage]], None],
    ) -> None:
        self._bus = bus
        self._wake_outbox = wake_outbox
        self._submit_to_engine = submit_to_engine

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
        return [self._inbox_row(row) for row in rows]

    @staticmethod
    def _inbox_row(row: dict[str, Any]) -> InboxRow:
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
            if needle in normalize(names):
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
        )

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
        notes = await _rows(
            conn,
            "SELECT n.id, n.conversation_id, n.text, n.created_at, u.display_name, u.email"
            " FROM note n JOIN \"user\" u ON u.id = n.author_id"
            f" WHERE n.conversation_id IN ({marks}) ORDER BY n.id",
            list(conversation_ids),
        )
        names = await self._user_names(conn, messages)
        entries = [self._message_entry(m, names) for m in messages]
        platforms = {e.conversation_id: e.platform for e in entries}
        entries.extend(
            TimelineEntry(
                id=n["id"], is_note=True, conversation_id=n["conversation_id"],
                platform=platforms.get(n["conversation_id"], ""), direction="",
                author="note", author_name=n["display_name"] or n["email"], kind="text",
                text=n["text"], has_media=False, event="", created_at=_when(n["created_at"]),
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
            event=str(meta.get("event", "")),
            created_at=_when(row["created_at"]),
            delivery=row["delivery"] or "",
            delivery_error=row["delivery_error"] or "",
        )

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
        async with in_transaction("default") as conn:
            row = await self._visible(conn, viewer, conversation_id)
            if row["unreachable"]:
                raise DeskError(gettext_noop("The customer has blocked the bot: the reply "
                                             "cannot be delivered."))
            now = db_time(conn, utcnow())
            outbound = OutboundMessage(
                platform=Platform(row["platform"]),
                channel_id=row["channel_id"],
                chat_id=row["chat_id"],
                text=text,
                route=from_json(row["route"]) or {},
            )
            inserted = await _rows(
                conn,
                "INSERT INTO message (conversation_id, channel_id, direction, author, kind, text,"
                " meta, revisions, processed, delivery, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [conversation_id, row["channel_id"], Direction.OUTBOUND.value,
                 Author.AGENT.value, "text", text, db_json({"by": viewer.user_id}),
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
                 db_json({**outbound.to_payload(), "author": Author.AGENT.value}),
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

    async def add_note(self, viewer: Viewer, conversation_id: int, text: str) -> None:
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write the note first."))
        if len(text) > MAX_NOTE_CHARS:
            raise DeskError(gettext_noop("The note is too long."))
        conn = connection()
        await self._visible(conn, viewer, conversation_id)
        await conn.execute_query(
            dialect_sql(conn, "INSERT INTO note (conversation_id, author_id, text, created_at)"
                              " VALUES (?, ?, ?, ?)"),
            [conversation_id, viewer.user_id, text, db_time(conn, utcnow())],
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
        # The engine reads the stored row by its id; the event only describes it.
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
        self._submit_to_engine([StoredMessage(message_id, conversation_id, event)])
        await self._updated(conversation_id, ConversationStatus.RESOLVED.value)

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

    async def customer(self, viewer: Viewer, customer_id: int) -> CustomerRecord:
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
                    CustomerIdentity(
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


class CustomerNotFound(DeskError):
    """No such customer, or none of their conversations is visible to the viewer."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerIdentity:
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
    identities: tuple[CustomerIdentity, ...]
    conversation_ids: tuple[int, ...]  # those the viewer may see, oldest first
