"""The message model that crosses every boundary: adapters → inbox → flows → outbox.

Frozen, slotted, keyword-only dataclasses: an event is a fact and never changes after
an adapter made it. `raw` keeps the platform's payload for the record but takes no part
in equality or repr (it can be large and holds personal data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    INSTAGRAM = "instagram"
    WEBCHAT = "webchat"
    BALE = "bale"
    SMS = "sms"


class EventKind(StrEnum):
    MESSAGE = "message"  # the customer wrote or sent something
    EDIT = "edit"  # the customer changed a message already sent
    BUTTON = "button"  # the customer pressed one of our buttons
    BLOCKED = "blocked"  # the customer blocked the bot: stop sending
    UNBLOCKED = "unblocked"  # the customer allowed the bot again
    STATUS = "status"  # the platform reports on a message we sent (external_id is ours)
    ECHO = "echo"  # the business wrote to the customer from elsewhere (e.g. the IG app)
    READ = "read"  # the customer read our messages up to external_id
    DELETE = "delete"  # the customer deleted (unsent) the message external_id


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    VIDEO = "video"
    ANIMATION = "animation"
    AUDIO = "audio"
    VOICE = "voice"
    VIDEO_NOTE = "video_note"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    VENUE = "venue"
    CONTACT = "contact"
    POLL = "poll"
    DICE = "dice"
    BUTTON = "button"
    REACTION = "reaction"
    ORDER = "order"
    STORY = "story"  # a mention in, or a reply to, the customer's story
    COMMENT = "comment"  # a comment or mention on one of the brand's posts
    SERVICE = "service"
    UNSUPPORTED = "unsupported"


# The statuses the flows read (a Turn's, a ticket_status event's); core.models stores them.


class ConversationStatus(StrEnum):
    OPEN = "open"  # the bot is handling it
    PENDING = "pending"  # waiting in the agents' queue; the bot stays quiet
    RESOLVED = "resolved"
    SNOOZED = "snoozed"


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SOLVED = "solved"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sender:
    external_id: str
    display_name: str
    username: str | None = None
    language: str | None = None
    phone: str | None = None
    # The network proved `phone` is the sender's (a text message came from it): the customer
    # with that number is this sender, not someone who typed the same number.
    phone_proven: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaRef:
    """Where a platform keeps a file; fetched later, never trusted as a URL."""

    file_id: str
    mime_type: str | None = None
    file_name: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundEvent:
    platform: Platform
    channel_id: int
    kind: EventKind
    external_id: str  # unique within the channel: a redelivery carries the same one
    sender: Sender
    chat_id: str  # where a reply goes
    chat_type: ChatType = ChatType.PRIVATE
    message_kind: MessageKind = MessageKind.TEXT
    text: str | None = None
    media: MediaRef | None = None
    button_payload: str | None = None
    ack_token: str | None = None  # a platform handle that must be acknowledged (callback id)
    route: Mapping[str, str] = field(default_factory=dict)  # extra routing a reply must carry
    delivery_status: str | None = None  # STATUS: sent, delivered, read, played or failed
    delivery_error: str | None = None  # STATUS failed: the platform's code and reason
    # STATUS failed because the recipient refuses the channel's messages (a text line they
    # blocked): they are opted out of its proactive messages (core/opt_outs.py).
    recipient_refuses: bool = False
    occurred_at: datetime
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    title: str
    payload: str


class OutboundKind(StrEnum):
    TEXT = "text"
    ACKNOWLEDGE = "acknowledge"  # e.g. answerCallbackQuery: stops the customer's spinner
    TEMPLATE = "template"  # a pre-approved WhatsApp template: the only way in after 24 h
    FILE = "file"  # a file an agent attached, stored by Pasokh first (`file`)


class OutboundAuthor(StrEnum):
    BOT = "bot"
    AGENT = "agent"  # a person wrote it: platforms give people longer to answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A WhatsApp message template the owner had approved: name, language, parameters."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage:
    platform: Platform
    channel_id: int
    chat_id: str
    kind: OutboundKind = OutboundKind.TEXT
    text: str = ""
    buttons: tuple[Button, ...] = ()
    ack_token: str | None = None
    route: Mapping[str, str] = field(default_factory=dict)
    author: OutboundAuthor = OutboundAuthor.BOT
    introduces_bot: bool = False  # the bot's first words to this customer: say it is a bot
    template: Template | None = None
    file: MediaRef | None = None  # FILE: the stored file (core/media.py `store_upload`)
    # The outbox row this send is for, set by the outbox worker and never stored: a platform
    # that takes an idempotency key gets a stable one, so a send repeated after a crash is
    # not a second message.
    outbox_id: int | None = field(default=None, compare=False)

    def to_payload(self) -> dict[str, Any]:
        """The JSON stored in an outbox row; `from_payload` reverses it."""
        payload: dict[str, Any] = {
            "platform": self.platform.value,
            "channel_id": self.channel_id,
            "chat_id": self.chat_id,
            "kind": self.kind.value,
            "text": self.text,
            "buttons": [[b.title, b.payload] for b in self.buttons],
            "ack_token": self.ack_token,
            "route": dict(self.route),
            "author": self.author.value,
        }
        if self.introduces_bot:
            payload["introduces_bot"] = True
        if self.template is not None:
            payload["template"] = [self.template.name, self.template.language,
                                   list(self.template.parameters)]
        if self.file is not None:
            payload["file"] = [self.file.file_id, self.file.mime_type, self.file.file_name,
                               self.file.size]
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutboundMessage:
        return cls(
            platform=Platform(payload["platform"]),
            channel_id=int(payload["channel_id"]),
            chat_id=str(payload["chat_id"]),
            kind=OutboundKind(payload.get("kind", OutboundKind.TEXT)),
            text=payload.get("text", ""),
            buttons=tuple(Button(title=t, payload=p) for t, p in payload.get("buttons", ())),
            ack_token=payload.get("ack_token"),
            route=dict(payload.get("route") or {}),
            author=OutboundAuthor(payload.get("author", OutboundAuthor.BOT)),
            introduces_bot=bool(payload.get("introduces_bot")),
            template=_template(payload.get("template")),
            file=_file(payload.get("file")),
        )


def _template(stored: Any) -> Template | None:
    if not stored:
        return None
    name, language, parameters = stored
    return Template(name=name, language=language, parameters=tuple(parameters))


def _file(stored: Any) -> MediaRef | None:
    if not stored:
        return None
    file_id, mime_type, file_name, size = stored
    return MediaRef(file_id=file_id, mime_type=mime_type, file_name=file_name, size=size)


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    external_id: str | None = None  # the platform's id of what we sent, when it has one


@dataclass(frozen=True, slots=True)
class ChannelCredentials:
    """What an adapter needs to talk for one channel (one bot, one number, one account).

    `key` is the platform's id of the channel: the bot's user id, the WhatsApp phone-number
    id, the Instagram account id. `webhook_secret` is what signs or accompanies its
    webhooks: Telegram's secret token, or the Meta app secret. `options` are the channel's
    own settings as (name, value) pairs, which only its adapter reads.
    """

    channel_id: int
    token: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    key: str = ""
    options: tuple[tuple[str, str], ...] = ()

    def option_values(self, name: str) -> tuple[str, ...]:
        return tuple(value for option, value in self.options if option == name)
