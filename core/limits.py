"""How much of a customer-given field is stored: every inbound event is fitted here, once,
before the inbox writes it.

A platform caps names and ids far below these limits, so only a forged or broken payload
meets them; then the event is still stored (cut short, its raw payload intact), and one
oversized field can neither fail the batch it came in (a column too narrow, a NUL that
PostgreSQL refuses) nor fill every agent's screen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace

from core.events import InboundEvent, MediaRef, Sender

NAME_CHARS = 128  # a display name; the columns hold 256
USERNAME_CHARS = 64  # Telegram allows 32, Instagram 30
ID_CHARS = 128  # external ids and chat ids: the columns' width
PHONE_CHARS = 32
LANGUAGE_CHARS = 8
SHORT_CHARS = 256  # a file name, a MIME type, a route value, a delivery error
PAYLOAD_CHARS = 1024  # a button's payload
LARGEST_FILE_BYTES = 2**53  # past any platform's file limit, and within JSON's exact integers
_ELLIPSIS = "…"


def clean(text: str) -> str:
    """Text a database stores as given: no NUL, no lone surrogate."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def shortened(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis where it was cut."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS


def _optional(text: str | None, limit: int) -> str | None:
    return None if text is None else shortened(text, limit)


def identifier(text: str) -> str:
    """An id that fits its column and stays the same on every redelivery: a longer one
    keeps its start and a digest of the whole."""
    text = clean(text)
    if len(text) <= ID_CHARS:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    return f"{text[: ID_CHARS - 33]}#{digest}"


def fitted(event: InboundEvent) -> InboundEvent:
    """The event with every customer-given field within its limit (the raw payload kept)."""
    sender = event.sender
    media = event.media
    return replace(
        event,
        external_id=identifier(event.external_id),
        chat_id=identifier(event.chat_id),
        sender=Sender(
            external_id=identifier(sender.external_id),
            display_name=shortened(sender.display_name, NAME_CHARS),
            username=_optional(sender.username, USERNAME_CHARS),
            language=_optional(sender.language, LANGUAGE_CHARS),
            phone=_optional(sender.phone, PHONE_CHARS),
            phone_proven=sender.phone_proven,
        ),
        text=None if event.text is None else clean(event.text),
        media=None if media is None else MediaRef(
            file_id=clean(media.file_id),  # a URL cut short would fetch nothing
            mime_type=_optional(media.mime_type, SHORT_CHARS),
            file_name=_optional(media.file_name, SHORT_CHARS),
            size=_file_size(media.size),
        ),
        button_payload=_optional(event.button_payload, PAYLOAD_CHARS),
        route=_route(event.route),
        delivery_error=_optional(event.delivery_error, SHORT_CHARS),
    )


def _file_size(size: int | None) -> int | None:
    """A size the platform could have meant, else unknown (a forged one must not stop the
    media column's JSON from being written)."""
    return size if size is not None and 0 <= size <= LARGEST_FILE_BYTES else None


def _route(route: Mapping[str, str]) -> dict[str, str]:
    return {shortened(key, SHORT_CHARS): shortened(value, SHORT_CHARS)
            for key, value in route.items()}
