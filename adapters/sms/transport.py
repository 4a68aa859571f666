"""Sending texts for one line: the outbox paces, the provider sends.

- A text message has no buttons: a menu is written out as numbered lines, which the
  customer answers with a digit (flows read digits as a choice).
- No reply window: a text reaches a phone whenever it is sent.
- Pacing: SMS_SENDS_PER_SECOND per line (providers publish no number; 10 by default keeps
  well under what their panels allow) and one text per second per recipient, so a burst of
  replies to one person arrives in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import aiohttp

from adapters.answers import persian
from adapters.numbered import numbered_menu
from adapters.sms.provider import Line, Provider
from core.delivery import Pace, PermanentError
from core.events import OutboundKind, OutboundMessage, SendResult
from core.i18n import gettext_noop
from core.text import local_phone, phone_key

PER_RECIPIENT_INTERVAL = 1.0
# An idempotency key is a signed 64-bit number: 30 bits of installation, 32 of outbox row.
_ROW_BITS = 32
_ROW_MASK = (1 << _ROW_BITS) - 1
_PREFIX_MASK = (1 << 30) - 1


class SmsTransport:
    def __init__(self, provider: Provider, line: Line, session: aiohttp.ClientSession, *,
                 sends_per_second: float, installation: bytes, price_per_part: int = 0) -> None:
        """`installation` tells this installation's idempotency keys from another's that
        uses the same provider account (core.secrets_at_rest.derived_key)."""
        self.price_per_part = price_per_part  # what the reply box's cost counts with
        self._key_prefix = int.from_bytes(installation[:4], "big") & _PREFIX_MASK
        self._provider = provider
        self._line = line
        self._session = session
        self._sends_per_second = sends_per_second

    def pacing(self, message: OutboundMessage) -> Sequence[Pace]:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return ()
        paces = [Pace("sms-recipient", f"{self._line.number}:{message.chat_id}",
                      PER_RECIPIENT_INTERVAL)]
        if self._sends_per_second > 0:
            paces.append(Pace.per_second("sms-line", self._line.number, self._sends_per_second))
        return tuple(paces)

    def reply_window(self, message: OutboundMessage) -> timedelta | None:
        return None

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.kind is OutboundKind.ACKNOWLEDGE:
            return SendResult()  # a pressed button has no spinner to stop on a phone
        if message.kind is OutboundKind.TEMPLATE:
            raise PermanentError(persian(gettext_noop(
                "Not sent: a text message cannot carry a messenger's template.")))
        number = phone_key(message.chat_id)
        if number is None:
            raise PermanentError(persian(gettext_noop(
                "Not sent: the phone number is not a valid mobile number.")))
        text = numbered_menu(message.text, message.buttons) if message.buttons else message.text
        message_id = await self._provider.send(self._session, self._line,
                                               receptor=local_phone(number), text=text,
                                               local_id=self.local_id(message.outbox_id))
        return SendResult(external_id=message_id)

    def local_id(self, outbox_id: int | None) -> int | None:
        """The provider's idempotency key for an outbox row: the row's id under this
        installation's prefix. A provider remembers keys for the whole account, so a bare
        row id would make a new database's first rows "repeats" of an old one's, never sent."""
        if outbox_id is None:
            return None
        return self._key_prefix << _ROW_BITS | (outbox_id & _ROW_MASK)
