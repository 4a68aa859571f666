"""One conversation as an agent sees it: the customer's whole visible history (messages and
private notes, oldest first), whether a free reply would still be taken, the files received,
and how far the agent has read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.actions import FaqMatchFact
from core.db import connection, dialect_sql, query_rows
from core.delivery import FileRules
from core.desk._base import DeskBase, ReplyWindow
from core.desk._scope import (
    ConversationNotFound,
    Viewer,
    customer_name,
    labels_of,
    scope,
    visible,
    whose_turn,
)
from core.display import describe
from core.i18n import gettext_noop
from core.message_meta import decode_meta
from core.opt_outs import opted_out_channels
from core.sqlvalues import from_db_time, from_json
from core.text import strip_invisible

TIMELINE_LIMIT = 300
# What `message_entry` reads of a message, followed by a WHERE on `m`.
MESSAGE_COLUMNS = (
    "SELECT m.id, m.conversation_id, m.direction, m.author, m.kind, m.text, m.media,"
    " m.meta, m.created_at, m.delivery, m.delivery_error, ch.platform"
    " FROM message m JOIN channel ch ON ch.id = m.channel_id"
)


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
    faq_match: FaqMatchFact | None = None  # why the bot gave this FAQ answer, when it did


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
    opted_out_on: tuple[str, ...] = ()  # channels the customer takes no proactive news on
    waiting_since: datetime | None = None  # while the customer waits for us
    files: FileRules | None = None  # the files an agent may send on this channel, if any

    @property
    def turn(self) -> str:
        return whose_turn(self.status, self.waiting_since)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    """A received file in the media store (core/media.py), as the platform typed it."""

    message_id: int
    digest: str
    mime: str


class Timeline(DeskBase):
    async def notice_visible(self, viewer: Viewer, notice: dict[str, Any]) -> bool:
        """Whether a live notice (core/bus) concerns a conversation the viewer may open:
        a stream must not tell an agent of ids, status changes or typing in conversations
        of other teams, which the pages would answer with a 404. A notice naming neither a
        conversation nor a message is for owners only."""
        if viewer.is_owner:
            return True
        condition, values = scope(viewer)
        conversation_id, message_id = notice.get("conversation_id"), notice.get("message_id")
        if _is_id(conversation_id):
            sql = f"SELECT 1 FROM conversation c WHERE c.id = ? AND {condition}"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            wanted = conversation_id
        elif _is_id(message_id):
            sql = ("SELECT 1 FROM message m JOIN conversation c ON c.id = m.conversation_id"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
                   f" WHERE m.id = ? AND {condition}")
            wanted = message_id
        else:
            return False
        return bool(await query_rows(connection(), sql, [wanted, *values]))

    async def conversation(self, viewer: Viewer, conversation_id: int) -> ConversationDetail:
        """The conversation with the customer's whole visible history; marks it read."""
        conn = connection()
        row = await visible(conn, viewer, conversation_id)
        condition, values = scope(viewer)
        conversation_ids = tuple(r["id"] for r in await query_rows(
            conn,
            f"SELECT c.id FROM conversation c WHERE c.customer_id = ? AND {condition}"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " ORDER BY c.id",
            [row["customer_id"], *values],
        ))
        timeline, hidden = await _timeline(conn, conversation_ids)
        await _mark_read(conn, viewer, conversation_id)
        return ConversationDetail(
            id=row["id"],
            platform=row["platform"],
            channel_name=row["channel_name"] or row["platform"],
            status=row["status"],
            customer_id=row["customer_id"],
            customer_name=customer_name(row),
            customer_phone=row["phone"] or "",
            identity_name=strip_invisible(row["identity_name"] or ""),
            identity_username=strip_invisible(row["username"] or ""),
            unreachable=bool(row["unreachable"]),
            assignee_id=row["assignee_id"],
            team_id=row["team_id"],
            snoozed_until=from_db_time(row["snoozed_until"]),
            reopen_count=row["reopen_count"],
            created_at=from_db_time(row["created_at"]),
            conversation_ids=conversation_ids,
            timeline=timeline,
            older_entries_hidden=hidden,
            labels=(await labels_of(conn, [conversation_id])).get(conversation_id, ()),
            reply_window=await self._window(conn, row),
            opted_out_on=tuple(name for _, name in
                               await opted_out_channels(conn, row["customer_id"])),
            waiting_since=from_db_time(row["waiting_since"]),
            files=self._file_rules(row["channel_id"]),
        )

    async def stored_file(self, viewer: Viewer, message_id: int) -> StoredFile:
        """The stored file of a message the viewer may see; ConversationNotFound otherwise
        (no such message, not theirs, or no file stored for it)."""
        conn = connection()
        rows = await query_rows(conn, "SELECT conversation_id, media FROM message WHERE id = ?",
                                [message_id])
        media = from_json(rows[0]["media"]) if rows and rows[0]["media"] is not None else None
        if not isinstance(media, dict) or not isinstance(media.get("stored"), str):
            raise ConversationNotFound(gettext_noop("There is no such file."))
        await visible(conn, viewer, rows[0]["conversation_id"])
        return StoredFile(message_id=message_id, digest=media["stored"],
                          mime=str(media.get("mime") or ""))


async def _timeline(
    conn: BaseDBAsyncClient, conversation_ids: tuple[int, ...]
) -> tuple[tuple[TimelineEntry, ...], bool]:
    marks = ", ".join("?" * len(conversation_ids))
    messages = await query_rows(
        conn,
        f"{MESSAGE_COLUMNS} WHERE m.conversation_id IN ({marks})"
        " ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
        [*conversation_ids, TIMELINE_LIMIT + 1],
    )
    hidden = len(messages) > TIMELINE_LIMIT
    messages = messages[:TIMELINE_LIMIT]
    oldest = from_db_time(messages[-1]["created_at"]) if hidden else None
    notes = await note_rows(conn, f"n.conversation_id IN ({marks})", list(conversation_ids))
    names = await user_names(conn, messages)
    entries = [message_entry(m, names) for m in messages]
    platforms = {e.conversation_id: e.platform for e in entries}
    entries.extend(
        TimelineEntry(
            id=n["id"], is_note=True, conversation_id=n["conversation_id"],
            platform=platforms.get(n["conversation_id"], ""), direction="",
            author="note", author_name=n["display_name"] or n["email"], kind="text",
            text=n["text"], has_media=False, media_mime="", media_failed=False, event="",
            created_at=from_db_time(n["created_at"]),
            delivery="", delivery_error="",
        )
        for n in notes
        if oldest is None or from_db_time(n["created_at"]) >= oldest
    )
    entries.sort(key=lambda e: (e.created_at, e.is_note, e.id))
    return tuple(entries), hidden


async def _mark_read(conn: BaseDBAsyncClient, viewer: Viewer, conversation_id: int) -> None:
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


async def user_names(conn: BaseDBAsyncClient, messages: list[dict]) -> dict[int, str]:
    """Names of the agents who wrote these messages (meta "by")."""
    ids = sorted({by for m in messages if (by := decode_meta(m["meta"]).by) is not None})
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = await query_rows(
        conn, f"SELECT id, display_name, email FROM \"user\" WHERE id IN ({marks})", ids  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    )
    return {r["id"]: r["display_name"] or r["email"] for r in rows}


def message_entry(row: dict[str, Any], names: dict[int, str]) -> TimelineEntry:
    """A message as the timeline shows it; `names` are the agents' (`user_names`)."""
    meta = decode_meta(row["meta"])
    media = from_json(row["media"]) if row["media"] is not None else {}
    media = media if isinstance(media, dict) else {}
    return TimelineEntry(
        id=row["id"],
        is_note=False,
        conversation_id=row["conversation_id"],
        platform=row["platform"],
        direction=row["direction"],
        author=row["author"],
        author_name=names.get(meta.by, "") if meta.by is not None else "",
        kind=row["kind"],
        text=strip_invisible(describe(row["kind"], row["text"])),
        has_media=row["media"] is not None,
        media_mime=str(media.get("mime") or "") if media.get("stored") else "",
        media_failed="fetch_error" in media,
        event=meta.event or "",
        created_at=from_db_time(row["created_at"]),
        delivery=row["delivery"] or "",
        delivery_error=row["delivery_error"] or "",
        faq_match=meta.faq_match,
    )


async def note_rows(conn: BaseDBAsyncClient, condition: str, values: list[Any], *,
                    limit: int | None = None) -> list[dict[str, Any]]:
    """Notes with their author's name, oldest first."""
    sql = ("SELECT n.id, n.conversation_id, n.author_id, n.text, n.created_at, u.display_name,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
           " u.email FROM note n JOIN \"user\" u ON u.id = n.author_id"
           f" WHERE {condition} ORDER BY n.id")
    if limit is None:
        return await query_rows(conn, sql, values)
    return await query_rows(conn, sql + " LIMIT ?", [*values, limit])


def _is_id(value: object) -> bool:
    """A row id as a notice carries it (notices may come from Redis: trust no shape)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63
