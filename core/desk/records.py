"""The JSON API's records (admin_panel/api/): a conversation's messages and notes, and
customers, in pages by id (`after_id`), scoped to the viewer like everything the desk gives;
and the team's people and teams, whose ids `assign` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import connection, query_rows
from core.desk._scope import (
    INBOX_PAGE,
    CustomerNotFound,
    Viewer,
    customer_name,
    scope,
    visible,
)
from core.desk.inbox import matching_customers
from core.desk.timeline import (
    MESSAGE_COLUMNS,
    TimelineEntry,
    message_entry,
    note_rows,
    user_names,
)
from core.i18n import gettext_noop
from core.sqlvalues import from_db_time
from core.text import normalize, strip_invisible


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteRecord:
    id: int
    conversation_id: int
    author_id: int
    author_name: str
    text: str
    created_at: datetime


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
    # Channels on which the customer asked for no proactive messages (core/opt_outs.py).
    opted_out_channel_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRecord:
    id: int
    name: str  # the display name, or the address when there is none: as colleagues see it
    display_name: str
    email: str
    role: str
    active: bool
    team_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamRecord:
    id: int
    name: str
    member_ids: tuple[int, ...]


class Records:
    async def users(self) -> list[UserRecord]:
        """Every agent and owner, deactivated ones too (flagged), by id."""
        conn = connection()
        users = await query_rows(conn, "SELECT id, email, display_name, role, active"
                                       ' FROM "user" ORDER BY id', [])
        teams_of = await _memberships(conn)
        return [UserRecord(id=row["id"], name=row["display_name"] or row["email"],
                           display_name=row["display_name"], email=row["email"],
                           role=row["role"], active=bool(row["active"]),
                           team_ids=tuple(team for team, user in teams_of if user == row["id"]))
                for row in users]

    async def team_records(self) -> list[TeamRecord]:
        """Every team with its members' ids, by id."""
        conn = connection()
        teams = await query_rows(conn, "SELECT id, name FROM team ORDER BY id", [])
        teams_of = await _memberships(conn)
        return [TeamRecord(id=row["id"], name=row["name"],
                           member_ids=tuple(user for team, user in teams_of if team == row["id"]))
                for row in teams]

    async def messages(self, viewer: Viewer, conversation_id: int, *, after_id: int = 0,
                       limit: int = INBOX_PAGE) -> list[TimelineEntry]:
        """The conversation's messages, oldest first, from the one after `after_id`."""
        conn = connection()
        await visible(conn, viewer, conversation_id)
        return await _entries(conn, "m.conversation_id = ? AND m.id > ?",
                              [conversation_id, after_id], limit)

    async def message(self, viewer: Viewer, conversation_id: int,
                      message_id: int) -> TimelineEntry | None:
        conn = connection()
        await visible(conn, viewer, conversation_id)
        found = await _entries(conn, "m.conversation_id = ? AND m.id = ?",
                               [conversation_id, message_id], 1)
        return found[0] if found else None

    async def notes(self, viewer: Viewer, conversation_id: int, *, after_id: int = 0,
                    limit: int = INBOX_PAGE) -> list[NoteRecord]:
        """The conversation's private notes, oldest first, from the one after `after_id`."""
        conn = connection()
        await visible(conn, viewer, conversation_id)
        rows = await note_rows(conn, "n.conversation_id = ? AND n.id > ?",
                               [conversation_id, after_id], limit=limit)
        return [_note_record(row) for row in rows]

    async def note(self, viewer: Viewer, conversation_id: int,
                   note_id: int) -> NoteRecord | None:
        conn = connection()
        await visible(conn, viewer, conversation_id)
        rows = await note_rows(conn, "n.conversation_id = ? AND n.id = ?",
                               [conversation_id, note_id], limit=1)
        return _note_record(rows[0]) if rows else None

    async def customer_record(self, viewer: Viewer, customer_id: int) -> CustomerRecord:
        """A customer the viewer can see one conversation of, with identities."""
        found = await _customer_records(viewer, "cu.id = ?", [customer_id], 1)
        if not found:
            raise CustomerNotFound(gettext_noop("There is no such customer."))
        return found[0]

    async def customers(self, viewer: Viewer, query: str, *, after_id: int = 0,
                        limit: int = INBOX_PAGE) -> list[CustomerRecord]:
        """Customers by id, from the one after `after_id`; `query` matches names, user
        names and phone numbers, normalized like the inbox's search."""
        needle = normalize(query)
        if not needle:
            return await _customer_records(viewer, "cu.id > ?", [after_id], limit)
        matched = await matching_customers(connection(), needle)
        if not matched:
            return []
        marks = ", ".join("?" * len(matched))
        return await _customer_records(viewer, f"cu.id > ? AND cu.id IN ({marks})",
                                       [after_id, *matched], limit)


async def _memberships(conn: BaseDBAsyncClient) -> list[tuple[int, int]]:
    """(team id, user id) of every membership, by team then user."""
    rows = await query_rows(conn, "SELECT team_id, user_id FROM team_member"
                                  " ORDER BY team_id, user_id", [])
    return [(row["team_id"], row["user_id"]) for row in rows]


async def _entries(conn: BaseDBAsyncClient, condition: str, values: list[Any],
                   limit: int) -> list[TimelineEntry]:
    rows = await query_rows(conn, f"{MESSAGE_COLUMNS} WHERE {condition} ORDER BY m.id LIMIT ?",
                            [*values, limit])
    names = await user_names(conn, rows)
    return [message_entry(row, names) for row in rows]


def _note_record(row: dict[str, Any]) -> NoteRecord:
    return NoteRecord(id=row["id"], conversation_id=row["conversation_id"],
                      author_id=row["author_id"], author_name=row["display_name"] or row["email"],
                      text=row["text"], created_at=from_db_time(row["created_at"]))


async def _customer_records(viewer: Viewer, condition: str, values: list[Any],
                            limit: int) -> list[CustomerRecord]:
    conn = connection()
    scoped, scope_values = scope(viewer)
    customers = await query_rows(
        conn,
        "SELECT cu.id, cu.display_name AS customer_name, cu.phone, cu.created_at"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" FROM customer cu WHERE {condition} AND EXISTS (SELECT 1 FROM conversation c"
        f" WHERE c.customer_id = cu.id AND {scoped}) ORDER BY cu.id LIMIT ?",
        [*values, *scope_values, limit],
    )
    if not customers:
        return []
    ids = [row["id"] for row in customers]
    marks = ", ".join("?" * len(ids))
    identities = await query_rows(
        conn,
        "SELECT i.id, i.customer_id, i.channel_id, ch.platform, i.display_name, i.username,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " i.unreachable FROM identity i JOIN channel ch ON ch.id = i.channel_id"
        f" WHERE i.customer_id IN ({marks}) ORDER BY i.id",
        ids,
    )
    conversations = await query_rows(
        conn,
        f"SELECT c.id, c.customer_id FROM conversation c WHERE c.customer_id IN ({marks})"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" AND {scoped} ORDER BY c.id",
        [*ids, *scope_values],
    )
    opt_outs = await query_rows(
        conn, f"SELECT customer_id, channel_id FROM opt_out WHERE customer_id IN ({marks})"  # nosec B608 # only "?" marks are formatted in; values are bound
              " ORDER BY channel_id", ids)
    return [
        CustomerRecord(
            id=row["id"],
            name=customer_name({
                "customer_name": row["customer_name"],
                "identity_name": next((i["display_name"] for i in identities
                                       if i["customer_id"] == row["id"]
                                       and i["display_name"]), ""),
            }),
            phone=row["phone"] or "",
            created_at=from_db_time(row["created_at"]),
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
            opted_out_channel_ids=tuple(o["channel_id"] for o in opt_outs
                                        if o["customer_id"] == row["id"]),
        )
        for row in customers
    ]
