"""Bale's sending: the Bot API through the Telegram adapter's transport, and Bale's
business API (Safir) for a conversation that a proactive message started from a phone
number alone (its route carries core.proactive.BY_PHONE_ROUTE). Such a customer has never
started the bot, so the Bot API could not reach them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from adapters.answers import persian
from adapters.base import PhoneSender
from adapters.numbered import numbered_menu
from adapters.telegram.transport import TelegramTransport
from core.delivery import Pace, PermanentError
from core.events import OutboundKind, OutboundMessage, SendResult
from core.i18n import gettext_noop
from core.proactive import BY_PHONE_ROUTE


class BaleTransport:
    def __init__(self, bot: TelegramTransport, phone_sender: PhoneSender | None, *,
                 installation: bytes) -> None:
        """`installation` tells this installation's request ids from another's that uses
        the same business account (core.secrets_at_rest.derived_key)."""
        self._bot = bot
        self._phone_sender = phone_sender
        self._request_prefix = installation[:6].hex()

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        return self._bot.pacing(message)

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        return self._bot.reply_window(message)

    async def send(self, message: OutboundMessage) -> SendResult:
        if not message.route.get(BY_PHONE_ROUTE):
            return await self._bot.send(message)
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return SendResult()
        if self._phone_sender is None or message.outbox_id is None:
            raise PermanentError(persian(gettext_noop(
                "Not sent: Bale's business API is not set up (BALE_SAFIR_API_KEY).")))
        text = numbered_menu(message.text, message.buttons) if message.buttons else message.text
        message_id = await self._phone_sender.send_to_phone(
            phone=message.chat_id, text=text, request_id=self.request_id(message.outbox_id))
        return SendResult(external_id=message_id)

    def request_id(self, outbox_id: int) -> str:
        """Safir's de-duplication id for an outbox row: the same row sent again after a
        crash is not a second message."""
        return f"pasokh-{self._request_prefix}-{outbox_id}"
