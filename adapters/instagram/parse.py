"""Instagram webhook body → Pasokh events. Translation only: what to answer is the flows' job.

One body may carry several entries (one per business account), each with several
`messaging[]` items (direct messages) and `changes[]` items (comments, mentions). Every
item becomes at most one event, in the order Meta sent them, and keeps its own JSON as
`raw`. Items that do not decode, or mean nothing to support, are logged and skipped;
only a body that is not an Instagram webhook at all raises BadPayload.

Attachment URLs end up in MediaRef.file_id as references: this module never fetches them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from adapters.base import BadPayload, readable, unix_time
from adapters.instagram.payload import (
    BARE_DECODER,
    BODY_DECODER,
    CHANGE_DECODER,
    COMMENT_DECODER,
    ENTRY_DECODER,
    MENTION_DECODER,
    MESSAGING_DECODER,
    Attachment,
    Body,
    Entry,
    Message,
    MessageEdit,
    Messaging,
    Postback,
    Reaction,
    Read,
)
from core.events import EventKind, InboundEvent, MediaRef, MessageKind, Platform, Sender

log = logging.getLogger(__name__)

ChannelFor = Callable[[str], "int | None"]

_ATTACHMENT_KINDS = {
    "image": MessageKind.PHOTO,
    "video": MessageKind.VIDEO,
    "audio": MessageKind.AUDIO,
    "file": MessageKind.DOCUMENT,
    "sticker": MessageKind.STICKER,
    "like_heart": MessageKind.STICKER,
    "animated_image": MessageKind.ANIMATION,
    "share": MessageKind.PHOTO,  # a shared post: the payload URL is its preview image
    "ig_reel": MessageKind.VIDEO,
    "reel": MessageKind.VIDEO,
    "story_mention": MessageKind.STORY,
}
_COMMENT_FIELDS = frozenset({"comments", "live_comments"})


class _Item:
    """One messaging item with what every translator needs."""

    __slots__ = ("channel_id", "account_id", "entry_time", "raw", "item")

    def __init__(
        self, channel_id: int, account_id: str, entry_time: float, raw: str, item: Messaging
    ) -> None:
        self.channel_id = channel_id
        self.account_id = account_id
        self.entry_time = entry_time
        self.raw = raw
        self.item = item

    @property
    def sender_id(self) -> str:
        return _id(self.item.sender.id) if self.item.sender else ""

    @property
    def recipient_id(self) -> str:
        return _id(self.item.recipient.id) if self.item.recipient else ""

    @property
    def moment(self) -> datetime:
        return _when(self.item.timestamp or self.entry_time)

    def event(self, *, customer: str, **fields: Any) -> InboundEvent:
        return InboundEvent(
            platform=Platform.INSTAGRAM,
            channel_id=self.channel_id,
            sender=Sender(external_id=customer, display_name=""),  # IG webhooks carry no name
            chat_id=customer,
            occurred_at=self.moment,
            raw=self.raw,
            **fields,
        )


def parse_webhook(body: bytes, channel_for: ChannelFor) -> list[InboundEvent]:
    """Every event in an Instagram webhook body, in order.

    `channel_for(account_id)` names Pasokh's channel for the business account an entry is
    about (`entry[].id`); an entry for an account it does not know is skipped."""
    body = readable(body)
    try:
        envelope: Body = BODY_DECODER.decode(body)
    except msgspec.ValidationError as error:
        raise BadPayload(f"not an Instagram webhook body: {error}") from None
    except msgspec.DecodeError:
        raise BadPayload("the body is not valid JSON") from None
    except RecursionError:
        raise BadPayload("the body is nested too deeply") from None
    events: list[InboundEvent] = []
    for entry_raw in envelope.entry:
        try:
            entry = ENTRY_DECODER.decode(entry_raw)
        except msgspec.DecodeError as error:
            log.warning("instagram: an entry does not decode (%s); skipped", error)
            continue
        account_id = _id(entry.id)
        channel_id = channel_for(account_id)
        if channel_id is None:
            log.warning("instagram: entry for account %s, which no channel serves; skipped",
                        account_id)
            continue
        events.extend(_entry_events(entry, account_id, channel_id))
    return events


def _entry_events(entry: Entry, account_id: str, channel_id: int) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    entry_time = _number(entry.time)
    for raw in entry.messaging or ():
        try:
            event = _messaging_event(raw, account_id, channel_id, entry_time)
        except Exception as error:
            # One item must not cost its batch: Meta would deliver it again forever.
            log.exception("instagram: a messaging item for account %s did not translate",
                          account_id)
            event = _undecodable(raw, bytes(raw).decode(), account_id, channel_id, entry_time,
                                 error)
        if event is not None:
            events.append(event)
    for raw in entry.changes or ():
        try:
            event = _change_event(raw, account_id, channel_id, entry_time)
        except Exception:
            log.exception("instagram: a change for account %s did not translate; skipped",
                          account_id)
            continue
        if event is not None:
            events.append(event)
    if entry.standby:
        log.info("instagram: %d standby item(s) for account %s (another app owns the "
                 "thread); ignored", len(entry.standby), account_id)
    return events


# --- messaging[] ---------------------------------------------------------------------


def _messaging_event(
    raw: msgspec.Raw, account_id: str, channel_id: int, entry_time: float
) -> InboundEvent | None:
    text = bytes(raw).decode()
    try:
        item = MESSAGING_DECODER.decode(raw)
    except msgspec.DecodeError as error:  # ValidationError is a DecodeError
        return _undecodable(raw, text, account_id, channel_id, entry_time, error)
    context = _Item(channel_id, account_id, entry_time, text, item)
    kind = item.kind()
    translate = _TRANSLATORS.get(kind)
    if translate is None:
        return _unsupported(context, kind)
    return translate(getattr(item, kind), context)


def _undecodable(
    raw: msgspec.Raw, text: str, account_id: str, channel_id: int, entry_time: float,
    error: Exception,
) -> InboundEvent | None:
    try:
        bare = BARE_DECODER.decode(raw)
    except msgspec.DecodeError:
        log.warning("instagram: messaging item for account %s is not an object (%s); skipped",
                    account_id, error)
        return None
    item = Messaging(sender=bare.sender, recipient=bare.recipient,
                     timestamp=_number(bare.timestamp))
    log.warning("instagram: messaging item for account %s did not decode (%s)", account_id,
                error)
    return _unsupported(_Item(channel_id, account_id, entry_time, text, item), "undecodable")


def _unsupported(context: _Item, kind: str) -> InboundEvent | None:
    customer = _customer(context)
    if not customer:
        log.info("instagram: %s item for account %s has no sender; skipped",
                 kind, context.account_id)
        return None
    log.info("instagram: %s item from %s has no meaning for support; kept as unsupported",
             kind, customer)
    return context.event(
        customer=customer,
        kind=EventKind.MESSAGE,
        external_id=f"{kind}:{customer}:{_stamp(context.item.timestamp)}",
        message_kind=MessageKind.UNSUPPORTED,
    )


def _message(message: Message, context: _Item) -> InboundEvent | None:
    echo = message.is_echo
    customer = context.recipient_id if echo else context.sender_id
    if not customer:
        log.info("instagram: message %s for account %s names no customer; skipped",
                 message.mid, context.account_id)
        return None
    external_id = message.mid or f"message:{customer}:{_stamp(context.item.timestamp)}"
    if message.is_deleted:
        return context.event(customer=customer, kind=EventKind.DELETE, external_id=external_id,
                             message_kind=MessageKind.SERVICE)
    message_kind, media = _content(message)
    route: dict[str, str] = {}
    story = message.reply_to.story if message.reply_to else None
    if story is not None:
        message_kind = MessageKind.STORY
        if story.id is not None:
            route["story_id"] = _id(story.id)
        if media is None and story.url:
            media = MediaRef(file_id=story.url)
    if message.reply_to and message.reply_to.mid:
        route["reply_to"] = message.reply_to.mid
    button = message.quick_reply.payload if message.quick_reply else None
    if echo:
        kind = EventKind.ECHO
    elif button is not None:
        kind, message_kind = EventKind.BUTTON, MessageKind.BUTTON
    else:
        kind = EventKind.MESSAGE
    return context.event(
        customer=customer,
        kind=kind,
        external_id=external_id,
        message_kind=message_kind,
        text=message.text,
        media=media,
        button_payload=button,
        route=route,
    )


def _postback(postback: Postback, context: _Item) -> InboundEvent | None:
    customer = context.sender_id
    if not customer:
        log.info("instagram: postback for account %s has no sender; skipped",
                 context.account_id)
        return None
    return context.event(
        customer=customer,
        kind=EventKind.BUTTON,
        external_id=postback.mid or f"postback:{customer}:{_stamp(context.item.timestamp)}",
        message_kind=MessageKind.BUTTON,
        text=postback.title,
        button_payload=postback.payload,
    )


def _reaction(reaction: Reaction, context: _Item) -> InboundEvent | None:
    customer = context.sender_id
    if not customer or customer == context.account_id:
        log.info("instagram: reaction to %s for account %s is not the customer's; skipped",
                 reaction.mid, context.account_id)
        return None
    text = None if reaction.action == "unreact" else (reaction.emoji or reaction.reaction)
    return context.event(
        customer=customer,
        kind=EventKind.MESSAGE,
        external_id=f"reaction:{reaction.mid}:{customer}:{_stamp(context.item.timestamp)}",
        message_kind=MessageKind.REACTION,
        text=text,
        route={"reacted_to": reaction.mid},
    )


def _read(read: Read, context: _Item) -> InboundEvent | None:
    customer = context.sender_id
    if read.mid:
        external_id = read.mid
    elif read.watermark is not None:
        external_id = f"watermark:{_stamp(read.watermark)}"
    else:
        external_id = ""
    if not customer or not external_id:
        log.info("instagram: read receipt for account %s names no sender or message; skipped",
                 context.account_id)
        return None
    return context.event(customer=customer, kind=EventKind.READ, external_id=external_id,
                         message_kind=MessageKind.SERVICE)


def _edit(edit: MessageEdit, context: _Item) -> InboundEvent | None:
    customer = context.sender_id
    if not customer or not edit.mid:
        log.info("instagram: edit for account %s names no sender or message; skipped",
                 context.account_id)
        return None
    return context.event(customer=customer, kind=EventKind.EDIT, external_id=edit.mid,
                         text=edit.text)


_TRANSLATORS: dict[str, Callable[[Any, _Item], InboundEvent | None]] = {
    "message": _message,
    "postback": _postback,
    "reaction": _reaction,
    "read": _read,
    "message_edit": _edit,
}


def _customer(context: _Item) -> str:
    """The customer's IGSID: the sender, unless the business itself sent the item."""
    sender = context.sender_id
    if sender and sender == context.account_id:
        return context.recipient_id
    return sender


def _content(message: Message) -> tuple[MessageKind, MediaRef | None]:
    """The kind and media of a message; of several attachments, the first one counts."""
    if message.attachments:
        first: Attachment = message.attachments[0]
        url = first.payload.url if first.payload else None
        media = MediaRef(file_id=url) if url else None
        return _ATTACHMENT_KINDS.get(first.type, MessageKind.UNSUPPORTED), media
    if message.text is not None:
        return MessageKind.TEXT, None
    return MessageKind.UNSUPPORTED, None


# --- changes[] -----------------------------------------------------------------------


def _change_event(
    raw: msgspec.Raw, account_id: str, channel_id: int, entry_time: float
) -> InboundEvent | None:
    text = bytes(raw).decode()
    try:
        change = CHANGE_DECODER.decode(raw)
    except msgspec.DecodeError as error:
        log.warning("instagram: change for account %s did not decode (%s); skipped",
                    account_id, error)
        return None
    if change.field not in _COMMENT_FIELDS and change.field != "mentions":
        log.info("instagram: change of field %r for account %s has no meaning for support; "
                 "ignored", change.field, account_id)
        return None
    try:
        if change.field == "mentions":
            return _mention(change.value, account_id, channel_id, entry_time, text)
        return _comment(change.value, change.field, account_id, channel_id, entry_time, text)
    except msgspec.DecodeError as error:
        log.warning("instagram: %s change for account %s did not decode (%s); skipped",
                    change.field, account_id, error)
        return None


def _comment(
    value: msgspec.Raw, field: str, account_id: str, channel_id: int, entry_time: float,
    raw: str,
) -> InboundEvent | None:
    comment = COMMENT_DECODER.decode(value)
    comment_id = _id(comment.id)
    author = comment.sender
    if author is not None and _id(author.id) == account_id:
        log.info("instagram: comment %s is the business's own; ignored", comment_id)
        return None
    route = {"comment_id": comment_id, "source": field}
    if comment.media is not None:
        route["media_id"] = _id(comment.media.id)
    if comment.parent_id is not None:
        route["parent_id"] = _id(comment.parent_id)
    author_id = _id(author.id) if author else ""
    return InboundEvent(
        platform=Platform.INSTAGRAM,
        channel_id=channel_id,
        kind=EventKind.MESSAGE,
        external_id=f"comment:{comment_id}",
        sender=_commenter(author),
        chat_id=author_id or f"comment:{comment_id}",
        message_kind=MessageKind.COMMENT,
        text=comment.text,
        route=route,
        occurred_at=_when(entry_time),
        raw=raw,
    )


def _mention(
    value: msgspec.Raw, account_id: str, channel_id: int, entry_time: float, raw: str
) -> InboundEvent | None:
    mention = MENTION_DECODER.decode(value)
    if mention.comment_id is None and mention.media_id is None:
        log.info("instagram: mention for account %s names neither comment nor media; skipped",
                 account_id)
        return None
    route = {"source": "mentions"}
    if mention.media_id is not None:
        route["media_id"] = _id(mention.media_id)
    if mention.comment_id is not None:
        route["comment_id"] = _id(mention.comment_id)
        external_id = f"comment:{route['comment_id']}"
    else:  # a mention in a caption: the media is all there is
        external_id = f"mention:{route['media_id']}"
    author = mention.sender
    return InboundEvent(
        platform=Platform.INSTAGRAM,
        channel_id=channel_id,
        kind=EventKind.MESSAGE,
        external_id=external_id,
        sender=_commenter(author),
        # Meta names no author: the mention's own id keeps it apart until someone looks.
        chat_id=_id(author.id) if author else external_id,
        message_kind=MessageKind.COMMENT,
        text=mention.text,
        route=route,
        occurred_at=_when(entry_time),
        raw=raw,
    )


def _commenter(author: Any) -> Sender:
    if author is None:
        return Sender(external_id="", display_name="")
    username = author.username or None
    return Sender(external_id=_id(author.id), display_name=username or "", username=username)


# --- small things --------------------------------------------------------------------


def _id(value: str | int) -> str:
    return str(value)


def _number(value: float | str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


def _stamp(value: float) -> str:
    try:
        return str(int(value))
    except (OverflowError, ValueError):  # inf, nan: still the same text on redelivery
        return str(value)


def _when(timestamp: float) -> datetime:
    """Meta's `timestamp` is in milliseconds; `entry.time` is in seconds on the changes
    (comments) side and milliseconds on the messaging side, so the size decides."""
    seconds = timestamp / 1000 if timestamp > 100_000_000_000 else timestamp
    return unix_time(seconds, source="instagram")
