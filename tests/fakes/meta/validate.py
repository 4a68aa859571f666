"""Request-body validation for the two send endpoints, with Meta's documented limits.

Each message type has one small check in a table, so adding a type is one line. A check
raises `GraphError` the way Meta would answer; it never fixes the request up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import errors

# WhatsApp Cloud API limits (Meta: text, interactive reply-button and list message pages).
TEXT_MAX = 4096
CAPTION_MAX = 1024
INTERACTIVE_BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
REPLY_BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
LIST_BUTTON_MAX = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10  # across all sections together
ROW_TITLE_MAX = 24
ROW_ID_MAX = 200
ROW_DESCRIPTION_MAX = 72
SECTION_TITLE_MAX = 24

# Instagram Messaging limits (Meta: send-message and quick-replies pages).
IG_TEXT_MAX = 1000
IG_QUICK_REPLIES_MAX = 13
IG_QUICK_REPLY_TITLE_MAX = 20
IG_SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen", "react", "unreact"})
IG_MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE", "MESSAGE_TAG"})
HUMAN_AGENT = "HUMAN_AGENT"


# --------------------------------------------------------------------------- helpers


def _dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise errors.missing_parameter(name)
    return value


def _text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _length(label: str, value: Any, maximum: int, minimum: int = 1) -> None:
    # Meta's wording for interactive fields: "Button title length invalid. Min length: 1,
    # Max length: 20".
    if not isinstance(value, str) or not minimum <= len(value) <= maximum:
        raise errors.invalid_value(
            f"{label} length invalid. Min length: {minimum}, Max length: {maximum}"
        )


def _count(label: str, items: list[Any], maximum: int) -> None:
    if not 1 <= len(items) <= maximum:
        raise errors.invalid_value(
            f"Invalid {label} count. Min allowed {label}: 1, Max allowed {label}: {maximum}"
        )


def _unique(label: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise errors.invalid_value(f"{label} must be unique within the message: {value!r}")
        seen.add(value)


# --------------------------------------------------------------------------- WhatsApp types


def _text(value: Any) -> None:
    body = _dict(value, "text").get("body")
    if not isinstance(body, str) or not body:
        raise errors.missing_parameter("text['body']")
    if len(body) > TEXT_MAX:
        raise errors.param_too_long("text['body']", TEXT_MAX)


def _template(value: Any) -> None:
    template = _dict(value, "template")
    if not _text_of(template.get("name")):
        raise errors.missing_parameter("template['name']")
    language = _dict(template.get("language"), "template['language']")
    if not _text_of(language.get("code")):
        raise errors.missing_parameter("template['language']['code']")


def _media(kind: str, *, captioned: bool) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        media = _dict(value, kind)
        if not (_text_of(media.get("id")) or _text_of(media.get("link"))):
            raise errors.missing_parameter(f"{kind}['id'] or {kind}['link']")
        caption = media.get("caption")
        if captioned and isinstance(caption, str) and len(caption) > CAPTION_MAX:
            raise errors.param_too_long(f"{kind}['caption']", CAPTION_MAX)

    return check


def _reaction(value: Any) -> None:
    reaction = _dict(value, "reaction")
    if not _text_of(reaction.get("message_id")):
        raise errors.missing_parameter("reaction['message_id']")
    if not isinstance(reaction.get("emoji"), str):  # "" removes a reaction, so it is allowed
        raise errors.missing_parameter("reaction['emoji']")


def _location(value: Any) -> None:
    location = _dict(value, "location")
    for name in ("latitude", "longitude"):
        if location.get(name) in (None, ""):
            raise errors.missing_parameter(f"location['{name}']")


def _contacts(value: Any) -> None:
    if not isinstance(value, list) or not value:
        raise errors.missing_parameter("contacts")


# --------------------------------------------------------------------------- interactive


def _interactive_texts(interactive: dict[str, Any]) -> None:
    body = _dict(interactive.get("body"), "interactive['body']")
    _length("Body text", body.get("text"), INTERACTIVE_BODY_MAX)
    header = interactive.get("header")
    if isinstance(header, dict) and header.get("type") == "text":
        _length("Header text", header.get("text"), HEADER_MAX)
    footer = interactive.get("footer")
    if isinstance(footer, dict):
        _length("Footer text", footer.get("text"), FOOTER_MAX)


def _action(interactive: dict[str, Any]) -> dict[str, Any]:
    return _dict(interactive.get("action"), "interactive['action']")


def _reply_buttons(interactive: dict[str, Any]) -> None:
    _interactive_texts(interactive)
    buttons = _action(interactive).get("buttons")
    if not isinstance(buttons, list):
        raise errors.missing_parameter("interactive['action']['buttons']")
    _count("buttons", buttons, REPLY_BUTTONS_MAX)
    replies = [_reply(button) for button in buttons]
    _unique("Button id", (reply["id"] for reply in replies))
    _unique("Button title", (reply["title"] for reply in replies))


def _reply(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict) or button.get("type") != "reply":
        raise errors.invalid_value("Invalid button type. Allowed types: reply")
    reply = _dict(button.get("reply"), "interactive['action']['buttons'][]['reply']")
    _length("Button title", reply.get("title"), BUTTON_TITLE_MAX)
    _length("Button id", reply.get("id"), BUTTON_ID_MAX)
    return reply


def _list(interactive: dict[str, Any]) -> None:
    _interactive_texts(interactive)
    action = _action(interactive)
    _length("Button text", action.get("button"), LIST_BUTTON_MAX)
    sections = action.get("sections")
    if not isinstance(sections, list):
        raise errors.missing_parameter("interactive['action']['sections']")
    _count("sections", sections, LIST_SECTIONS_MAX)
    rows = [row for section in sections for row in _section_rows(section, len(sections))]
    _count("rows", rows, LIST_ROWS_MAX)
    for row in rows:
        _row(row)
    _unique("Row id", (row["id"] for row in rows))


def _section_rows(section: Any, section_count: int) -> list[Any]:
    section = _dict(section, "interactive['action']['sections'][]")
    # A title is only required once there is more than one section to tell apart.
    if section_count > 1 or "title" in section:
        _length("Section title", section.get("title"), SECTION_TITLE_MAX)
    rows = section.get("rows")
    if not isinstance(rows, list):
        raise errors.missing_parameter("interactive['action']['sections'][]['rows']")
    return rows


def _row(row: Any) -> None:
    row = _dict(row, "interactive['action']['sections'][]['rows'][]")
    _length("Row title", row.get("title"), ROW_TITLE_MAX)
    _length("Row id", row.get("id"), ROW_ID_MAX)
    if "description" in row:
        _length("Row description", row.get("description"), ROW_DESCRIPTION_MAX, minimum=0)


def _other_interactive(interactive: dict[str, Any]) -> None:
    # cta_url, flow, product, ...: the fake only insists on what every kind needs.
    _action(interactive)


_INTERACTIVE_TYPES: dict[str, Callable[[dict[str, Any]], None]] = {
    "button": _reply_buttons,
    "list": _list,
}


def _interactive(value: Any) -> None:
    interactive = _dict(value, "interactive")
    kind = interactive.get("type")
    if not _text_of(kind):
        raise errors.missing_parameter("interactive['type']")
    _INTERACTIVE_TYPES.get(kind, _other_interactive)(interactive)


WHATSAPP_TYPES: dict[str, Callable[[Any], None]] = {
    "text": _text,
    "interactive": _interactive,
    "template": _template,
    "image": _media("image", captioned=True),
    "document": _media("document", captioned=True),
    "video": _media("video", captioned=True),
    "audio": _media("audio", captioned=False),
    "sticker": _media("sticker", captioned=False),
    "reaction": _reaction,
    "location": _location,
    "contacts": _contacts,
}


def whatsapp_message_type(body: dict[str, Any]) -> str:
    """Validates a ``POST /{phone-number-id}/messages`` message body; returns its type."""
    _whatsapp_envelope(body)
    kind = body.get("type", "text")  # Meta defaults a missing type to text
    check = WHATSAPP_TYPES.get(kind) if isinstance(kind, str) else None
    if check is None:
        raise errors.invalid_value(f"Unsupported message type: {kind!r}")
    check(body.get(kind))
    return kind


def _whatsapp_envelope(body: dict[str, Any]) -> None:
    product = body.get("messaging_product")
    if product is None:
        raise errors.missing_parameter("messaging_product")
    if product != "whatsapp":
        raise errors.invalid_value("messaging_product must be 'whatsapp'")
    if not _text_of(body.get("to")) or not body["to"].strip():
        raise errors.missing_parameter("to")


def is_status_update(body: dict[str, Any]) -> bool:
    """Mark-as-read (optionally with a typing indicator) shares the messages endpoint."""
    return "status" in body and "type" not in body


def validate_status_update(body: dict[str, Any]) -> None:
    if body.get("messaging_product") != "whatsapp":
        raise errors.missing_parameter("messaging_product")
    if body.get("status") != "read":
        raise errors.invalid_value("status must be 'read'")
    if not _text_of(body.get("message_id")):
        raise errors.missing_parameter("message_id")


# --------------------------------------------------------------------------- Instagram


@dataclass(frozen=True)
class InstagramSend:
    """What the window and private-reply rules need to know about one send."""

    recipient_id: str | None
    comment_id: str | None
    human_agent: bool
    sender_action: str | None


def instagram_send(body: dict[str, Any], *, text_limit: int, count_bytes: bool,
                   strict_quick_replies: bool) -> InstagramSend:
    """Validates a ``POST /{ig-id}/messages`` (or ``/me/messages``) body."""
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not (
        _text_of(recipient.get("id")) or _text_of(recipient.get("comment_id"))
    ):
        raise errors.instagram_param("The parameter recipient is required")
    human_agent = _instagram_tag(body)
    action = body.get("sender_action")
    if action is not None:
        if action not in IG_SENDER_ACTIONS:
            raise errors.instagram_param(f"param sender_action must be one of "
                                         f"{sorted(IG_SENDER_ACTIONS)}")
    else:
        _instagram_message(body.get("message"), text_limit, count_bytes, strict_quick_replies)
    return InstagramSend(_text_of(recipient.get("id")), _text_of(recipient.get("comment_id")),
                         human_agent, action)


def _instagram_tag(body: dict[str, Any]) -> bool:
    messaging_type = body.get("messaging_type", "RESPONSE")
    if messaging_type not in IG_MESSAGING_TYPES:
        raise errors.instagram_param(
            f"param messaging_type must be one of {sorted(IG_MESSAGING_TYPES)}"
        )
    tag = body.get("tag")
    if messaging_type == "MESSAGE_TAG" and tag is None:
        raise errors.instagram_param("param tag is required for messaging_type MESSAGE_TAG")
    # Instagram accepts a single tag: HUMAN_AGENT (Messenger's other tags do not apply).
    if tag is not None and tag != HUMAN_AGENT:
        raise errors.instagram_param(f"param tag must be {HUMAN_AGENT}")
    return tag == HUMAN_AGENT


def _instagram_message(message: Any, text_limit: int, count_bytes: bool,
                       strict_quick_replies: bool) -> None:
    if not isinstance(message, dict):
        raise errors.instagram_param("Must send either message or sender action")
    text = message.get("text")
    if not (_text_of(text) or message.get("attachment") or message.get("attachments")):
        raise errors.instagram_param(
            "Message cannot be empty, must provide valid attachment or text"
        )
    if isinstance(text, str):
        # Meta's send-message page: "Message text must be UTF-8 and be 1000 bytes or less";
        # Persian takes two bytes a letter, so bytes and characters differ a lot here.
        size = len(text.encode()) if count_bytes else len(text)
        if size > text_limit:
            raise errors.instagram_text_too_long(text_limit)
    _quick_replies(message.get("quick_replies"), strict_quick_replies)


def _quick_replies(replies: Any, strict: bool) -> None:
    if replies is None:
        return
    if not isinstance(replies, list) or len(replies) > IG_QUICK_REPLIES_MAX:
        raise errors.instagram_param(
            f"param message[quick_replies] must be an array of at most "
            f"{IG_QUICK_REPLIES_MAX} elements"
        )
    for reply in replies:
        _quick_reply(reply, strict)


def _quick_reply(reply: Any, strict: bool) -> None:
    if not isinstance(reply, dict):
        raise errors.instagram_param("param message[quick_replies][] must be an object")
    if reply.get("content_type", "text") != "text":
        return  # user_phone_number / user_email carry no title
    title = reply.get("title")
    if not _text_of(title):
        raise errors.instagram_param("param message[quick_replies][][title] is required")
    # Meta truncates longer titles instead of refusing them; strict mode turns the silent
    # truncation into an error so tests notice a label the customer would see cut short.
    if strict and len(title) > IG_QUICK_REPLY_TITLE_MAX:
        raise errors.instagram_param(
            f"param message[quick_replies][][title] must be at most "
            f"{IG_QUICK_REPLY_TITLE_MAX} characters"
        )

