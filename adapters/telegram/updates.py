"""The parts of Telegram's Update that support needs, decoded straight from JSON.

Fields are optional wherever Telegram (or an older Bot API version) may leave them out:
the official examples omit `is_bot`, channel posts have no `from`, callback queries may
lack `message`. Unknown fields are ignored, so new Bot API versions do not break us.
"""

from __future__ import annotations

from typing import Any

import msgspec

# Decoded only to learn that it is there; its contents are not used.
Ignored = dict[str, Any]


class User(msgspec.Struct, kw_only=True):
    id: int
    is_bot: bool = False
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


class Chat(msgspec.Struct, kw_only=True):
    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class File(msgspec.Struct, kw_only=True):
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class Contact(msgspec.Struct, kw_only=True):
    phone_number: str
    first_name: str = ""
    last_name: str | None = None
    user_id: int | None = None


class Location(msgspec.Struct, kw_only=True):
    latitude: float
    longitude: float


class Venue(msgspec.Struct, kw_only=True):
    location: Location
    title: str = ""
    address: str = ""


class Poll(msgspec.Struct, kw_only=True):
    question: str = ""


class Dice(msgspec.Struct, kw_only=True):
    emoji: str = ""
    value: int = 0


class Message(msgspec.Struct, kw_only=True):
    message_id: int
    chat: Chat
    date: int = 0
    sender: User | None = msgspec.field(default=None, name="from")
    sender_chat: Chat | None = None
    edit_date: int | None = None
    business_connection_id: str | None = None
    message_thread_id: int | None = None
    is_topic_message: bool = False
    text: str | None = None
    caption: str | None = None
    photo: list[File] | None = None
    animation: File | None = None
    video: File | None = None
    video_note: File | None = None
    voice: File | None = None
    audio: File | None = None
    document: File | None = None
    sticker: File | None = None
    venue: Venue | None = None
    location: Location | None = None
    contact: Contact | None = None
    poll: Poll | None = None
    dice: Dice | None = None
    new_chat_members: list[User] | None = None
    left_chat_member: User | None = None
    pinned_message: Ignored | None = None
    new_chat_title: str | None = None
    successful_payment: Ignored | None = None
    web_app_data: Ignored | None = None
    forum_topic_created: Ignored | None = None


class CallbackQuery(msgspec.Struct, kw_only=True):
    id: str
    sender: User = msgspec.field(name="from")
    message: Message | None = None
    data: str | None = None


class MemberStatus(msgspec.Struct, kw_only=True):
    status: str


class ChatMemberUpdated(msgspec.Struct, kw_only=True):
    chat: Chat
    sender: User = msgspec.field(name="from")
    date: int = 0
    new_chat_member: MemberStatus


class Update(msgspec.Struct, kw_only=True):
    update_id: int
    message: Message | None = None
    edited_message: Message | None = None
    business_message: Message | None = None
    edited_business_message: Message | None = None
    callback_query: CallbackQuery | None = None
    my_chat_member: ChatMemberUpdated | None = None
    # Kinds with no meaning for a support inbox: recognised so that the log can name them.
    channel_post: Ignored | None = None
    edited_channel_post: Ignored | None = None
    inline_query: Ignored | None = None
    chosen_inline_result: Ignored | None = None
    shipping_query: Ignored | None = None
    pre_checkout_query: Ignored | None = None
    poll: Ignored | None = None
    poll_answer: Ignored | None = None
    chat_member: Ignored | None = None
    chat_join_request: Ignored | None = None
    message_reaction: Ignored | None = None
    message_reaction_count: Ignored | None = None
    business_connection: Ignored | None = None
    deleted_business_messages: Ignored | None = None
    chat_boost: Ignored | None = None
    removed_chat_boost: Ignored | None = None
    purchased_paid_media: Ignored | None = None

    def kind(self) -> str:
        for name in self.__struct_fields__:
            if name != "update_id" and getattr(self, name) is not None:
                return name
        return "unknown"


UPDATE_DECODER = msgspec.json.Decoder(Update)
