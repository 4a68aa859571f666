"""Notifications to an agent's own messenger account, through the shop's bot.

The agent asks their notifications page for a one-time code and sends it to the bot (as
"/start CODE" from a deep link, or the code alone). The message that carries a valid code
links that chat to the agent and goes no further: the flows never see it. Only the code's
SHA-256 is kept, for LINK_CODE_MINUTES. Notifications then go to that chat through the
outbox, like every message the bot sends, with the platform's pacing and retries."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from core.db import connection, dialect_sql, query_rows
from core.events import OutboundMessage, Platform
from core.models import MessengerLink
from core.outbox_rows import OutboxEntry, enqueue
from core.sqlvalues import db_time

LINK_CODE_MINUTES = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
_CODE = re.compile(r"^\s*(?:/start\s+)?(pasokh-[A-Z2-9]{8})\s*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkState:
    linked: bool
    channel_name: str = ""


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def code_in(text: str | None) -> str | None:
    """The link code a message is, if it is one."""
    match = _CODE.match(text or "")
    return match[1] if match else None


async def new_link_code(user_id: int, now: datetime) -> str:
    """A fresh code for this agent (an earlier one stops working)."""
    code = "pasokh-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
    await MessengerLink.update_or_create(user_id=user_id, defaults={
        "code_hash": _hash(code), "code_expires_at": now + timedelta(minutes=LINK_CODE_MINUTES)})
    return code


async def link_state(user_id: int) -> LinkState:
    rows = await query_rows(
        connection(),
        "SELECT l.linked_at, ch.name FROM messenger_link l"
        " LEFT JOIN channel ch ON ch.id = l.channel_id WHERE l.user_id = ?", [user_id])
    if not rows or rows[0]["linked_at"] is None:
        return LinkState(linked=False)
    return LinkState(linked=True, channel_name=rows[0]["name"] or "")


async def unlink(user_id: int) -> None:
    await MessengerLink.filter(user_id=user_id).update(
        channel_id=None, identity_id=None, chat_id=None, linked_at=None)


async def link(code: str, *, message_id: int, conversation_id: int, now: datetime
               ) -> int | None:
    """Links the chat of this message to the agent whose unexpired code it carries, marks
    the message handled, and returns the agent's id; None when the code is no valid one."""
    async with in_transaction("default") as conn:
        rows = await query_rows(
            conn, "SELECT id, user_id FROM messenger_link WHERE code_hash = ?"
                  " AND code_expires_at > ?", [_hash(code), db_time(conn, now)])
        if not rows:
            return None
        chat = await query_rows(
            conn, "SELECT channel_id, identity_id, chat_id FROM conversation WHERE id = ?",
            [conversation_id])
        await conn.execute_query(
            dialect_sql(conn, "UPDATE messenger_link SET code_hash = NULL,"
                              " code_expires_at = NULL, channel_id = ?, identity_id = ?,"
                              " chat_id = ?, linked_at = ? WHERE id = ?"),
            [chat[0]["channel_id"], chat[0]["identity_id"], chat[0]["chat_id"],
             db_time(conn, now), rows[0]["id"]])
        await conn.execute_query(
            dialect_sql(conn, "UPDATE message SET processed = ? WHERE id = ?"),
            [True, message_id])
        return rows[0]["user_id"]


async def send_to_agent(user_id: int, text: str, now: datetime) -> bool:
    """Queues `text` to the agent's linked chat; False when they linked none."""
    async with in_transaction("default") as conn:
        rows = await query_rows(
            conn, "SELECT l.channel_id, l.identity_id, l.chat_id, ch.platform"
                  " FROM messenger_link l JOIN channel ch ON ch.id = l.channel_id"
                  " WHERE l.user_id = ? AND l.linked_at IS NOT NULL AND ch.enabled = ?",
            [user_id, True])
        if not rows:
            return False
        row = rows[0]
        message = OutboundMessage(platform=Platform(row["platform"]),
                                  channel_id=row["channel_id"], chat_id=row["chat_id"],
                                  text=text)
        await enqueue(conn, [OutboxEntry(row["channel_id"], None, row["identity_id"],
                                         row["chat_id"], message)], now)
    return True
