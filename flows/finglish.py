"""Finglish: Persian typed in Latin letters ("sefaresham key mirese?"), spelled in Persian.

Pure: no I/O. Many customers type Persian with a Latin keyboard, with no fixed spelling: "a"
may be the long vowel written ا or the short one not written at all, "kh" is خ, "gh" is ق or
غ. ``finglish_spellings`` returns the few Persian spellings a word may stand for, and the FAQ
matcher keeps whichever matches best. Shop vocabulary borrowed from English ("size",
"cancel", "code") is typed with its English spelling, which sounds out badly, so those words
are looked up first.

Spellings come with the sound-alike Persian letters already folded (س for ص/ث, ز for ذ/ض/ظ,
ت for ط, ه for ح, ق for غ), as ``flows.persian_forms.fold_sound_alikes`` folds Persian words.
"""

from __future__ import annotations

import re
from itertools import product

__all__ = ["finglish_spellings", "is_finglish"]

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

# Loanwords of online shopping that customers type with their English spelling; sounding them
# out gives the wrong vowels ("size" → سیزه, not سایز). Spelled folded, like every spelling.
_LOANWORDS = {
    "size": "سایز", "cancel": "کنسل", "code": "کد", "original": "اورجینال",
    "online": "انلاین", "offline": "افلاین", "post": "پست", "card": "کارت", "model": "مدل",
    "email": "ایمیل", "site": "سایت", "website": "وبسایت", "app": "اپ",
    "application": "اپلیکیشن", "password": "پسورد", "link": "لینک", "brand": "برند",
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
    word = word.casefold()
    sounded_out = _sounded_out(_SOFT_C_RE.sub("s", _DOUBLED_CONSONANT_RE.sub(r"\1", word)))
    loanword = _LOANWORDS.get(word)
    spellings = (loanword, *sounded_out) if loanword else sounded_out
    return tuple(dict.fromkeys(spelling for spelling in spellings if spelling))


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
