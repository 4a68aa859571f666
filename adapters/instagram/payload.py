"""The parts of an Instagram webhook body that support needs, decoded straight from JSON.

Two levels, so that one odd item never costs the others: the envelope (`Body`, `Entry`)
is decoded strictly and keeps each `messaging[]` item and `changes[]` item as raw JSON;
each item is then decoded on its own (`Messaging`, `Change`, `Comment`, `Mention`).
Fields are optional wherever Meta may leave them out; unknown fields are ignored, so new
Graph API versions do not break us. Ids are strings in Meta's payloads, but an integer is
accepted too (and turned into a string by the parser).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

# Decoded only to learn that it is there; its contents are not used.
Ignored = dict[str, Any]
Id = str | int
Moment = int | float


class Entry(msgspec.Struct, kw_only=True):
    id: Id  # the business's Instagram account (or Page) the entry is about
    time: Moment | str | None = 0  # only a fallback for items without a time: never fatal
    messaging: list[msgspec.Raw] | None = None
    changes: list[msgspec.Raw] | None = None
    standby: list[msgspec.Raw] | None = None  # handover protocol: another app owns the thread


class Body(msgspec.Struct, kw_only=True):
    object: Literal["instagram", "page"]
    entry: list[msgspec.Raw]  # decoded one by one: a broken entry costs only itself


# --- messaging[] ---------------------------------------------------------------------


class Party(msgspec.Struct, kw_only=True):
    id: Id


class AttachmentPayload(msgspec.Struct, kw_only=True):
    url: str | None = None
    title: str | None = None
    sticker_id: Id | None = None


class Attachment(msgspec.Struct, kw_only=True):
    type: str = ""
    payload: AttachmentPayload | None = None


class Story(msgspec.Struct, kw_only=True):
    id: Id | None = None
    url: str | None = None


class ReplyTo(msgspec.Struct, kw_only=True):
    mid: str | None = None  # a reply to one of the messages in the thread
    story: Story | None = None  # the customer answered one of the business's stories


class QuickReply(msgspec.Struct, kw_only=True):
    payload: str | None = None


class Message(msgspec.Struct, kw_only=True):
    mid: str = ""
    text: str | None = None
    attachments: list[Attachment] | None = None
    quick_reply: QuickReply | None = None
    reply_to: ReplyTo | None = None
    is_echo: bool = False
    is_deleted: bool = False
    is_unsupported: bool = False
    referral: Ignored | None = None


class Postback(msgspec.Struct, kw_only=True):
    mid: str | None = None
    title: str | None = None
    payload: str | None = None


class Reaction(msgspec.Struct, kw_only=True):
    mid: str = ""
    action: str = "react"  # or "unreact"
    reaction: str | None = None  # a name such as "love"
    emoji: str | None = None


class Read(msgspec.Struct, kw_only=True):
    mid: str | None = None
    watermark: Moment | None = None


class MessageEdit(msgspec.Struct, kw_only=True):
    mid: str = ""
    text: str | None = None
    num_edit: int | str | None = None  # Meta's reference shows it as a string placeholder


class Messaging(msgspec.Struct, kw_only=True):
    sender: Party | None = None
    recipient: Party | None = None
    timestamp: Moment = 0
    message: Message | None = None
    postback: Postback | None = None
    reaction: Reaction | None = None
    read: Read | None = None
    message_edit: MessageEdit | None = None
    # Kinds with no meaning for a support inbox: recognised so that the log can name them.
    referral: Ignored | None = None
    optin: Ignored | None = None
    delivery: Ignored | None = None
    pass_thread_control: Ignored | None = None
    take_thread_control: Ignored | None = None
    request_thread_control: Ignored | None = None

    def kind(self) -> str:
        for name in self.__struct_fields__:
            if name not in _ENVELOPE and getattr(self, name) is not None:
                return name
        return "unknown"


_ENVELOPE = frozenset({"sender", "recipient", "timestamp"})


class Bare(msgspec.Struct, kw_only=True):
    """What is left of a messaging item whose content did not decode: who, and when."""

    sender: Party | None = None
    recipient: Party | None = None
    timestamp: Moment | str = 0  # a string is not a time, but the sender still counts


# --- changes[] -----------------------------------------------------------------------


class Change(msgspec.Struct, kw_only=True):
    field: str
    value: msgspec.Raw = msgspec.Raw(b"null")  # decoded per field, once the field is known


class Commenter(msgspec.Struct, kw_only=True):
    id: Id
    username: str | None = None


class Media(msgspec.Struct, kw_only=True):
    id: Id
    media_product_type: str | None = None


class Comment(msgspec.Struct, kw_only=True):
    """Field `comments` or `live_comments`: someone commented on the business's media."""

    id: Id
    text: str | None = None
    sender: Commenter | None = msgspec.field(default=None, name="from")
    media: Media | None = None
    parent_id: Id | None = None  # the comment this one answers


class Mention(msgspec.Struct, kw_only=True):
    """Field `mentions`: the business was @mentioned in a comment or a caption.

    Meta sends only ids; who wrote it has to be asked from the Graph API."""

    media_id: Id | None = None
    comment_id: Id | None = None  # absent for a mention in a caption
    text: str | None = None
    sender: Commenter | None = msgspec.field(default=None, name="from")


BODY_DECODER = msgspec.json.Decoder(Body)
ENTRY_DECODER = msgspec.json.Decoder(Entry)
MESSAGING_DECODER = msgspec.json.Decoder(Messaging)
BARE_DECODER = msgspec.json.Decoder(Bare)
CHANGE_DECODER = msgspec.json.Decoder(Change)
COMMENT_DECODER = msgspec.json.Decoder(Comment)
MENTION_DECODER = msgspec.json.Decoder(Mention)
