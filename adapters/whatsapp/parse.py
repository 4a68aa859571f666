"""WhatsApp Cloud API webhook body → Pasokh events. Translation only: no I/O, no decisions.

One body may batch several entries, each with several changes, each with several messages
and statuses: every one of them is translated, in the order Meta sent them.
Each event's `raw` is the JSON text of the change `value` it came from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

import msgspec

from adapters.base import BadPayload, readable, unix_time
from adapters.whatsapp.payload import (
    CONTACT_DECODER,
    ENTRY_DECODER,
    ERROR_DECODER,
    ITEMS_DECODER,
    MESSAGE_DECODER,
    MESSAGE_HEAD_DECODER,
    MESSAGES_VALUE_DECODER,
    STATUS_DECODER,
    WEBHOOK_DECODER,
    Contact,
    Message,
    MessageHead,
    Status,
)
from core.events import (
    ChatType,
    EventKind,
    InboundEvent,
    MediaRef,
    MessageKind,
    Platform,
    Sender,
)

log = logging.getLogger(__name__)

WHATSAPP_OBJECT = "whatsapp_business_account"
_CONTACTS_TEXT_LIMIT = 200

ChannelLookup = Callable[[str], int | None]
_T = TypeVar("_T")


class _Content(NamedTuple):
    message_kind: MessageKind
    text: str | None = None
    media: MediaRef | None = None
    kind: EventKind = EventKind.MESSAGE
    button_payload: str | None = None
    route: dict[str, str] = {}  # never mutated: copied into each event's own dict


def parse_webhook(body: bytes, channel_for: ChannelLookup) -> list[InboundEvent]:
    """Every event in a webhook body, in order; BadPayload when the body is not a webhook.

    `channel_for(phone_number_id)` names Pasokh's channel for the business number a change
    is about; a change for a number it does not know is skipped with a log line.
    """
    body = readable(body)
    try:
        webhook = WEBHOOK_DECODER.decode(body)
    except msgspec.ValidationError as error:
        raise BadPayload(f"not a WhatsApp webhook: {error}") from None
    except msgspec.DecodeError:
        raise BadPayload("the body is not valid JSON") from None
    except RecursionError:
        raise BadPayload("the body is nested too deeply") from None
    if webhook.object != WHATSAPP_OBJECT:
        log.info("whatsapp: webhook for object %r, not %s; ignored", webhook.object,
                 WHATSAPP_OBJECT)
        return []
    events: list[InboundEvent] = []
    for entry_raw in webhook.entry:
        try:
            entry = ENTRY_DECODER.decode(entry_raw)
        except msgspec.DecodeError as error:
            log.error("whatsapp: an entry does not decode (%s); skipped", error)
            continue
        for change in entry.changes:
            if change.field != "messages":
                log.info("whatsapp: change field %r of account %s ignored", change.field,
                         entry.id)
                continue
            try:
                events.extend(_messages_change(change.value, entry.id, channel_for))
            except Exception:
                log.exception("whatsapp: a messages change of account %s did not translate; "
                              "skipped", entry.id)
    return events


def _messages_change(
    value_raw: msgspec.Raw, account: str, channel_for: ChannelLookup
) -> list[InboundEvent]:
    try:
        value = MESSAGES_VALUE_DECODER.decode(value_raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        log.error("whatsapp: a messages change of account %s has an unexpected shape (%s); "
                  "skipped", account, error)
        return []
    phone_number_id = value.metadata.phone_number_id
    channel_id = channel_for(phone_number_id)
    if channel_id is None:
        log.warning("whatsapp: no channel for phone_number_id %s; change skipped",
                    phone_number_id)
        return []
    for error in _each(value.errors, ERROR_DECODER, "error"):
        log.warning("whatsapp: Meta reports an error for phone_number_id %s: %s",
                    phone_number_id, error.describe())
    contacts = _each(value.contacts, CONTACT_DECODER, "contact")
    raw = bytes(value_raw).decode("utf-8", errors="replace")
    events: list[InboundEvent] = []
    for message_raw in value.messages:
        try:
            event = _message(message_raw, contacts, channel_id, raw)
        except Exception:
            # One message must not cost its batch: Meta would deliver it again forever.
            log.exception("whatsapp: a message of %s did not translate", phone_number_id)
            event = _untranslatable(message_raw, channel_id, raw)
        if event is not None:
            events.append(event)
    for status_raw in value.statuses:
        try:
            event = _status(status_raw, channel_id, raw)
        except Exception:
            log.exception("whatsapp: a status of %s did not translate; skipped",
                          phone_number_id)
            continue
        if event is not None:
            events.append(event)
    return events


def _each(items_raw: msgspec.Raw, decoder: msgspec.json.Decoder[_T], what: str) -> list[_T]:
    """The items of a list that decode; each one that does not is logged and left out."""
    try:
        items = ITEMS_DECODER.decode(items_raw)
    except (msgspec.DecodeError, RecursionError) as error:
        log.warning("whatsapp: the %ss are not a list (%s); left out", what, error)
        return []
    decoded = []
    for item in items:
        try:
            decoded.append(decoder.decode(item))
        except (msgspec.DecodeError, RecursionError) as error:
            log.warning("whatsapp: a %s does not decode (%s); left out", what, error)
    return decoded


# --- messages ----------------------------------------------------------------------------


def _message(
    message_raw: msgspec.Raw, contacts: list[Contact], channel_id: int, raw: str
) -> InboundEvent | None:
    message: MessageHead
    try:
        full = MESSAGE_DECODER.decode(message_raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        try:
            message = MESSAGE_HEAD_DECODER.decode(message_raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            log.error("whatsapp: a message without from/id skipped (%s)", error)
            return None
        log.warning("whatsapp: message %s of type %r does not decode (%s); unsupported",
                    message.id, message.type, error)
        content, route = _Content(MessageKind.UNSUPPORTED), {}
    else:
        message = full
        content = _content(full)
        route = {**content.route, **_route(full)}
        for problem in full.errors or ():
            log.info("whatsapp: message %s carries error %s", full.id, problem.describe())
    return InboundEvent(
        platform=Platform.WHATSAPP,
        channel_id=channel_id,
        kind=content.kind,
        external_id=message.id,
        sender=_sender(message.sender, contacts),
        chat_id=message.sender,
        chat_type=ChatType.PRIVATE,
        message_kind=content.message_kind,
        text=content.text,
        media=content.media,
        button_payload=content.button_payload,
        route=route,
        occurred_at=_when(message.timestamp),
        raw=raw,
    )


def _untranslatable(message_raw: msgspec.Raw, channel_id: int, raw: str) -> InboundEvent | None:
    """A message kept as unsupported with its raw payload, when it names its sender."""
    try:
        message = MESSAGE_HEAD_DECODER.decode(message_raw)
    except (msgspec.DecodeError, RecursionError):
        return None
    return InboundEvent(
        platform=Platform.WHATSAPP,
        channel_id=channel_id,
        kind=EventKind.MESSAGE,
        external_id=message.id,
        sender=Sender(external_id=message.sender, display_name="", phone=message.sender),
        chat_id=message.sender,
        chat_type=ChatType.PRIVATE,
        message_kind=MessageKind.UNSUPPORTED,
        occurred_at=_when(message.timestamp),
        raw=raw,
    )


def _content(message: Message) -> _Content:
    translate = _TRANSLATORS.get(message.type)
    content = translate(message) if translate is not None else None
    if content is None:
        log.info("whatsapp: message %s of type %r is not supported", message.id, message.type)
        return _Content(MessageKind.UNSUPPORTED)
    return content


def _text(message: Message) -> _Content | None:
    if message.text is None:
        return None
    return _Content(MessageKind.TEXT, text=message.text.body)


def _media(field_name: str, kind: MessageKind) -> Callable[[Message], _Content | None]:
    def translate(message: Message) -> _Content | None:
        media = getattr(message, field_name)
        if media is None:
            return None
        if field_name == "audio" and media.voice:
            message_kind = MessageKind.VOICE
        else:
            message_kind = kind
        file_name = media.filename if field_name == "document" else None
        ref = MediaRef(file_id=media.id, mime_type=media.mime_type, file_name=file_name)
        return _Content(message_kind, text=media.caption, media=ref)

    return translate


def _location(message: Message) -> _Content | None:
    if message.location is None:
        return None
    place = ", ".join(p for p in (message.location.name, message.location.address) if p)
    return _Content(MessageKind.LOCATION, text=place or None)


def _contacts(message: Message) -> _Content | None:
    if not message.contacts:
        return None
    cards = []
    for card in message.contacts:
        name = card.name
        full = ""
        if name is not None:
            full = name.formatted_name or " ".join(
                p for p in (name.first_name, name.last_name) if p)
        phones = ", ".join(p.phone for p in card.phones if p.phone)
        cards.append(" ".join(p for p in (full, phones) if p))
    text = "; ".join(c for c in cards if c)
    if len(text) > _CONTACTS_TEXT_LIMIT:
        text = text[: _CONTACTS_TEXT_LIMIT - 1] + "…"
    return _Content(MessageKind.CONTACT, text=text or None)


def _interactive(message: Message) -> _Content | None:
    interactive = message.interactive
    if interactive is None:
        return None
    reply = interactive.button_reply or interactive.list_reply
    if reply is None:  # e.g. nfm_reply (a WhatsApp Flow's answer): not a button we sent
        return None
    return _Content(MessageKind.BUTTON, text=reply.title, kind=EventKind.BUTTON,
                    button_payload=reply.id)


def _quick_reply(message: Message) -> _Content | None:
    if message.button is None:
        return None
    return _Content(MessageKind.BUTTON, text=message.button.text, kind=EventKind.BUTTON,
                    button_payload=message.button.payload)


def _reaction(message: Message) -> _Content | None:
    if message.reaction is None:
        return None
    route = {"reacted_to": message.reaction.message_id} if message.reaction.message_id else {}
    return _Content(MessageKind.REACTION, text=message.reaction.emoji or None, route=route)


def _order(message: Message) -> _Content | None:
    order = message.order
    if order is None:
        return None
    items = len(order.product_items)
    units = sum(item.quantity for item in order.product_items)
    summary = f"order: {items} item{'s' if items != 1 else ''} ({units} units)"
    if order.catalog_id:
        summary += f" from catalog {order.catalog_id}"
    if order.text:
        summary += f": {order.text}"
    return _Content(MessageKind.ORDER, text=summary)


def _system(message: Message) -> _Content | None:
    if message.system is None:
        return None
    return _Content(MessageKind.SERVICE, text=message.system.body or None)


_TRANSLATORS: dict[str, Callable[[Message], _Content | None]] = {
    "text": _text,
    "image": _media("image", MessageKind.PHOTO),
    "video": _media("video", MessageKind.VIDEO),
    "audio": _media("audio", MessageKind.AUDIO),
    "document": _media("document", MessageKind.DOCUMENT),
    "sticker": _media("sticker", MessageKind.STICKER),
    "location": _location,
    "contacts": _contacts,
    "interactive": _interactive,
    "button": _quick_reply,
    "reaction": _reaction,
    "order": _order,
    "system": _system,
    # "unsupported" and anything new: no translator, so UNSUPPORTED.
}


def _route(message: Message) -> dict[str, str]:
    route: dict[str, str] = {}
    if message.context is not None and message.context.id:
        route["reply_to"] = message.context.id
    if message.referral is not None:
        source = message.referral.source_url or message.referral.source_id
        if source:
            route["referral_source"] = source
    return route


def _sender(wa_id: str, contacts: list[Contact]) -> Sender:
    for contact in contacts:
        if contact.wa_id == wa_id:
            name = contact.profile.name if contact.profile is not None else ""
            return Sender(external_id=wa_id, display_name=name, phone=wa_id)
    return Sender(external_id=wa_id, display_name="", phone=wa_id)


# --- statuses ----------------------------------------------------------------------------


def _status(status_raw: msgspec.Raw, channel_id: int, raw: str) -> InboundEvent | None:
    try:
        status: Status = STATUS_DECODER.decode(status_raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        log.error("whatsapp: a status without id/status skipped (%s)", error)
        return None
    return InboundEvent(
        platform=Platform.WHATSAPP,
        channel_id=channel_id,
        kind=EventKind.STATUS,
        external_id=status.id,
        sender=Sender(external_id=status.recipient_id, display_name=""),
        chat_id=status.recipient_id,
        chat_type=ChatType.PRIVATE,
        message_kind=MessageKind.SERVICE,
        delivery_status=status.status,
        delivery_error=status.errors[0].describe() if status.errors else None,
        occurred_at=_when(status.timestamp),
        raw=raw,
    )


def _when(timestamp: str | int) -> datetime:
    return unix_time(timestamp, source="whatsapp")
