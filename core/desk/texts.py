"""Texts to a customer's phone: how many parts a reply takes and what it costs, and a reply
sent by text from a conversation on any channel, when the customer gave a phone number.

Which platforms text phone numbers, and a part's price on each channel, come from the
runtime (`PartBilling`, core/segments.py); nothing here names a platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.clock import utcnow
from core.db import connection, query_rows
from core.desk._base import outbound
from core.desk._scope import DeskError, Viewer, visible
from core.desk.commands import MAX_REPLY_CHARS, Commands
from core.i18n import gettext_noop
from core.message_meta import MessageMeta
from core.segments import count_segments
from core.sqlvalues import db_time
from core.text import local_phone, phone_key, to_persian_digits


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLine:
    """The line a reply to this conversation would go out on as a text."""

    channel_id: int
    channel_name: str
    phone: str  # the customer's number as agents read it (۰۹۱۲…)
    price_per_part: int  # 0 when the owner did not set it
    own: bool  # the conversation is on this line already (its replies are texts anyway)


@dataclass(frozen=True, slots=True, kw_only=True)
class PartsPreview:
    parts: int
    encoding: str  # GSM-7 or UCS-2
    left: int  # characters that still fit in the last part
    cost: int  # parts × the price of a part; 0 when the price is not set


class TextMessages(Commands):
    async def text_line(self, viewer: Viewer, conversation_id: int) -> TextLine | None:
        """Where a reply by text would go, or None (no number, or no line connected)."""
        conn = connection()
        return await self._line(conn, await visible(conn, viewer, conversation_id))

    async def parts_preview(self, viewer: Viewer, conversation_id: int,
                            text: str) -> PartsPreview | None:
        """The parts and cost of `text` sent by text to this conversation's customer."""
        line = await self.text_line(viewer, conversation_id)
        if line is None:
            return None
        counted = count_segments(text.strip())
        return PartsPreview(parts=counted.parts, encoding=counted.encoding.value,
                            left=counted.left, cost=counted.cost(line.price_per_part))

    async def reply_by_text(self, viewer: Viewer, conversation_id: int, text: str) -> int:
        """The agent's reply, stored in this conversation and sent by text to the
        customer's phone number on the text-message line."""
        text = text.strip()
        if not text:
            raise DeskError(gettext_noop("Write a reply first."))
        if len(text) > MAX_REPLY_CHARS:
            raise DeskError(gettext_noop("The reply is too long for one message."))
        return await self._send(viewer, conversation_id, text, MessageMeta(by=viewer.user_id),
                                lambda row: outbound(row, text=text), retarget=self._to_phone)

    async def _line(self, conn: BaseDBAsyncClient, row: dict[str, Any]) -> TextLine | None:
        billing = self._part_billing
        if row["platform"] in billing.platforms:
            return TextLine(channel_id=row["channel_id"], channel_name=row["channel_name"],
                            phone=_shown(row["chat_id"]), own=True,
                            price_per_part=billing.price(row["channel_id"]))
        phone = phone_key(row["phone"])
        if phone is None or not billing.platforms:
            return None
        platforms = sorted(billing.platforms)
        lines = await query_rows(
            conn, "SELECT id, name FROM channel WHERE platform IN"  # nosec B608 # only "?" marks are formatted in; values are bound
                  f" ({', '.join('?' * len(platforms))}) ORDER BY id LIMIT 1", platforms)
        if not lines:
            return None
        return TextLine(channel_id=lines[0]["id"], channel_name=lines[0]["name"],
                        phone=_shown(phone), own=False,
                        price_per_part=billing.price(lines[0]["id"]))

    async def _to_phone(self, conn: BaseDBAsyncClient, row: dict[str, Any]) -> dict[str, Any]:
        """The conversation's row, pointed at the customer's identity on the text line (made
        the first time, as the customer's own)."""
        line = await self._line(conn, row)
        if line is None:
            raise DeskError(gettext_noop("This customer has no phone number, or no "
                                         "text-message line is connected."))
        if line.own:
            return row
        phone = phone_key(row["phone"])
        platform = await query_rows(conn, "SELECT platform FROM channel WHERE id = ?",
                                    [line.channel_id])
        await query_rows(
            conn, "INSERT INTO identity (customer_id, channel_id, external_id, display_name,"
                  " unreachable, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                  " ON CONFLICT (channel_id, external_id) DO NOTHING",
            [row["customer_id"], line.channel_id, phone, _shown(phone or ""), False,
             db_time(conn, utcnow())])
        identity = await query_rows(
            conn, "SELECT id, unreachable FROM identity WHERE channel_id = ? AND external_id = ?",
            [line.channel_id, phone])
        return {**row, "platform": platform[0]["platform"], "channel_id": line.channel_id,
                "identity_id": identity[0]["id"], "chat_id": phone, "route": None,
                "unreachable": identity[0]["unreachable"]}


def _shown(phone: str) -> str:
    return to_persian_digits(local_phone(phone_key(phone) or phone))
