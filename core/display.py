"""How a stored message reads to an agent: its text, or a placeholder for what the panel
cannot show as text (a sticker, a poll, a kind we do not know yet)."""

from __future__ import annotations

from core.events import MessageKind
from core.i18n import LazyString, lazy_gettext

PLACEHOLDERS: dict[MessageKind, LazyString] = {
    MessageKind.PHOTO: lazy_gettext("[Photo]"),
    MessageKind.VIDEO: lazy_gettext("[Video]"),
    MessageKind.ANIMATION: lazy_gettext("[Animation]"),
    MessageKind.AUDIO: lazy_gettext("[Audio]"),
    MessageKind.VOICE: lazy_gettext("[Voice message]"),
    MessageKind.VIDEO_NOTE: lazy_gettext("[Video message]"),
    MessageKind.DOCUMENT: lazy_gettext("[File]"),
    MessageKind.STICKER: lazy_gettext("[Sticker]"),
    MessageKind.LOCATION: lazy_gettext("[Location]"),
    MessageKind.VENUE: lazy_gettext("[Place]"),
    MessageKind.CONTACT: lazy_gettext("[Contact]"),
    MessageKind.POLL: lazy_gettext("[Poll]"),
    MessageKind.DICE: lazy_gettext("[Dice]"),
    MessageKind.BUTTON: lazy_gettext("[Pressed a button]"),
    MessageKind.SERVICE: lazy_gettext("[Chat event]"),
    MessageKind.UNSUPPORTED: lazy_gettext("[A message of a kind Pasokh cannot show yet]"),
}


def describe(kind: str, text: str | None) -> str:
    """The customer's text; for media, the placeholder followed by the caption."""
    try:
        placeholder = PLACEHOLDERS.get(MessageKind(kind))
    except ValueError:
        placeholder = PLACEHOLDERS[MessageKind.UNSUPPORTED]
    if placeholder is None:
        return text or ""
    return f"{placeholder} {text}" if text else str(placeholder)
