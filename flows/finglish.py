"""Finglish: Persian typed in Latin letters ("sefaresham key mirese?"), spelled in Persian.

Pure: no I/O. Many customers type Persian with a Latin keyboard, with no fixed spelling: "a"
may be the long vowel written ا or the short one not written at all, "kh" is خ, "gh" is ق or
غ. ``finglish_spellings`` returns the few Persian spellings a word may stand for, and the FAQ
matcher keeps whichever matches best. Shop vocabulary borrowed from English ("size",
"cancel", "code") is typed with its English spelling, which sounds out badly, so those words
are looked up first.

Vowels leave several spellings open; they are ordered by how often each is written in Persian
(``flows.lexicon``, hazm's word frequencies), so "ersal" is ارسال before ارسل. A loanword may
carry a Persian ending in Latin letters ("garantish", "sizesh", "codetoon"): when the word
itself is not known, its known stem is spelled and the ending added.

Spellings come with the sound-alike Persian letters already folded (س for ص/ث, ز for ذ/ض/ظ,
ت for ط, ه for ح, ق for غ), as ``flows.persian_forms.fold_sound_alikes`` folds Persian words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

from flows.lexicon import frequency, written_form
from flows.persian_forms import AFFIX_PENALTY, word_forms

__all__ = ["finglish_spellings", "is_finglish", "persian_text"]

# Latin letters or pairs and their Persian letter; vowels are handled apart. Sound-alike Persian
# letters are folded anyway, so "s" needs no choice between س/ص/ث, "z" none between ز/ذ/ض/ظ.
_CONSONANTS = {
    "kh": "خ", "sh": "ش", "ch": "چ", "gh": "ق", "zh": "ژ",
    "b": "ب", "p": "پ", "t": "ت", "s": "س", "j": "ج", "h": "ه", "d": "د", "r": "ر",
    "z": "ز", "f": "ف", "q": "ق", "k": "ک", "c": "ک", "g": "گ", "l": "ل", "m": "م",
    "n": "ن", "v": "و", "w": "و", "y": "ی", "x": "خ",
}  # fmt: skip
# Vowels as they are written inside a word. A tuple holds the possible spellings: a Finglish "a"
# is the long vowel (written ا) or the short one (not written), an "o" is "و" or not written.
_VOWELS_INSIDE = {
    "aa": ("ا",), "ee": ("ی",), "oo": ("و",), "ou": ("و",), "ei": ("ی",), "ey": ("ی",),
    "a": ("ا", ""), "o": ("", "و"), "e": ("",), "i": ("ی",), "u": ("و",),
}  # fmt: skip
# At the start of a word every vowel sits on an alef.
_VOWELS_INITIAL = {
    "aa": "ا", "ee": "ای", "oo": "او", "ou": "او", "ei": "ای", "ey": "ای",
    "a": "ا", "o": "ا", "e": "ا", "i": "ای", "u": "او",
}  # fmt: skip
# At the end, "e" is the silent ه ("khane" → خانه), "a" and "o" are written ("ba" → با).
_VOWELS_FINAL = {"e": "ه", "a": "ا", "o": "و"}
_UNITS = sorted({*_CONSONANTS, *_VOWELS_INSIDE}, key=len, reverse=True)
# Each ambiguous vowel doubles the spellings; beyond this many, the first spelling is used.
MAX_AMBIGUOUS_VOWELS = 4
_DOUBLED_CONSONANT_RE = re.compile(r"([b-df-hj-np-tv-z])\1")  # Persian writes them once
# English spelling: "c" before e, i or y is an s ("cancel" → کنسل).
_SOFT_C_RE = re.compile(r"c(?=[eiy])")
_LATIN_WORD_RE = re.compile(r"[a-z]+")
_LATIN_IN_TEXT_RE = re.compile(r"[A-Za-z]+")
# Persian endings typed in Latin letters after a word (possessives, plural, object marker,
# "is"), longest first, and how Persian writes them.
_LATIN_ENDINGS = (
    ("hatoon", "هاتون"), ("hashoon", "هاشون"), ("haye", "های"), ("hash", "هاش"),
    ("ha", "ها"), ("etoon", "تون"), ("eton", "تون"), ("toon", "تون"), ("shoon", "شون"),
    ("esh", "ش"), ("sh", "ش"), ("eto", "تو"), ("esho", "شو"), ("ro", "رو"), ("o", "و"),
    ("am", "م"), ("e", "ه"), ("et", "ت"),
)  # fmt: skip
# A spelling that is a word only once an ending is taken off counts this share of that word's
# frequency: a spelling that is a word as typed comes first.
ONE_STEP_AWAY_SHARE = 0.01
# A stem shorter than this is too often part of a longer word ("post" in "poshesh").
MIN_LATIN_STEM = 3

# Loanwords of online shopping that customers type with their English spelling; sounding them
# out gives the wrong vowels ("size" → سیزه, not سایز). Spelled folded, like every spelling.
_LOANWORDS = {
    "size": "سایز", "cancel": "کنسل", "code": "کد", "original": "اورجینال",
    "online": "انلاین", "offline": "افلاین", "post": "پست", "card": "کارت", "model": "مدل",
    "email": "ایمیل", "site": "سایت", "website": "وبسایت", "app": "اپ",
    "application": "اپلیکیشن", "password": "پسورد", "link": "لینک", "brand": "برند",  # nosec B105 # a Finglish spelling, not a password
    "coupon": "کوپن", "gift": "گیفت", "shop": "شاپ", "fake": "فیک", "orginal": "اورجینال",
    "instagram": "اینستاگرام", "telegram": "تلگرام", "whatsapp": "واتساپ",
}  # fmt: skip


def is_finglish(word: str) -> bool:
    """Whether a matching word (already case-folded) is written in Latin letters."""
    return _LATIN_WORD_RE.fullmatch(word) is not None


def finglish_spellings(word: str) -> tuple[str, ...]:
    """Persian spellings of a Finglish word, most likely first, sound-alike letters folded.

    >>> finglish_spellings("ersal")
    ('ارسال', 'ارسل')
    """
    return _spellings(word.casefold())


@lru_cache(maxsize=8192)
def _spellings(word: str) -> tuple[str, ...]:
    loanword = _LOANWORDS.get(word)
    if loanword is None and (stem_and_ending := _loanword_with_ending(word)):
        loanword = stem_and_ending
    sounded = _sounded_out(_SOFT_C_RE.sub("s", _DOUBLED_CONSONANT_RE.sub(r"\1", word)))
    # Spellings that are Persian words first, the more frequent first; then the rest in the
    # order they were sounded out.
    ranked = sorted(sounded, key=lambda spelling: -_word_frequency(spelling))
    spellings = (loanword, *ranked) if loanword else tuple(ranked)
    return tuple(dict.fromkeys(spelling for spelling in spellings if spelling))


def _word_frequency(spelling: str) -> float:
    """How often the spelling is written; when it is no word as written, a little of how often
    the word one step away is ("chande" → چنده → چند, "sefaresham" → سفارشم → سفارش)."""
    return frequency(spelling) or ONE_STEP_AWAY_SHARE * max(
        (frequency(form) for form, cost in word_forms(spelling).items()
         if 0 < cost <= AFFIX_PENALTY),
        default=0,
    )


def _loanword_with_ending(word: str) -> str | None:
    for ending, persian in _LATIN_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= MIN_LATIN_STEM and stem in _LOANWORDS:
            return _LOANWORDS[stem] + persian
    return None


def persian_text(text: str) -> str:
    """``text`` with each Finglish word written in Persian letters, as the most frequent word
    among its spellings is written (or its likeliest spelling when none is a known word)."""
    return _LATIN_IN_TEXT_RE.sub(lambda found: _written(found.group().casefold()), text)


def _written(word: str) -> str:
    spellings = _spellings(word)
    if not spellings:
        return word
    return written_form(spellings[0]) or spellings[0]


def _sounded_out(word: str) -> tuple[str, ...]:
    units = _units(word)
    choices = [_persian_choices(unit, i, len(units)) for i, unit in enumerate(units)]
    ambiguous = 0
    for i, options in enumerate(choices):
        if len(options) > 1:
            ambiguous += 1
            if ambiguous > MAX_AMBIGUOUS_VOWELS:
                choices[i] = options[:1]
    return tuple("".join(parts) for parts in product(*choices))


def _units(word: str) -> list[str]:
    units: list[str] = []
    position = 0
    while position < len(word):
        unit = next((u for u in _UNITS if word.startswith(u, position)), word[position])
        units.append(unit)
        position += len(unit)
    return units


def _persian_choices(unit: str, position: int, unit_count: int) -> tuple[str, ...]:
    if unit in _CONSONANTS:
        return (_CONSONANTS[unit],)
    if unit not in _VOWELS_INSIDE:
        return ("",)  # a letter Persian has no use for
    if position == 0:
        return (_VOWELS_INITIAL[unit],)
    if position == unit_count - 1 and unit in _VOWELS_FINAL:
        return (_VOWELS_FINAL[unit],)
    return _VOWELS_INSIDE[unit]
