"""Persian text utilities: digit conversion, invisible-character stripping, normalization.

Pasokh keeps two forms of every piece of customer text:

* The *display* form is what the customer typed, minus invisible control characters
  (``strip_invisible``). It is what agents read and what we echo back, so the customer's own
  spelling, half-spaces (ZWNJ) and digits are preserved.
* The *canonical* form (``normalize`` / ``tokens``) is used only for matching and search. Persian
  text arrives in many equivalent spellings: Arabic keyboards produce ي/ك instead of ی/ک, people
  type "می‌خواهم", "می خواهم" or "میخواهم" for the same word, mix Persian, Arabic-Indic and ASCII
  digits, and add harakat or tatweel for emphasis. Folding all of these into one string makes
  keyword rules, FAQ lookup and search hit regardless of keyboard or habit. The folding is lossy
  (it drops diacritics, punctuation and half-spaces, and joins affixes), which is exactly why it
  must never be shown to anyone.

Everything here runs on every incoming message, so the tables and regexes are built once at
import time.
"""

import re
import string
import unicodedata

__all__ = ["normalize", "strip_invisible", "to_latin_digits", "to_persian_digits", "tokens"]

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS = "0123456789"

ZWNJ = "\u200c"
ZWJ = "\u200d"

# Characters that change how text is displayed without being visible themselves. Bidi overrides
# and isolates let an attacker reorder what is shown (with U+202E RIGHT-TO-LEFT OVERRIDE,
# "invoice\u202egpj.exe" displays as "invoiceexe.jpg"); zero-width characters make two different
# strings look identical.
_BIDI_CONTROLS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
# ZWNJ and ZWJ are handled separately below.
_ZERO_WIDTH_CHARS = "\u200b\u2060\ufeff"

# ZWJ is only kept where it glues emoji into one glyph (family, profession, flag sequences such
# as 👩‍💻); customers send those constantly and stripping them would visibly break the emoji.
# The left neighbour may also be a variation selector or a skin-tone modifier.
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_INVISIBLE_RE = re.compile(
    f"[{_BIDI_CONTROLS}{_ZERO_WIDTH_CHARS}]|(?<![{_EMOJI}\ufe0f]){ZWJ}|{ZWJ}(?![{_EMOJI}])"
)

_TO_LATIN_DIGITS = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN_DIGITS = str.maketrans(LATIN_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)

# Arabic letter variants that Persian readers treat as the same letter.
_LETTER_FOLDS = {
    "\u064a": "ی",  # ARABIC LETTER YEH
    "\u0649": "ی",  # ARABIC LETTER ALEF MAKSURA
    "\u0626": "ی",  # YEH WITH HAMZA ABOVE
    "\u0643": "ک",  # ARABIC LETTER KAF
    "\u0629": "ه",  # TEH MARBUTA
    "\u06c0": "ه",  # HEH WITH YEH ABOVE, "ۀ", also commonly typed as plain ه
    "\u0623": "ا",  # ALEF WITH HAMZA ABOVE
    "\u0625": "ا",  # ALEF WITH HAMZA BELOW
    "\u0671": "ا",  # ALEF WASLA
    "\u0624": "و",  # WAW WITH HAMZA ABOVE
}

_HARAKAT = [
    *range(0x064B, 0x065F + 1),
    0x0670,  # SUPERSCRIPT ALEF
    *range(0x06D6, 0x06ED + 1),  # Quranic annotation marks
]
_TATWEEL = 0x0640


def _punctuation_code_points() -> set[int]:
    # Every Unicode punctuation character (categories P*), which covers ، ؛ ؟ « » ٪ ٫ ٬ and the
    # typographic quotes and dashes, plus ASCII symbols such as + < = > | that Python counts as
    # punctuation. Scanning the Basic Multilingual Plane once at import takes about 10 ms.
    code_points = {ord(char) for char in string.punctuation}
    code_points.update(
        code_point
        for code_point in range(0x10000)
        if unicodedata.category(chr(code_point)).startswith("P")
    )
    return code_points


_CANONICAL_TABLE: dict[int, str | None] = {
    **{ord(variant): canonical for variant, canonical in _LETTER_FOLDS.items()},
    **{code_point: None for code_point in _HARAKAT},
    _TATWEEL: None,
    **{ord(char): None for char in _BIDI_CONTROLS + _ZERO_WIDTH_CHARS + ZWJ},
    # A half-space only joins parts of one word, so dropping it equates "می‌رسد" and "میرسد".
    ord(ZWNJ): None,
    **{code_point: " " for code_point in _punctuation_code_points()},
    **_TO_LATIN_DIGITS,
}

# Verb prefixes and word suffixes that Persian writes with a half-space but people often type
# with a full space (or with none). They are only joined when they form a whole token and the
# neighbouring token is a Persian word, so "میز", "تهران" or "می 5" are untouched.
# "هایم", "هایت", ... are "ها" plus a possessive ending.
_PREFIXES = ("می", "نمی")
_SUFFIXES = (
    "ها", "های", "هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان",
    "تر", "ترین",
    "ام", "ای", "اید", "اند", "ایم",
)  # fmt: skip
_ARABIC_SCRIPT_LETTER = "[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff]"
_DETACHED_PREFIX_RE = re.compile(rf"(?<!\S)({'|'.join(_PREFIXES)}) (?={_ARABIC_SCRIPT_LETTER})")
_DETACHED_SUFFIX_RE = re.compile(rf"(?<={_ARABIC_SCRIPT_LETTER}) ({'|'.join(_SUFFIXES)})(?!\S)")


def to_latin_digits(s: str) -> str:
    """Convert Persian (۰-۹) and Arabic-Indic (٠-٩) digits to ASCII digits."""
    return s.translate(_TO_LATIN_DIGITS)


def to_persian_digits(s: str) -> str:
    """Convert ASCII and Arabic-Indic digits to Persian digits (۰-۹); nothing else changes."""
    return s.translate(_TO_PERSIAN_DIGITS)


def strip_invisible(s: str) -> str:
    """Remove bidi controls and zero-width characters from untrusted text.

    ZWNJ (U+200C, the Persian half-space) is kept because it is part of correct Persian spelling,
    and ZWJ is kept between emoji, where it is part of the emoji.
    """
    return _INVISIBLE_RE.sub("", s)


def normalize(s: str) -> str:
    """Return the canonical form of ``s`` for matching and search. Never display it.

    Equivalent spellings map to the same string: Arabic letter variants and hamza forms fold to
    their plain Persian letters, harakat, tatweel and invisible characters are removed, all digits
    become ASCII, Latin letters are case-folded, punctuation becomes a space, whitespace is
    collapsed, and half-spaced prefixes and suffixes ("می", "ها", "تر", ...) are joined to their
    word whether they were written with a ZWNJ, a space or nothing. ``normalize`` is idempotent.
    """
    # NFKC first turns Arabic presentation forms (ﻙ, ﻱ, ﻻ) into the letters folded below;
    # NFKC again at the end recomposes anything that removing marks and invisibles brought
    # together, so that a second pass changes nothing.
    folded = unicodedata.normalize("NFKC", s).casefold().translate(_CANONICAL_TABLE)
    collapsed = " ".join(unicodedata.normalize("NFKC", folded).split())
    with_prefixes_joined = _DETACHED_PREFIX_RE.sub(r"\1", collapsed)
    return _DETACHED_SUFFIX_RE.sub(r"\1", with_prefixes_joined)


def tokens(s: str) -> list[str]:
    """Split the canonical form of ``s`` into words."""
    return normalize(s).split()


def phone_key(phone: str | None) -> str | None:
    """A phone number as digits in international form, so that one person's number typed
    on Telegram (+98 912 …, 0912 …), WhatsApp's wa_id (98912…) and an SMS sender compare
    equal. Every comparison of phone numbers goes through here.

    Iranian mobiles are written many ways: 0912…, 912…, +98912…, 0098912…, +98 0912…, in
    Persian or Arabic digits, with spaces, dashes or brackets; all become 98912…."""
    if not phone:
        return None
    digits = "".join(ch for ch in to_latin_digits(phone) if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("980") and len(digits) == 13:  # +98 (0)912…: the trunk 0 kept
        digits = "98" + digits[3:]
    elif digits.startswith("09") and len(digits) == 11:  # an Iranian mobile typed locally
        digits = "98" + digits[1:]
    elif digits.startswith("9") and len(digits) == 10 and not phone.lstrip().startswith("+"):
        digits = "98" + digits  # …and without its trunk 0 (+9… is a country code)
    return digits or None


_PHONE_TYPED = re.compile(r"[+\d\s()\-]+")
_PHONE_SEARCH_DIGITS = 5


def phone_search_key(typed: str) -> str | None:
    """What to look for among stored phone keys when a search looks like a number: the
    whole key for a whole number, and for part of one typed locally (0912 12…) the digits
    after the trunk 0, which stored keys (98912 12…) hold."""
    latin = to_latin_digits(strip_invisible(typed)).strip()
    digits = sum(ch.isdigit() for ch in latin)
    if not _PHONE_TYPED.fullmatch(latin) or digits < _PHONE_SEARCH_DIGITS:
        return None
    key = phone_key(latin) or ""
    return key[1:] if key.startswith("0") and not key.startswith("00") else key


def local_phone(key: str) -> str:
    """A phone key as Iranians write and Iranian text-message providers take it: 0912…
    for an Iranian number, the international digits for any other."""
    if key.startswith("98") and len(key) == 12:
        return "0" + key[2:]
    return key
