"""Sending for one WhatsApp Cloud API number, within WhatsApp's rules.

- Free-form messages only within 24 hours of the customer's last message; after that only
  an approved template (the outbox refuses the rest before Meta does: `reply_window`).
- Reply buttons: at most 3, titles at most 20 characters; a list: at most 10 rows, titles
  at most 24; anything else is written out as a numbered menu.
- Pacing: one number to one customer about one message per 6 s with bursts of 45 (131056),
  and the number's throughput, 80 messages/s by default (130429).
https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-reply-buttons-messages
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import aiohttp

from adapters.meta.graph import GraphClient
from adapters.numbered import numbered_menu, split_text
from core.delivery import Pace
from core.events import Button, OutboundKind, OutboundMessage, SendResult
from core.i18n import translation

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
REPLY_BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_ID_MAX = 200
SAFETY = 1.02
PAIR_INTERVAL = 6.0 * SAFETY
PAIR_BURST = 45
NUMBER_MESSAGES_PER_SECOND = 80


class WhatsAppTransport:
    def __init__(self, session: aiohttp.ClientSession, *, graph_base: str, token: str,
                 phone_number_id: str) -> None:
        self._graph = GraphClient(session, graph_base, token, "WhatsApp")
        self._phone_number_id = phone_number_id

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return ()
        return (
            Pace.per_second("whatsapp-number", self._phone_number_id,
                            NUMBER_MESSAGES_PER_SECOND, safety=SAFETY),
            Pace("whatsapp-customer", f"{self._phone_number_id}:{message.chat_id}",
                 PAIR_INTERVAL, burst=PAIR_BURST),
        )

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        if message.kind in (OutboundKind.TEMPLATE, OutboundKind.ACKNOWLEDGE):
            return None  # templates are how a business may write first
        return CUSTOMER_SERVICE_WINDOW

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            if message.ack_token:  # a pressed button: mark the customer's message read
                await self._post({"status": "read", "message_id": message.ack_token})
            return SendResult()
        last_id = None
        for body in render(message):
            answer = await self._post({"recipient_type": "individual", "to": message.chat_id,
                                       **body})
            last_id = (answer.get("messages") or [{}])[0].get("id")
        return SendResult(external_id=last_id)

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._graph.post(f"{self._phone_number_id}/messages",
                                      {"messaging_product": "whatsapp", **body})


def render(message: OutboundMessage) -> list[dict[str, Any]]:
    """The message bodies (without envelope) that show `message` on WhatsApp, in order."""
    if message.kind is OutboundKind.TEMPLATE and message.template is not None:
        template = message.template
        components = [{"type": "body", "parameters": [
            {"type": "text", "text": value} for value in template.parameters]}]
        return [{"type": "template", "template": {
            "name": template.name, "language": {"code": template.language},
            "components": components if template.parameters else []}}]
    buttons = message.buttons
    if buttons and 0 < len(message.text) <= INTERACTIVE_BODY_MAX:
        if _fit(buttons, REPLY_BUTTONS_MAX, BUTTON_TITLE_MAX, BUTTON_ID_MAX):
            return [{"type": "interactive", "interactive": {
                "type": "button", "body": {"text": message.text},
                "action": {"buttons": [{"type": "reply", "reply": {
                    "id": b.payload, "title": b.title}} for b in buttons]}}}]
        if _fit(buttons, LIST_ROWS_MAX, ROW_TITLE_MAX, ROW_ID_MAX):
            label = translation("fa").gettext("Options")
            return [{"type": "interactive", "interactive": {
                "type": "list", "body": {"text": message.text},
                "action": {"button": label[:BUTTON_TITLE_MAX], "sections": [{"rows": [
                    {"id": b.payload, "title": b.title} for b in buttons]}]}}}]
    text = numbered_menu(message.text, buttons) if buttons else message.text
    return [{"type": "text", "text": {"body": piece}}
            for piece in split_text(text, lambda part: len(part) <= TEXT_MAX)]


def _fit(buttons: Sequence[Button], count: int, title_max: int, id_max: int) -> bool:
    titles = [b.title for b in buttons]
    return (len(buttons) <= count and len(set(titles)) == len(titles)
            and all(0 < len(t) <= title_max for t in titles)
            and all(0 < len(b.payload) <= id_max for b in buttons))
