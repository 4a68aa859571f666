"""Every string a customer or agent sees is translated, and the compiled catalogues match."""

from __future__ import annotations

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from core.display import PLACEHOLDERS, describe
from core.events import MessageKind
from core.i18n import LANGUAGES, LOCALES_DIR, current_language


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_compiled(language):
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po:
        catalogue = read_po(po, locale=language)
    with open(LOCALES_DIR / "messages.pot", "rb") as pot:
        template = read_po(pot)
    missing = [m.id for m in template if m.id and not (catalogue.get(m.id) and
                                                       catalogue.get(m.id).string)]
    assert missing == [], f"untranslated in {language}: {missing}"
    # Compared by content, not byte for byte: another Babel version writes the same
    # translations with a different header, and that is not a stale catalogue.
    with open(folder / "messages.mo", "rb") as mo:
        compiled = read_mo(mo)
    assert _translations(compiled) == _translations(catalogue), (
        "messages.mo is stale: run `make locales`"
    )


def _translations(catalogue) -> dict:
    """Message id → translation; plural forms as tuples (a .mo reads them back as lists)."""
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(message.id): frozen(message.string) for message in catalogue
            if message.id and message.string and not message.fuzzy}


def test_persian_plural_forms_are_pinned():
    with open(LOCALES_DIR / "fa" / "LC_MESSAGES" / "messages.po", "rb") as po:
        assert read_po(po, locale="fa").plural_forms == "nplurals=1; plural=0;"


def test_placeholders_are_persian_by_default_and_english_on_request():
    assert describe("sticker", None) == "[استیکر]"
    assert describe("photo", "کیف قرمز") == "[عکس] کیف قرمز"
    assert describe("something-new", None) == str(PLACEHOLDERS[MessageKind.UNSUPPORTED])
    token = current_language.set("en")
    try:
        assert describe("poll", None) == "[Poll]"
    finally:
        current_language.reset(token)


def test_text_messages_read_as_their_text():
    assert describe("text", "سلام") == "سلام"
