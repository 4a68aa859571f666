"""Visitors: people who reach a channel through Pasokh's own HTTP (a website's chat) and
hold a token the channel signed instead of a platform account.

The token itself is the adapter's business (it signs and checks it); what is kept here is
whether a visitor exists and is not revoked, what that visitor may read (the messages of
its own conversations on that channel, and nothing else), and how many requests to a
channel were refused, for the owner.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.clock import utcnow
from core.db import connection, query_rows
from core.desk.customers import ATTRIBUTE_NAME_CHARS, ATTRIBUTE_VALUE_CHARS, MAX_ATTRIBUTES
from core.message_meta import decode_meta
from core.models import Author, ChannelRefusal, Customer, Identity, Visitor
from core.sqlvalues import from_db_time, from_json
from core.text import strip_invisible

PUBLIC_ID_BYTES = 18
HISTORY_PAGE = 200  # messages per read; the reader asks again from the last id it got


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitorMessage:
    """One message of a visitor's conversation, as the visitor may see it."""

    message_id: int
    author: str  # customer, bot or agent
    kind: str
    text: str
    buttons: tuple[tuple[str, str], ...]  # (title, payload) the bot offered
    created_at: datetime
    file: VisitorFile | None = None  # a file it carries, once stored


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitorFile:
    """A stored file of a visitor's message (core/media.py's store, by hash)."""

    digest: str
    mime_type: str
    name: str
    size: int | None = None  # bytes, when it was recorded


def _file_of(media: Any) -> VisitorFile | None:
    media = from_json(media) if media is not None else None
    if not isinstance(media, dict) or not isinstance(media.get("stored"), str):
        return None
    size = media.get("size")
    return VisitorFile(digest=media["stored"], mime_type=str(media.get("mime") or ""),
                       name=str(media.get("file_name") or ""),
                       size=size if isinstance(size, int) else None)


async def issue_visitor(channel_id: int) -> str:
    """A new visitor of this channel; returns the id its token will carry."""
    public_id = "v" + secrets.token_urlsafe(PUBLIC_ID_BYTES)
    await Visitor.create(channel_id=channel_id, public_id=public_id, created_at=utcnow())
    return public_id


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitorProfile:
    """A visitor who may be served, and what its site said of it."""

    public_id: str
    name: str = ""
    phone: str | None = None
    email: str | None = None


async def active_visitor(channel_id: int, public_id: str) -> VisitorProfile | None:
    """The visitor, when it exists on this channel and was not revoked. Asked by every
    request of a visitor: one hand-written query (the ORM's query building cost more than
    the query itself under 500 visitors, bench/webchat.py)."""
    rows = await query_rows(
        connection(),
        "SELECT name, phone, email FROM visitor WHERE public_id = ? AND channel_id = ?"
        " AND revoked = ?", [public_id, channel_id, False])
    if not rows:
        return None
    return VisitorProfile(public_id=public_id, name=rows[0]["name"], phone=rows[0]["phone"],
                          email=rows[0]["email"])


async def vouched_visitor(channel_id: int, profile: VisitorProfile) -> bool:
    """The visitor a site vouched for (by its own user id, hashed into `public_id`), made
    or updated with what the site said; False when that visitor was revoked."""
    visitor, created = await Visitor.get_or_create(
        public_id=profile.public_id,
        defaults={"channel_id": channel_id, "created_at": utcnow(), "name": profile.name,
                  "phone": profile.phone, "email": profile.email})
    if visitor.revoked or visitor.channel_id != channel_id:
        return False
    said = (profile.name, profile.phone, profile.email)
    if not created and (visitor.name, visitor.phone, visitor.email) != said:
        visitor.name, visitor.phone, visitor.email = said
        await visitor.save(update_fields=["name", "phone", "email"])
    return True


async def revoke_visitor(public_id: str) -> bool:
    """Ends every copy of the visitor's token; False when there is no such visitor."""
    return bool(await Visitor.filter(public_id=public_id).update(revoked=True))


async def visitor_messages(channel_id: int, public_id: str, *, after: int = 0,
                           limit: int = HISTORY_PAGE) -> list[VisitorMessage]:
    """The visitor's own messages and the replies to them, after message id `after`.
    Private notes, system records and replies that failed or were cancelled are not its."""
    rows = await query_rows(
        connection(),
        "SELECT m.id, m.author, m.kind, m.text, m.meta, m.media, m.created_at FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id"
        " JOIN identity i ON i.id = c.identity_id"
        " WHERE i.channel_id = ? AND i.external_id = ? AND m.id > ? AND m.author != ?"
        " AND (m.delivery IS NULL OR m.delivery != 'failed')"
        " ORDER BY m.id LIMIT ?",
        [channel_id, public_id, after, Author.SYSTEM.value, limit],
    )
    return [VisitorMessage(message_id=int(row["id"]), author=row["author"], kind=row["kind"],
                           text=row["text"] or "", buttons=decode_meta(row["meta"]).buttons,
                           created_at=from_db_time(row["created_at"]),
                           file=_file_of(row["media"]))
            for row in rows]


async def visitor_file(channel_id: int, public_id: str, message_id: int) -> VisitorFile | None:
    """The stored file of one of the visitor's own messages (or a reply to it), else None."""
    rows = await query_rows(
        connection(),
        "SELECT m.media FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id"
        " JOIN identity i ON i.id = c.identity_id"
        " WHERE i.channel_id = ? AND i.external_id = ? AND m.id = ? AND m.author != ?",
        [channel_id, public_id, message_id, Author.SYSTEM.value],
    )
    return _file_of(rows[0]["media"]) if rows else None


async def seen_up_to(channel_id: int, public_id: str) -> int:
    """The last message id a person in the panel has read of this visitor's conversations
    (the panel marks what it shows read, core/desk/timeline.py); 0 when none was read."""
    rows = await query_rows(
        connection(),
        "SELECT MAX(r.last_read_message_id) AS seen FROM read_mark r"
        " JOIN conversation c ON c.id = r.conversation_id"
        " JOIN identity i ON i.id = c.identity_id"
        " WHERE i.channel_id = ? AND i.external_id = ?",
        [channel_id, public_id],
    )
    return int(rows[0]["seen"] or 0) if rows else 0


async def set_profile(channel_id: int, public_id: str, *, name: str, phone: str | None,
                      email: str | None) -> None:
    """What the visitor told about itself (the pre-chat fields), put on its next messages;
    a phone number is matched to other customers as on every channel (a suggestion)."""
    await Visitor.filter(channel_id=channel_id, public_id=public_id).update(
        name=name[:128], phone=phone, email=email)


async def set_attributes(channel_id: int, public_id: str,
                         attributes: Mapping[str, str]) -> bool:
    """Adds what the site says of its visitor to the customer's attributes (the panel's
    customer card); False while the visitor has not written yet (no customer to hold them).
    Within the card's limits: names of 64 characters, values of 500, 30 attributes."""
    identity = await Identity.get_or_none(channel_id=channel_id, external_id=public_id)
    if identity is None:
        return False
    async with in_transaction("default"):
        customer = await Customer.select_for_update().get(id=identity.customer_id)
        kept = dict(customer.attributes or {})
        for name, value in attributes.items():
            name = " ".join(strip_invisible(name).split())[:ATTRIBUTE_NAME_CHARS]
            value = " ".join(strip_invisible(value).split())[:ATTRIBUTE_VALUE_CHARS]
            if name and value and (name in kept or len(kept) < MAX_ATTRIBUTES):
                kept[name] = value
        customer.attributes = kept
        await customer.save(update_fields=["attributes"])
    return True


async def chat_of(conversation_id: int) -> tuple[int, str] | None:
    """(channel id, visitor id) of a visitor's conversation; None for any other."""
    rows = await query_rows(
        connection(),
        "SELECT c.channel_id, c.chat_id FROM conversation c"
        " JOIN visitor v ON v.public_id = c.chat_id AND v.channel_id = c.channel_id"
        " WHERE c.id = ?", [conversation_id])
    return (int(rows[0]["channel_id"]), rows[0]["chat_id"]) if rows else None


async def add_refusals(counts: Mapping[tuple[int, str], int]) -> None:
    """Adds refused requests, counted by (channel id, reason)."""
    now = utcnow()
    for (channel_id, reason), count in counts.items():
        updated = await ChannelRefusal.filter(channel_id=channel_id, reason=reason).update(
            count=F("count") + count, updated_at=now)
        if updated:
            continue
        try:
            await ChannelRefusal.create(channel_id=channel_id, reason=reason, count=count,
                                        updated_at=now)
        except IntegrityError:  # another process made the row meanwhile
            await ChannelRefusal.filter(channel_id=channel_id, reason=reason).update(
                count=F("count") + count, updated_at=now)


async def refusals_by_channel() -> dict[int, int]:
    """Refused requests per channel id, all reasons together."""
    totals: dict[int, int] = {}
    for refusal in await ChannelRefusal.all():
        totals[refusal.channel_id] = totals.get(refusal.channel_id, 0) + refusal.count
    return totals
