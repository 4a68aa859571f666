"""Sending for one Instagram professional account, within Instagram's rules.

- Replies within 24 hours of the customer's last message. A person may answer up to 7
  days with the HUMAN_AGENT tag, which goes only on what a person wrote, never on the bot's
  messages (Meta reviews its use).
- The bot says it is automated in its first message to a customer, as Meta's policy for
  automated experiences requires.
- Text at most 1000 bytes (longer text goes as several messages); quick replies at most 13
  with titles at most 20 characters, else a numbered menu.
- A comment or mention on the brand's posts is answered by one private reply to the
  comment (within 7 days); once that is used, replies go to the author's Direct inbox.
https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import aiohttp

from adapters.meta.graph import GraphClient, GraphRefused
from adapters.numbered import numbered_menu, split_text
from core.delivery import Pace
from core.events import OutboundAuthor, OutboundKind, OutboundMessage, SendResult
from core.i18n import translation

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
TEXT_MAX_BYTES = 1000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20
QUICK_REPLY_PAYLOAD_MAX = 1000
ALREADY_REPLIED = 10900
SAFETY = 1.02
ACCOUNT_SENDS_PER_SECOND = 100  # Send API: text, links, reactions and stickers


class InstagramTransport:
    def __init__(self, session: aiohttp.ClientSession, *, graph_base: str, token: str,
                 account_id: str) -> None:
        self._graph = GraphClient(session, graph_base, token, "Instagram")
        self._account_id = account_id

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return ()
        return (Pace("instagram-account", self._account_id,
                     SAFETY / ACCOUNT_SENDS_PER_SECOND),)

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return None
        if message.author is OutboundAuthor.AGENT:
            return HUMAN_AGENT_WINDOW
        if message.route.get("comment_id"):
            return PRIVATE_REPLY_WINDOW
        return CUSTOMER_SERVICE_WINDOW

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return SendResult()  # Instagram's buttons do not spin: nothing to answer
        bodies = render(message)
        recipient = _recipient(message)
        last_id = None
        for body in bodies:
            try:
                answer = await self._post(recipient, body, message)
            except GraphRefused as refusal:
                if refusal.code != ALREADY_REPLIED or not _has_direct_inbox(message):
                    raise
                recipient = {"id": message.chat_id}  # the private reply is spent
                answer = await self._post(recipient, body, message)
            recipient = {"id": answer.get("recipient_id") or message.chat_id}
            last_id = answer.get("message_id")
        return SendResult(external_id=last_id)

    async def _post(self, recipient: dict[str, str], body: dict[str, Any],
                    message: OutboundMessage) -> dict[str, Any]:
        envelope: dict[str, Any] = {"recipient": recipient, "message": body}
        if message.author is OutboundAuthor.AGENT:
            envelope |= {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        else:
            envelope["messaging_type"] = "RESPONSE"
        return await self._graph.post(f"{self._account_id}/messages", envelope)


def render(message: OutboundMessage) -> list[dict[str, Any]]:
    """The `message` objects that show `message` on Instagram, in order."""
    text = message.text
    if message.introduces_bot and message.author is OutboundAuthor.BOT:
        disclosure = translation("fa").gettext("This is an automated reply.")
        text = f"{disclosure}\n\n{text}" if text else disclosure
    buttons = message.buttons
    quick_replies = None
    if buttons and _fit(message):
        quick_replies = [{"content_type": "text", "title": b.title, "payload": b.payload}
                         for b in buttons]
    elif buttons:
        text = numbered_menu(text, buttons)
    pieces = split_text(text, lambda part: len(part.encode()) <= TEXT_MAX_BYTES)
    bodies: list[dict[str, Any]] = [{"text": piece} for piece in pieces]
    if quick_replies:
        bodies[-1]["quick_replies"] = quick_replies
    return bodies


def _fit(message: OutboundMessage) -> bool:
    buttons = message.buttons
    return len(buttons) <= QUICK_REPLIES_MAX and all(
        0 < len(b.title) <= QUICK_REPLY_TITLE_MAX and 0 < len(b.payload) <= QUICK_REPLY_PAYLOAD_MAX
        for b in buttons)


def _recipient(message: OutboundMessage) -> dict[str, str]:
    comment_id = message.route.get("comment_id")
    return {"comment_id": comment_id} if comment_id else {"id": message.chat_id}


def _has_direct_inbox(message: OutboundMessage) -> bool:
    # A mention without an author is known only by its comment or media id.
    return not message.chat_id.startswith(("comment:", "mention:"))
