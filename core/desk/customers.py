"""A customer as an agent sees them: who they are on every channel, their conversations,
CSAT answers and tickets (within the viewer's scope), customers who may be the same person,
their custom attributes, and merging two records of one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.customers import CannotMerge, merge_customers
from core.db import connection, dialect_sql, query_rows
from core.desk._base import DeskBase
from core.desk._scope import (
    INBOX_PAGE,
    DeskError,
    Viewer,
    customer_name,
    scope,
    visible_customer,
)
from core.i18n import gettext_noop
from core.sqlvalues import db_json, from_db_time, from_json
from core.text import strip_invisible

ATTRIBUTE_NAME_CHARS = 64
ATTRIBUTE_VALUE_CHARS = 500
MAX_ATTRIBUTES = 30


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


class Customers(DeskBase):
    async def customer(self, viewer: Viewer, customer_id: int) -> CustomerDetail:
        """Who the customer is on every channel, their conversations, CSAT answers and
        tickets (within the viewer's scope), and customers who may be the same person."""
        conn = connection()
        row = await visible_customer(conn, viewer, customer_id)
        condition, values = scope(viewer)
        identities = await query_rows(
            conn,
            "SELECT ch.platform, ch.name AS channel_name, i.external_id, i.username,"
            " i.display_name, i.unreachable FROM identity i JOIN channel ch"
            " ON ch.id = i.channel_id WHERE i.customer_id = ? ORDER BY i.id",
            [customer_id],
        )
        conversations = await query_rows(
            conn,
            "SELECT c.id, c.status, c.created_at, c.last_message_at, ch.platform FROM"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " conversation c JOIN channel ch ON ch.id = c.channel_id WHERE c.customer_id = ?"
            f" AND {condition} ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?",
            [customer_id, *values, INBOX_PAGE],
        )
        surveys = await query_rows(
            conn,
            "SELECT s.conversation_id, s.score, s.comment, s.answered_at FROM survey_answer s"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " JOIN conversation c ON c.id = s.conversation_id WHERE c.customer_id = ?"
            f" AND {condition} ORDER BY s.answered_at DESC",
            [customer_id, *values],
        )
        tickets = await query_rows(
            conn,
            "SELECT t.number, t.conversation_id, t.status, t.description, t.created_at,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
            " t.updated_at FROM ticket t JOIN conversation c ON c.id = t.conversation_id"
            f" WHERE t.customer_id = ? AND {condition} ORDER BY t.number DESC",
            [customer_id, *values],
        )
        return CustomerDetail(
            id=row["id"],
            name=customer_name(row) or next(
                (strip_invisible(i["display_name"] or i["username"] or "") for i in identities
                 if i["display_name"] or i["username"]), ""),
            phone=row["phone"] or "",
            language=row["language"] or "",
            created_at=from_db_time(row["created_at"]),
            identities=tuple(CustomerIdentity(
                platform=i["platform"], channel_name=i["channel_name"] or i["platform"],
                external_id=i["external_id"], username=strip_invisible(i["username"] or ""),
                display_name=strip_invisible(i["display_name"] or ""),
                unreachable=bool(i["unreachable"])) for i in identities),
            conversations=tuple(PastConversation(
                id=c["id"], platform=c["platform"], status=c["status"],
                created_at=from_db_time(c["created_at"]),
                last_message_at=from_db_time(c["last_message_at"]))
                for c in conversations),
            surveys=tuple(SurveyScore(
                conversation_id=v["conversation_id"], score=v["score"],
                comment=strip_invisible(v["comment"] or ""),
                answered_at=from_db_time(v["answered_at"]))
                for v in surveys),
            tickets=tuple(TicketRow(
                number=t["number"], conversation_id=t["conversation_id"], status=t["status"],
                description=strip_invisible(t["description"]),
                created_at=from_db_time(t["created_at"]),
                updated_at=from_db_time(t["updated_at"])) for t in tickets),
            same_person=tuple(await _same_person(conn, viewer, row)),
            attributes=tuple(sorted((from_json(row["attributes"]) or {}).items())),
        )

    async def set_attribute(self, viewer: Viewer, customer_id: int, name: str, value: str
                            ) -> None:
        """Sets (or, with an empty value, removes) one custom attribute of the customer."""
        name = " ".join(strip_invisible(name).split())[:ATTRIBUTE_NAME_CHARS]
        value = " ".join(strip_invisible(value).split())[:ATTRIBUTE_VALUE_CHARS]
        if not name:
            raise DeskError(gettext_noop("Give the attribute a name."))
        async with in_transaction("default") as conn:
            row = await visible_customer(conn, viewer, customer_id)
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

    async def merge(self, viewer: Viewer, keep_id: int, merge_id: int) -> None:
        """One person, two customer records: everything of `merge_id` moves to `keep_id`."""
        conn = connection()
        await visible_customer(conn, viewer, keep_id)
        await visible_customer(conn, viewer, merge_id)
        try:
            await merge_customers(keep_id, merge_id)
        except CannotMerge:
            raise DeskError(gettext_noop("These two customers cannot be merged.")) from None
        moved = await query_rows(conn, "SELECT id FROM conversation WHERE customer_id = ?",
                                 [keep_id])
        for conversation in moved:
            await self._updated(conversation["id"], None)


async def _same_person(conn: BaseDBAsyncClient, viewer: Viewer,
                       row: dict[str, Any]) -> list[SamePerson]:
    """Other customers with this phone number (core/customers.py stores numbers in one
    form), of those the viewer may see."""
    if not row["phone"]:
        return []
    condition, values = scope(viewer)
    others = await query_rows(
        conn,
        "SELECT cu.id, cu.display_name AS customer_name, cu.phone FROM customer cu"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " WHERE cu.phone = ? AND cu.id <> ? AND EXISTS (SELECT 1 FROM conversation c"
        f" WHERE c.customer_id = cu.id AND {condition}) ORDER BY cu.id LIMIT ?",
        [row["phone"], row["id"], *values, INBOX_PAGE],
    )
    return [SamePerson(customer_id=o["id"], name=customer_name(o), phone=o["phone"])
            for o in others]
