"""The inbox: the conversations a viewer may see, newest activity first or those who wait
longest for us first, filtered and searched, and what its filters offer (teams, agents,
labels, channels, canned replies).

Search reads `search_entry`, which is written with each message (core/search_index.py),
through its full-text index (core/fulltext.py), and matches customers by their names, user
names and phone number; both sides are normalized (core/text.py) the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core import fulltext
from core.db import connection, query_rows
from core.desk._scope import (
    INBOX_PAGE,
    Viewer,
    customer_name,
    label_name,
    labels_of,
    scope,
    whose_turn,
)
from core.display import describe
from core.models import Author, ConversationStatus, Team, User
from core.owner_config import load_stored
from core.sqlvalues import db_time, from_db_time
from core.text import normalize, phone_search_key, strip_invisible

STATUSES = tuple(status.value for status in ConversationStatus)
LABELS_OFFERED = 200
MAX_MATCHED_CUSTOMERS = 1000


@dataclass(frozen=True, slots=True)
class Choice:
    """Something a filter or a form offers: a team, an agent, a channel."""

    id: int
    name: str
    platform: str = ""


@dataclass(frozen=True, slots=True)
class CannedChoice:
    """A ready answer from the owner's configuration, picked by its shortcut."""

    shortcut: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxFilter:
    assigned: str = ""  # "mine", "unassigned" or "" (anyone)
    team_id: int | None = None
    status: str = ""  # one of STATUSES, or "" for all
    channel_id: int | None = None
    label: str = ""
    query: str = ""
    # "waiting": who waits longest for us first, then the rest by newest activity (the
    # panel's order; one page, no cursor). "recent": newest activity first (pages by cursor).
    order: str = "recent"


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxRow:
    conversation_id: int
    platform: str
    channel_name: str
    customer_name: str
    preview: str
    last_author: str
    last_at: datetime
    waiting_since: datetime | None  # set while it is our turn (open or pending)
    unread: int
    status: str
    assignee_name: str
    team_name: str
    sorted_at: datetime  # the conversation's last_message_at: the inbox's order
    labels: tuple[str, ...] = ()
    snoozed_until: datetime | None = None

    @property
    def turn(self) -> str:
        return whose_turn(self.status, self.waiting_since)


class InboxQueries:
    # --- what there is to choose from ----------------------------------------------------

    async def teams(self) -> list[Choice]:
        return [Choice(t.id, t.name) for t in await Team.all().order_by("name")]

    async def agents(self) -> list[Choice]:
        users = await User.filter(active=True).order_by("email")
        return [Choice(u.id, u.display_name or u.email) for u in users]

    async def labels(self) -> list[str]:
        """The labels in use, for the inbox's filter."""
        rows = await query_rows(connection(), "SELECT DISTINCT name FROM conversation_label"
                                              " ORDER BY name LIMIT ?", [LABELS_OFFERED])
        return [r["name"] for r in rows]

    async def canned_replies(self) -> list[CannedChoice]:
        """The owner's ready answers (`canned_replies` in the configuration)."""
        document = await load_stored()
        return [CannedChoice(r.shortcut, r.text) for r in document.canned_replies]

    @staticmethod
    def filled(choices: list[CannedChoice], *, customer: str, agent: str) -> list[CannedChoice]:
        """The canned replies with their placeholders filled in for one conversation:
        {name} is the customer's name and {agent} the agent's. Only these two are replaced,
        by plain substitution: neither the owner's text nor a name is ever a template."""
        values = {"{name}": customer, "{agent}": agent}
        filled = []
        for choice in choices:
            text = choice.text
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            filled.append(CannedChoice(choice.shortcut, text))
        return filled

    async def channels(self) -> list[Choice]:
        rows = await query_rows(connection(), "SELECT id, platform, name FROM channel ORDER BY id")
        return [Choice(r["id"], r["name"] or r["platform"], r["platform"]) for r in rows]

    # --- the inbox -------------------------------------------------------------------------

    async def inbox(self, viewer: Viewer, wanted: InboxFilter, *,
                    before: tuple[datetime, int] | None = None,
                    limit: int = INBOX_PAGE) -> list[InboxRow]:
        """Newest activity first, one page; `before` is the (sorted_at, conversation_id) of
        the previous page's last row."""
        conn = connection()
        condition, values = scope(viewer)
        where = [condition]
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
        if before is not None and wanted.order != "waiting":
            # Every write of last_message_at goes through db_time, so on SQLite the text
            # compares in time order, as the ORDER BY below already assumes.
            where.append("(c.last_message_at < ? OR (c.last_message_at = ? AND c.id < ?))")
            moment = db_time(conn, before[0])
            values.extend([moment, moment, before[1]])
        if wanted.query.strip():
            matches, match_values = await _search(conn, wanted.query)
            where.append(matches)
            values.extend(match_values)
        rows = await query_rows(
            conn,
            "SELECT c.id, c.status, c.last_message_at, c.waiting_since, c.snoozed_until,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " ch.platform, ch.name AS channel_name,"
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
            f" ORDER BY {_ORDERS.get(wanted.order, _ORDERS['recent'])} LIMIT ?",
            [Author.CUSTOMER.value, viewer.user_id, *values, limit],
        )
        labels = await labels_of(conn, [row["id"] for row in rows])
        return [_inbox_row(row, labels.get(row["id"], ())) for row in rows]


_OUR_TURN = (f"c.waiting_since IS NOT NULL AND c.status IN ('{ConversationStatus.OPEN.value}',"
             f" '{ConversationStatus.PENDING.value}')")
_ORDERS = {
    "recent": "c.last_message_at DESC, c.id DESC",
    "waiting": f"CASE WHEN {_OUR_TURN} THEN 0 ELSE 1 END,"
               f" CASE WHEN {_OUR_TURN} THEN c.waiting_since END,"
               " c.last_message_at DESC, c.id DESC",
}


def _inbox_row(row: dict[str, Any], labels: tuple[str, ...]) -> InboxRow:
    last_at = from_db_time(row["last_created_at"]) or from_db_time(row["last_message_at"])
    waiting = (row["waiting_since"] is not None
               and row["status"] in (ConversationStatus.OPEN, ConversationStatus.PENDING))
    return InboxRow(
        conversation_id=row["id"],
        platform=row["platform"],
        channel_name=row["channel_name"] or row["platform"],
        customer_name=customer_name(row),
        preview=strip_invisible(describe(row["kind"], row["text"])) if row["kind"] else "",
        last_author=row["author"] or "",
        last_at=last_at,
        waiting_since=from_db_time(row["waiting_since"]) if waiting else None,
        unread=row["unread"],
        status=row["status"],
        assignee_name=row["assignee_name"] or row["assignee_email"] or "",
        team_name=row["team_name"] or "",
        labels=labels,
        sorted_at=from_db_time(row["last_message_at"]),
        snoozed_until=from_db_time(row["snoozed_until"]),
    )


async def _search(conn: BaseDBAsyncClient, query: str) -> tuple[str, list[Any]]:
    """A condition on `c` for conversations whose messages or customer match `query`,
    both sides normalized (ي/ی, ك/ک, digits, ZWNJ, diacritics...)."""
    needle = normalize(query)
    if not needle:
        return "1 = 1", []
    customers = await matching_customers(conn, needle)
    condition, values = await fulltext.message_condition(conn, needle)
    if customers:
        condition += f" OR c.customer_id IN ({', '.join('?' * len(customers))})"
        values.extend(customers)
    return f"({condition})", values


async def matching_customers(conn: BaseDBAsyncClient, needle: str) -> list[int]:
    """Customers whose names, user names or phone number hold the normalized `needle`; a
    needle that is a phone number also matches however the number was typed (+98 912…,
    0912…, ۰۹۱۲…: core.text.phone_search_key)."""
    patterns = [fulltext.like_pattern(needle)]
    if phone := phone_search_key(needle):
        patterns.append(fulltext.like_pattern(phone))
    rows = await query_rows(
        conn, "SELECT customer_id FROM customer_search_entry WHERE "  # nosec B608 # only "?" marks are formatted in; values are bound
              + " OR ".join(["body LIKE ? ESCAPE '\\'"] * len(patterns)) + " LIMIT ?",
        [*patterns, MAX_MATCHED_CUSTOMERS])
    return [row["customer_id"] for row in rows]
