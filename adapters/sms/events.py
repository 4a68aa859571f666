"""A text's callbacks and polled answers as the inbox's events: one customer per phone
number, «۱۱» and «۱۲» as the opt-out buttons, a report as a status of the text it names."""

from __future__ import annotations

import logging
from datetime import datetime

from adapters.sms.provider import Received, Report
from core.actions import OPT_IN_PAYLOAD, OPT_OUT_PAYLOAD
from core.events import EventKind, InboundEvent, MessageKind, Platform, Sender
from core.text import local_phone, phone_key, strip_invisible, to_latin_digits, to_persian_digits

log = logging.getLogger(__name__)

# Iran's convention for service lines: a recipient answers 11 to leave a line's news and 12
# to come back. The flows confirm and keep the choice (flows/opt_out.py).
_CHOICES = {"11": OPT_OUT_PAYLOAD, "12": OPT_IN_PAYLOAD}


def received_event(callback: Received, channel_id: int, now: datetime) -> InboundEvent | None:
    phone = phone_key(callback.sender)
    if phone is None:
        log.warning("sms: a text from a sender without a number (%d characters) dropped",
                    len(callback.sender))
        return None
    choice = _CHOICES.get(to_latin_digits(strip_invisible(callback.text)).strip())
    return InboundEvent(
        platform=Platform.SMS, channel_id=channel_id, kind=EventKind.MESSAGE,
        external_id=f"in-{callback.message_id}",  # apart from the ids of texts we sent
        sender=Sender(external_id=phone, display_name=to_persian_digits(local_phone(phone)),
                      phone=phone, phone_proven=True),
        chat_id=phone, text=callback.text, occurred_at=now, raw=callback.text,
        message_kind=MessageKind.BUTTON if choice else MessageKind.TEXT,
        button_payload=choice)


def report_event(callback: Report, channel_id: int, now: datetime) -> InboundEvent:
    return InboundEvent(
        platform=Platform.SMS, channel_id=channel_id, kind=EventKind.STATUS,
        external_id=callback.message_id, sender=Sender(external_id="", display_name=""),
        chat_id="", delivery_status=callback.state, delivery_error=callback.reason,
        recipient_refuses=callback.blocked, occurred_at=now)
