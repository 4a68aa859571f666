"""What the widget shows a visitor, as message ids: translated where they are sent, in
the channel's language (the session's `strings`, the refusals' `message`), and for the
loader's two words into widget.js itself (static.py)."""

from __future__ import annotations

from core.i18n import gettext_noop

# What the widget shows; translated here, in the channel's language.
STRINGS = {
    "title": gettext_noop("Chat with us"),
    "open": gettext_noop("Open the chat"),
    "close": gettext_noop("Close the chat"),
    "input": gettext_noop("Write a message"),
    "send": gettext_noop("Send"),
    "unread": gettext_noop("New messages"),
    "offline": gettext_noop("Connecting again… what you write is kept and sent."),
    "you": gettext_noop("You"),
    "bot": gettext_noop("Assistant"),
    "agent": gettext_noop("Support"),
    "typing": gettext_noop("Support is typing…"),
    "seen": gettext_noop("Seen"),
    "continue": gettext_noop("Continue in Telegram"),
    "prechat": gettext_noop("If you like, tell us (none is required):"),
    "name": gettext_noop("Your name"),
    "phone": gettext_noop("Phone number"),
    "email": gettext_noop("E-mail address"),
    "attach": gettext_noop("Send a file"),
    "file": gettext_noop("File"),
    "size_kb": gettext_noop("%(size)s KB"),
    "size_mb": gettext_noop("%(size)s MB"),
    "file_too_large": gettext_noop("The file is too large."),
    "bad_file": gettext_noop("This kind of file is not accepted: send a picture or a PDF."),
}

TOO_MANY = gettext_noop("You are sending messages too fast. Please wait a minute and try "
                        "again.")
TOO_MANY_READS = gettext_noop("Too many requests at once. Please wait a moment: the chat "
                              "catches up by itself.")
FILE_TOO_LARGE = gettext_noop("The file is too large.")
BAD_FILE = gettext_noop("This kind of file is not accepted: send a picture or a PDF.")
TOO_LONG = gettext_noop("The message is too long.")
BAD_PROFILE = gettext_noop("That phone number or e-mail address does not look right.")
