"""Translations through gettext (`locales/<lang>/LC_MESSAGES/messages.mo`).

Message ids are English; Persian is the default language. The current language lives in
a ContextVar so that a request, a flow run or a CLI command can each set their own.
Persian uses `nplurals=1; plural=0`: a counted noun stays singular ("۳ پیام").
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "fa"
LANGUAGES = ("fa", "en")

current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


def supported(language: str | None) -> str:
    """The catalogue to use for a platform's language code (e.g. "fa-IR", "en", "it")."""
    code = (language or "").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translation(language: str) -> _gettext.NullTranslations:
    return _gettext.translation(DOMAIN, LOCALES_DIR, languages=[supported(language)])


def gettext(message: str) -> str:
    return translation(current_language.get()).gettext(message)


class LazyString:
    """A module-level label translated when shown, in the language current then."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def gettext_noop(message: str) -> str:
    """Marks a message id for extraction where it is stored, to be translated where shown."""
    return message
