"""Continuing a conversation on another channel: a customer on one channel (a website's
chat) asks for a one-time token; starting another channel's bot with it (`/start <token>`,
which a deep link such as https://t.me/Bot?start=<token> sends) joins that account to the
same customer, so the agent sees one history and the customer repeats nothing.

The token expires (`LIFETIME`) and works once; only its hash is stored. Joining is the
merge an agent would do (core/customers.merge_customers), done because the customer proved
both ends: they held the token on the first channel and sent it from the second.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta

from core.clock import utcnow
from core.customers import CannotMerge, merge_customers
from core.inbox import StoredMessage
from core.models import Continuation, Conversation, Identity

log = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=30)
TOKEN_BYTES = 18  # 24 characters of [A-Za-z0-9_-]: within a deep link's 64
START = "/start"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(channel_id: int, external_id: str) -> str:
    """A one-time token for the customer `external_id` of this channel."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    await Continuation.create(token_hash=_hash(token), channel_id=channel_id,
                              external_id=external_id, expires_at=utcnow() + LIFETIME)
    return token


def token_in(text: str | None) -> str | None:
    """The token of "/start <token>" (or "/start@Bot <token>"), else None."""
    parts = (text or "").split()
    if len(parts) != 2 or parts[0].split("@", 1)[0].lower() != START:
        return None
    return parts[1] if len(parts[1]) <= 64 else None


async def redeem(token: str, conversation_id: int) -> bool:
    """Joins the customer of this conversation to the one who asked for the token; False
    when the token is unknown, used or expired, or there is nothing to join."""
    now = utcnow()
    used = await Continuation.filter(token_hash=_hash(token), used_at__isnull=True,
                                     expires_at__gt=now).update(used_at=now)
    if not used:
        log.info("continuity: a token that is unknown, used or expired was sent")
        return False
    continuation = await Continuation.get(token_hash=_hash(token))
    asked = await Identity.get_or_none(channel_id=continuation.channel_id,
                                       external_id=continuation.external_id)
    conversation = await Conversation.get_or_none(id=conversation_id)
    if asked is None or conversation is None or asked.customer_id == conversation.customer_id:
        return False
    try:
        await merge_customers(asked.customer_id, conversation.customer_id)
    except CannotMerge as refused:
        log.warning("continuity: could not join customers: %s", refused)
        return False
    log.info("continuity: customer %d continues as customer %d", conversation.customer_id,
             asked.customer_id)
    return True


class Continuity:
    """Watches new messages for a continuation token (an inbox listener)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, stored: Sequence[StoredMessage]) -> None:
        for message in stored:
            token = token_in(message.event.text)
            if token is not None:
                task = asyncio.create_task(self._redeem(token, message.conversation_id))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _redeem(self, token: str, conversation_id: int) -> None:
        try:
            await redeem(token, conversation_id)
        except Exception:
            log.exception("continuity: redeeming a token failed")

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
