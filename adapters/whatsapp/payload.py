"""The parts of a WhatsApp Cloud API webhook body that support needs, decoded from JSON.

Two layers, so that one odd message cannot cost the whole batch:

* the envelope (`Webhook` → `Entry` → `Change`) is strict: a body that is not
  `{"object": ..., "entry": [{"changes": [{"field": ..., "value": ...}]}]}` is not a webhook;
* a change's `value` stays `msgspec.Raw` until its `field` says what it is, and each message
  and status inside a `messages` value is decoded on its own (see `parse.py`).

Fields are optional wherever Meta may leave them out (statuses without `conversation`,
system messages without `contacts`, messages whose content Meta could not decode). Unknown
fields are ignored, so new Graph API versions do not break us.
"""

from __future__ import annotations

from typing import Any

import msgspec

# Decoded only to learn that it is there; its contents are not used.
Ignored = dict[str, Any]


# --- envelope ---------------------------------------------------------------------------


class Change(msgspec.Struct, kw_only=True):
    field: str = ""
    value: msgspec.Raw


class Entry(msgspec.Struct, kw_only=True):
    id: str = ""
    changes: list[Change] = []


class Webhook(msgspec.Struct, kw_only=True):
    object: str
    entry: list[msgspec.Raw]  # decoded one by one: a broken entry costs only itself


# --- the value of a `messages` change -----------------------------------------------------


class Metadata(msgspec.Struct, kw_only=True):
    phone_number_id: str
    display_phone_number: str = ""


class Profile(msgspec.Struct, kw_only=True):
    name: str = ""


class Contact(msgspec.Struct, kw_only=True):
    wa_id: str = ""
    profile: Profile | None = None


class Error(msgspec.Struct, kw_only=True):
    code: int | str | None = None
    title: str = ""
    message: str = ""
    error_data: dict[str, Any] | None = None

    def describe(self) -> str:
        """"code: title (details)", leaving out what Meta left out."""
        title = self.title or self.message or "unknown error"
        text = f"{self.code}: {title}" if self.code is not None else title
        details = (self.error_data or {}).get("details")
        return f"{text} ({details})" if details else text


class MessagesValue(msgspec.Struct, kw_only=True):
    metadata: Metadata
    # Decoded one by one (see parse.py): one broken item, or a broken list of contacts or
    # errors, must not cost the messages beside it.
    contacts: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"[]"))
    messages: list[msgspec.Raw] = []
    statuses: list[msgspec.Raw] = []
    errors: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"[]"))


# --- one inbound message ----------------------------------------------------------------


class Text(msgspec.Struct, kw_only=True):
    body: str = ""


class Media(msgspec.Struct, kw_only=True):
    id: str
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None  # documents only
    voice: bool = False  # audio only: recorded in the app, not an attached file
    animated: bool = False  # stickers only


class Location(msgspec.Struct, kw_only=True):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None


class ContactName(msgspec.Struct, kw_only=True):
    formatted_name: str = ""
    first_name: str = ""
    last_name: str = ""


class ContactPhone(msgspec.Struct, kw_only=True):
    phone: str = ""
    wa_id: str | None = None


class SharedContact(msgspec.Struct, kw_only=True):
    name: ContactName | None = None
    phones: list[ContactPhone] = []


class Reply(msgspec.Struct, kw_only=True):
    id: str
    title: str = ""
    description: str | None = None


class Interactive(msgspec.Struct, kw_only=True):
    type: str = ""
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class QuickReply(msgspec.Struct, kw_only=True):
    payload: str = ""
    text: str = ""


class Reaction(msgspec.Struct, kw_only=True):
    message_id: str = ""
    emoji: str = ""  # empty: the customer removed their reaction


class ProductItem(msgspec.Struct, kw_only=True):
    product_retailer_id: str = ""
    quantity: int = 1
    item_price: float | None = None
    currency: str | None = None


class Order(msgspec.Struct, kw_only=True):
    catalog_id: str = ""
    text: str = ""
    product_items: list[ProductItem] = []


class System(msgspec.Struct, kw_only=True):
    body: str = ""
    type: str = ""
    wa_id: str | None = None


class Context(msgspec.Struct, kw_only=True):
    id: str | None = None  # the message replied to; absent on forwards
    forwarded: bool = False
    frequently_forwarded: bool = False


class Referral(msgspec.Struct, kw_only=True):
    source_url: str | None = None
    source_id: str | None = None
    source_type: str | None = None


class MessageHead(msgspec.Struct, kw_only=True):
    """What every message has: enough for an UNSUPPORTED event when the rest does not decode."""

    sender: str = msgspec.field(name="from")
    id: str
    timestamp: str | int = 0
    type: str = "unknown"


class Message(MessageHead, kw_only=True):
    text: Text | None = None
    image: Media | None = None
    video: Media | None = None
    audio: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: list[SharedContact] | None = None
    interactive: Interactive | None = None
    button: QuickReply | None = None
    reaction: Reaction | None = None
    order: Order | None = None
    system: System | None = None
    context: Context | None = None
    referral: Referral | None = None
    errors: list[Error] | None = None


# --- one status of a message we sent -----------------------------------------------------


class Status(msgspec.Struct, kw_only=True):
    id: str
    status: str
    timestamp: str | int = 0
    recipient_id: str = ""
    errors: list[Error] = []
    conversation: Ignored | None = None
    pricing: Ignored | None = None


WEBHOOK_DECODER = msgspec.json.Decoder(Webhook)
ENTRY_DECODER = msgspec.json.Decoder(Entry)
MESSAGES_VALUE_DECODER = msgspec.json.Decoder(MessagesValue)
MESSAGE_DECODER = msgspec.json.Decoder(Message)
ITEMS_DECODER = msgspec.json.Decoder(list[msgspec.Raw])
CONTACT_DECODER = msgspec.json.Decoder(Contact)
ERROR_DECODER = msgspec.json.Decoder(Error)
MESSAGE_HEAD_DECODER = msgspec.json.Decoder(MessageHead)
STATUS_DECODER = msgspec.json.Decoder(Status)
