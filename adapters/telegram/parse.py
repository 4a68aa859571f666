"""Telegram Update → Pasokh events. Translation only: what to answer is the flows' job.

Bale's Bot API sends the same Update shape, so its adapter parses with these functions and
names its own platform (`platform`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.base import BadPayload, readable, unix_time
from adapters.telegram.updates import (
    UPDATE_DECODER,
    CallbackQuery,
    ChatMemberUpdated,
    Message,
    Update,
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

_CHAT_TYPES = {"private": ChatType.PRIVATE, "group": ChatType.GROUP,
               "supergroup": ChatType.GROUP, "channel": ChatType.CHANNEL}

# First match wins: an animation also carries `document`, a venue also carries `location`.
_MEDIA_KINDS: tuple[tuple[str, MessageKind], ...] = (
    ("animation", MessageKind.ANIMATION),
    ("video", MessageKind.VIDEO),
    ("video_note", MessageKind.VIDEO_NOTE),
    ("voice", MessageKind.VOICE),
    ("audio", MessageKind.AUDIO),
    ("document", MessageKind.DOCUMENT),
    ("sticker", MessageKind.STICKER),
)
_OTHER_KINDS: tuple[tuple[str, MessageKind], ...] = (
    ("venue", MessageKind.VENUE),
    ("location", MessageKind.LOCATION),
    ("contact", MessageKind.CONTACT),
    ("poll", MessageKind.POLL),
    ("dice", MessageKind.DICE),
    ("new_chat_members", MessageKind.SERVICE),
    ("left_chat_member", MessageKind.SERVICE),
    ("pinned_message", MessageKind.SERVICE),
    ("new_chat_title", MessageKind.SERVICE),
    ("forum_topic_created", MessageKind.SERVICE),
    ("successful_payment", MessageKind.SERVICE),
)
_BLOCKING_STATUSES = {"kicked": EventKind.BLOCKED, "member": EventKind.UNBLOCKED}


def parse_update(body: bytes, channel_id: int,
                 platform: Platform = Platform.TELEGRAM) -> list[InboundEvent]:
    body = readable(body)
    try:
        update = UPDATE_DECODER.decode(body)
    except msgspec.ValidationError as error:
        return _unvalidated(body, channel_id, error, platform)
    except msgspec.DecodeError:
        raise BadPayload("the body is not valid JSON") from None
    except RecursionError:
        raise BadPayload("the body is nested too deeply") from None
    return events_of(update, channel_id, raw=body.decode(), platform=platform)


def _unvalidated(body: bytes, channel_id: int, error: Exception,
                 platform: Platform) -> list[InboundEvent]:
    """An update whose fields are not Telegram's types (a date past 64 bits, a string for a
    number): kept as unsupported in the chat it names, or BadPayload when it names none."""
    try:
        update = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        update = None
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise BadPayload(f"not a Bot API update: {error}")
    log.warning("%s: update %.40r does not decode (%s); kept as unsupported",
                platform.value, update["update_id"], error)
    for item in update.values():
        if not isinstance(item, dict):
            continue
        chat = item.get("chat") or (item.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int | str):
            chat_id = str(chat["id"])[:64]
            return [InboundEvent(
                platform=platform,
                channel_id=channel_id,
                kind=EventKind.MESSAGE,
                external_id=f"{chat_id}:update:{str(update['update_id'])[:40]}",
                sender=Sender(external_id=chat_id, display_name=""),
                chat_id=chat_id,
                chat_type=_CHAT_TYPES.get(str(chat.get("type")), ChatType.GROUP),
                message_kind=MessageKind.UNSUPPORTED,
                occurred_at=datetime.now(UTC),
                raw=body.decode(),
            )]
    log.warning("%s: update %.40r names no chat; dropped", platform.value, update["update_id"])
    return []


def parse_polled(update: dict[str, Any], channel_id: int,
                 platform: Platform = Platform.TELEGRAM) -> list[InboundEvent]:
    """An update from getUpdates, already decoded by the HTTP client."""
    try:
        typed = msgspec.convert(update, Update)
    except msgspec.ValidationError as error:
        raise BadPayload(f"not a Bot API update: {error}") from None
    return events_of(typed, channel_id, raw=msgspec.json.encode(update).decode(),
                     platform=platform)


def events_of(update: Update, channel_id: int, raw: str,
              platform: Platform = Platform.TELEGRAM) -> list[InboundEvent]:
    kind = update.kind()
    translate = _TRANSLATORS.get(kind)
    if translate is None:
        log.info("%s: update %s of kind %s has no meaning for support; ignored",
                 platform.value, update.update_id, kind)
        return []
    try:
        event = translate(getattr(update, kind), channel_id, raw, platform)
    except Exception:
        # A proven update is the platform's: answering 500 would bring it back forever.
        log.exception("%s: update %s of kind %s did not translate", platform.value,
                      update.update_id, kind)
        event = _untranslatable(getattr(update, kind), channel_id, raw, platform)
    return [event] if event is not None else []


def _untranslatable(item: Any, channel_id: int, raw: str,
                    platform: Platform) -> InboundEvent | None:
    """The update kept as an unsupported message with its raw payload, when it names a
    chat to keep it in; otherwise it is only logged."""
    chat = getattr(item, "chat", None) or getattr(getattr(item, "message", None), "chat", None)
    if chat is None:
        return None
    message_id = getattr(item, "message_id", None) or getattr(item, "id", "")
    return InboundEvent(
        platform=platform,
        channel_id=channel_id,
        kind=EventKind.MESSAGE,
        external_id=f"{chat.id}:{message_id}",
        sender=Sender(external_id=str(chat.id), display_name=""),
        chat_id=str(chat.id),
        chat_type=_CHAT_TYPES.get(chat.type, ChatType.GROUP),
        message_kind=MessageKind.UNSUPPORTED,
        occurred_at=datetime.now(UTC),
        raw=raw,
    )


def _message(message: Message, channel_id: int, raw: str, platform: Platform) -> InboundEvent:
    return _from_message(message, channel_id, raw, platform, EventKind.MESSAGE)


def _edited(message: Message, channel_id: int, raw: str, platform: Platform) -> InboundEvent:
    return _from_message(message, channel_id, raw, platform, EventKind.EDIT)


def _from_message(message: Message, channel_id: int, raw: str, platform: Platform,
                  kind: EventKind) -> InboundEvent:
    message_kind, media = _content(message)
    moment = message.edit_date if kind is EventKind.EDIT and message.edit_date else message.date
    return InboundEvent(
        platform=platform,
        channel_id=channel_id,
        kind=kind,
        external_id=f"{message.chat.id}:{message.message_id}",
        sender=_sender(message),
        chat_id=str(message.chat.id),
        chat_type=_CHAT_TYPES.get(message.chat.type, ChatType.GROUP),
        message_kind=message_kind,
        text=message.text if message.text is not None else message.caption,
        media=media,
        route=_route(message),
        occurred_at=_when(moment, platform),
        raw=raw,
    )


def _callback(query: CallbackQuery, channel_id: int, raw: str,
              platform: Platform) -> InboundEvent:
    chat_id = query.message.chat.id if query.message else query.sender.id
    chat_type = query.message.chat.type if query.message else "private"
    return InboundEvent(
        platform=platform,
        channel_id=channel_id,
        kind=EventKind.BUTTON,
        external_id=f"callback:{query.id}",
        sender=_user_sender(query.sender),
        chat_id=str(chat_id),
        chat_type=_CHAT_TYPES.get(chat_type, ChatType.GROUP),
        message_kind=MessageKind.BUTTON,
        button_payload=query.data,
        ack_token=query.id,
        route=_route(query.message) if query.message else {},
        occurred_at=datetime.now(UTC),  # a callback query carries no date
        raw=raw,
    )


def _membership(change: ChatMemberUpdated, channel_id: int, raw: str,
                platform: Platform) -> InboundEvent | None:
    kind = _BLOCKING_STATUSES.get(change.new_chat_member.status)
    if change.chat.type != "private" or kind is None:
        log.info("%s: bot membership in chat %s is now %s; nothing to do",
                 platform.value, change.chat.id, change.new_chat_member.status)
        return None
    return InboundEvent(
        platform=platform,
        channel_id=channel_id,
        kind=kind,
        external_id=f"member:{change.chat.id}:{change.date}:{change.new_chat_member.status}",
        sender=_user_sender(change.sender),
        chat_id=str(change.chat.id),
        message_kind=MessageKind.SERVICE,
        occurred_at=_when(change.date, platform),
        raw=raw,
    )


_TRANSLATORS: dict[str, Callable[[Any, int, str, Platform], InboundEvent | None]] = {
    "message": _message,
    "business_message": _message,
    "edited_message": _edited,
    "edited_business_message": _edited,
    "callback_query": _callback,
    "my_chat_member": _membership,
}


def _content(message: Message) -> tuple[MessageKind, MediaRef | None]:
    if message.photo:
        largest = message.photo[-1]  # Telegram lists sizes smallest first
        return MessageKind.PHOTO, MediaRef(file_id=largest.file_id, size=largest.file_size,
                                           mime_type="image/jpeg")
    for field_name, kind in _MEDIA_KINDS:
        file = getattr(message, field_name)
        if file is not None:
            return kind, MediaRef(file_id=file.file_id, mime_type=file.mime_type,
                                  file_name=file.file_name, size=file.file_size)
    if message.text is not None:
        return MessageKind.TEXT, None
    for field_name, kind in _OTHER_KINDS:
        if getattr(message, field_name) is not None:
            return kind, None
    return MessageKind.UNSUPPORTED, None


def _sender(message: Message) -> Sender:
    if message.sender is not None:
        sender = _user_sender(message.sender)
        contact = message.contact
        if contact is not None and contact.user_id == message.sender.id:
            # The customer shared their own number ("share my phone"): it links them to
            # the same person on WhatsApp.
            return replace(sender, phone=contact.phone_number)
        return sender
    chat = message.sender_chat or message.chat
    return Sender(external_id=str(chat.id), display_name=chat.title or chat.first_name or "",
                  username=chat.username)


def _user_sender(user: Any) -> Sender:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return Sender(external_id=str(user.id), display_name=name, username=user.username,
                  language=user.language_code)


def _route(message: Message) -> dict[str, str]:
    route: dict[str, str] = {}
    if message.business_connection_id:
        route["business_connection_id"] = message.business_connection_id
    if message.is_topic_message and message.message_thread_id is not None:
        route["message_thread_id"] = str(message.message_thread_id)
    return route


def _when(timestamp: int, platform: Platform) -> datetime:
    return unix_time(timestamp, source=platform)  # a StrEnum: `.value` costs a lookup
