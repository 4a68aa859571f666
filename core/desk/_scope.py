"""Who sees what: the viewer, the desk's refusals, and the queries every part of the desk
scopes by. An owner sees every conversation; an agent sees the conversations of their teams,
the ones with no team, and the ones assigned to them. A conversation outside that scope does
not exist for them (`ConversationNotFound`, a 404 in the panel), and neither does a customer
none of whose conversations they may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.db import query_rows
from core.i18n import gettext_noop
from core.models import ConversationStatus, Role
from core.text import strip_invisible

INBOX_PAGE = 50  # rows of a page, and of the lists a page shows


class DeskError(Exception):
    """A refused request. `str()` is an English message id, translated where shown."""


class ConversationNotFound(DeskError):
    """No such conversation, or the viewer may not see it (the two look the same)."""


class CustomerNotFound(DeskError):
    """No such customer, or none of their conversations is visible to the viewer."""


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int
    email: str
    display_name: str
    role: str
    team_ids: tuple[int, ...]
    session_version: int = 0  # what a session must name to stand for this viewer

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def name(self) -> str:
        return self.display_name or self.email


def scope(viewer: Viewer, alias: str = "c") -> tuple[str, list[Any]]:
    """A condition on the conversation `alias` that holds for those the viewer may see."""
    if viewer.is_owner:
        return "1 = 1", []
    teams = ""
    if viewer.team_ids:
        teams = f" OR {alias}.team_id IN ({', '.join('?' * len(viewer.team_ids))})"
    return (f"({alias}.team_id IS NULL OR {alias}.assignee_id = ?{teams})",
            [viewer.user_id, *viewer.team_ids])


def whose_turn(status: str, waiting_since: datetime | None) -> str:
    """"us" (the customer waits for us), "customer", "snoozed" or "resolved"."""
    if status in (ConversationStatus.RESOLVED, ConversationStatus.SNOOZED):
        return status
    return "us" if waiting_since is not None else "customer"


async def visible(conn: BaseDBAsyncClient, viewer: Viewer,
                  conversation_id: int) -> dict[str, Any]:
    """The conversation with its channel, customer and identity; ConversationNotFound when
    the viewer may not see it."""
    condition, values = scope(viewer)
    rows = await query_rows(
        conn,
        "SELECT c.id, c.status, c.channel_id, c.customer_id, c.identity_id, c.chat_id,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " c.route, c.assignee_id, c.team_id, c.snoozed_until, c.reopen_count, c.created_at,"
        " c.first_response_at, c.waiting_since, ch.platform, ch.name AS channel_name,"
        " cu.display_name AS customer_name, cu.phone, i.display_name AS identity_name,"
        " i.username, i.unreachable"
        " FROM conversation c JOIN channel ch ON ch.id = c.channel_id"
        " JOIN customer cu ON cu.id = c.customer_id JOIN identity i ON i.id = c.identity_id"
        f" WHERE c.id = ? AND {condition}",
        [conversation_id, *values],
    )
    if not rows:
        raise ConversationNotFound(gettext_noop("There is no such conversation."))
    return rows[0]


async def visible_customer(conn: BaseDBAsyncClient, viewer: Viewer,
                           customer_id: int) -> dict[str, Any]:
    """The customer, when the viewer may see at least one of their conversations."""
    condition, values = scope(viewer)
    rows = await query_rows(
        conn,
        "SELECT cu.id, cu.display_name AS customer_name, cu.phone, cu.language,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " cu.created_at, cu.attributes FROM customer cu WHERE cu.id = ? AND EXISTS"
        f" (SELECT 1 FROM conversation c WHERE c.customer_id = cu.id AND {condition})",
        [customer_id, *values],
    )
    if not rows:
        raise ConversationNotFound(gettext_noop("There is no such customer."))
    return rows[0]


async def labels_of(conn: BaseDBAsyncClient,
                    conversation_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each conversation's labels, sorted; conversations without one are left out."""
    if not conversation_ids:
        return {}
    rows = await query_rows(
        conn,
        "SELECT conversation_id, name FROM conversation_label WHERE conversation_id IN"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" ({', '.join('?' * len(conversation_ids))}) ORDER BY name",
        list(conversation_ids),
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["conversation_id"], []).append(row["name"])
    return {cid: tuple(names) for cid, names in found.items()}


def label_name(text: str) -> str:
    """A label as stored: visible characters only, single spaces, no half-space at a
    word's edge (where it means nothing)."""
    words = (word.strip("\u200c") for word in strip_invisible(text).split())
    return " ".join(word for word in words if word)


def customer_name(row: dict[str, Any]) -> str:
    name = row.get("customer_name") or row.get("identity_name") or row.get("username")
    return strip_invisible(name) if name else ""

