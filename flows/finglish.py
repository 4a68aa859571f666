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

from flows.lexicon import frequency, written_form
from flows.persian_forms import AFFIX_PENALTY, word_forms

__all__ = ["finglish_spellings", "is_finglish", "persian_text"]

# Latin letters or pairs and their Persian letter; vowels are handled apart. Sound-alike Persian
# letters are folded anyway, so "s" needs no choice between س/ص/ث, "z" none between ز/ذ/ض/ظ.
_CONSONANTS = {
    "kh": "خ", "sh": "ش", "ch": "چ", "gh": "ق", "zh": "ژ", "ph": "ف", "ck": "ک", "wh": "و",
    "b": "ب", "p": "پ", "t": "ت", "s": "س", "j": "ج", "h": "ه", "d": "د", "r": "ر",
    "z": "ز", "f": "ف", "q": "ق", "k": "ک", "c": "ک", "g": "گ", "l": "ل", "m": "م",
    "n": "ن", "v": "و", "w": "و", "y": "ی",
}  # fmt: skip
_OTHER_CONSONANTS = {"x": (("خ", 1.0), ("کس", 0.3))}
# Vowels and how Persian may write them, each with how likely that writing is (1 for the usual
# one): a short vowel is not written at all, a long one is ا, ی or و. Inside a word a Finglish
# "a" is the long vowel ا or the short one, an "o" is و or the short one, an "e" is short.
_VOWELS_INSIDE = {
    "aa": (("ا", 1.0),), "ee": (("ی", 1.0),), "ii": (("ی", 1.0),), "oo": (("و", 1.0),),
    "ou": (("و", 1.0),), "ei": (("ی", 1.0),), "ey": (("ی", 1.0),), "ea": (("ی", 1.0),),
    "ai": (("ای", 1.0), ("ی", 0.5)),
    "a": (("ا", 1.0), ("", 1.0)), "o": (("", 1.0), ("و", 0.4), ("ا", 0.2)),
    "e": (("", 1.0), ("ه", 0.1)),
    "i": (("ی", 1.0),), "u": (("و", 1.0),),
}  # fmt: skip
# An "e" inside a word may end the first part of a compound ("bastebandi" بسته‌بندی), an "x" is
# کس in loanwords ("tipax" تیپاکس).
# At the start of a word every vowel sits on an alef (آ folds to ا), "o" often with و ("omid"
# امید, "ostad" استاد; "oftad" افتاد), "i" with ی ("in" این).
_VOWELS_INITIAL = {
    "aa": (("ا", 1.0),), "ee": (("ای", 1.0),), "ii": (("ای", 1.0),), "oo": (("او", 1.0),),
    "ou": (("او", 1.0),), "ei": (("ای", 1.0),), "ey": (("ای", 1.0),), "ea": (("ای", 1.0),),
    "ai": (("ای", 1.0),), "a": (("ا", 1.0),), "o": (("ا", 1.0), ("او", 0.5)),
    "e": (("ا", 1.0), ("ای", 0.2)),
    "i": (("ای", 1.0), ("ا", 0.2)), "u": (("او", 1.0),),
}  # fmt: skip
# At the end, "e" is the silent ه ("khane" خانه) or an unwritten ezafe ("sefareshe man", "moghe"
# موقع); "a" and "o" are written ("ba" با, "ro" رو), "a" sometimes as ه ("na" نه).
_VOWELS_FINAL = {
    "e": (("ه", 1.0), ("", 0.005)), "a": (("ا", 1.0), ("ه", 0.02)), "o": (("و", 1.0),),
}
_UNIT_RE = re.compile(
    "|".join(sorted({*_CONSONANTS, *_OTHER_CONSONANTS, *_VOWELS_INSIDE}, key=len, reverse=True))
    + "|."
)
# Endings: the ezafe after a vowel is written ی ("baraye" برای, "hazineye" هزینه‌ی), and an
# Arabic adverb's "an" is written ا ("ghablan" قبلاً, "lotfan" لطفاً).
_EZAFE_AFTER_VOWEL = (("", 1.0), ("ه", 0.2))
_ADVERB_AN = (("ان", 1.0), ("ن", 1.0), ("ا", 0.05))
# In loanwords "g" before e, i or y is often ج ("original" اورجینال).
_SOFT_G = (("گ", 1.0), ("ج", 0.3))
# After خ a long "a" may be written وا ("khaharam" خواهرم, "khab" خواب).
_SILENT_VAV = ("وا", 0.5)
# The most spellings sounded out for one word, the likeliest writings of its vowels first, and
# the most returned: the matcher analyses each.
MAX_SPELLINGS = 64
MAX_SPELLINGS_KEPT = 8
# Of those, how many that are no word as written are looked at one step away (an ending off, a
# colloquial form made written): each costs an analysis of the word.
MAX_ONE_STEP_LOOKUPS = 8
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
    ("am", "م"), ("e", "ه"), ("et", "ت"), ("atoon", "اتون"), ("aye", "های"), ("ash", "اش"),
    ("a", "ا"), ("ye", "ی"),
)  # fmt: skip
# A spelling that is a word only once an ending is taken off counts this share of that word's
# frequency: a spelling that is a word as typed comes first.
ONE_STEP_AWAY_SHARE = 0.003
# A stem shorter than this is too often part of a longer word ("post" in "poshesh").
MIN_LATIN_STEM = 3

# Loanwords keep their English spelling ("size", "online", "fake", "shop"), which reads as
# Finglish badly; they are also read by English rules, less likely, and the frequency list
# tells which reading Persian writes (سایز, آنلاین, فیک, شاپ). A vowel, one consonant and a
# silent final e: the vowel is long ("size" sayz, "fake" feyk, "code" cod).
_MAGIC_E_RE = re.compile(r"(?<![aeiou])([aiou])([b-df-hj-np-tv-z])e$")
_LONG_VOWELS = {"a": "ey", "i": "ay", "o": "o", "u": "oo"}
ENGLISH_READING = 0.5

# Loanwords of online shopping whose Persian spelling no rule gives ("card" کارت, not کرد;
# "post" پست, not پوست; "code" کد): tried first. Spelled folded, like every spelling.
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
    loanword = _LOANWORDS.get(word) or _loanword_with_ending(word)
    # Spellings that are Persian words first, the more frequent (times how likely the vowels'
    # writing is) first; then the rest in the order they were sounded out.
    likelihood: dict[str, float] = {}
    one_step_lookups = MAX_ONE_STEP_LOOKUPS
    for spelling, weight in _readings(word):
        found = frequency(spelling)
        if not found and one_step_lookups:
            one_step_lookups -= 1
            found = ONE_STEP_AWAY_SHARE * _one_step_frequency(spelling)
        likelihood[spelling] = found * weight
    if not any(frequency(spelling) for spelling in likelihood):
        for spelling, found in _known_stems_with_endings(word):
            likelihood[spelling] = max(likelihood.get(spelling, 0.0), found)
    # Between spellings as likely, the shorter: Persian leaves short vowels unwritten
    # ("sefaresham" سفارشم, not سفارشام). Unknown words keep the order they were sounded out in.
    ranked = sorted(likelihood, key=lambda spelling: (
        -likelihood[spelling], len(spelling) if likelihood[spelling] else 0))
    spellings = (loanword, *ranked) if loanword else tuple(ranked)
    return tuple(dict.fromkeys(spelling for spelling in spellings if spelling))[:MAX_SPELLINGS_KEPT]


def _readings(word: str) -> list[tuple[str, float]]:
    """Spellings of the word read as Finglish, then (less likely) by English rules."""
    readings = dict(_sounded_out(_SOFT_C_RE.sub("s", word)))
    english = _MAGIC_E_RE.sub(lambda m: _LONG_VOWELS[m[1]] + m[2], _SOFT_C_RE.sub("s", word))
    if english != word:
        for spelling, weight in _sounded_out(english):
            readings.setdefault(spelling, weight * ENGLISH_READING)
    return list(readings.items())


def _one_step_frequency(spelling: str) -> float:
    """How often the word one step away is written ("chande" → چنده → چند, "sefaresham" →
    سفارشام → سفارش), for a spelling that is no word as written."""
    return max(
        (frequency(form) for form, cost in word_forms(spelling).items()
         if 0 < cost <= AFFIX_PENALTY),
        default=0,
    )


def _known_stems_with_endings(word: str) -> list[tuple[str, float]]:
    """A word that is no Persian word as sounded out, read as a known word and a Persian ending
    typed in Latin letters ("gooshiatoon" گوشی + اتون, "sizesh")."""
    found = []
    for ending, persian in _LATIN_ENDINGS:
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= MIN_LATIN_STEM:
            for spelling, weight in _readings(stem):
                if stem_frequency := frequency(spelling):
                    found.append((spelling + persian,
                                  ONE_STEP_AWAY_SHARE * stem_frequency * weight))
    return found


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


@lru_cache(maxsize=8192)
def _sounded_out(word: str) -> tuple[tuple[str, float], ...]:
    """The Persian spellings ``word`` may sound out to, each with how likely the writing of its
    vowels is, the likeliest first; at most MAX_SPELLINGS."""
    units = _units(word)
    choices = [_persian_choices(unit, i, len(units)) for i, unit in enumerate(units)]
    if len(units) >= 3 and units[-2:] == ["y", "e"] and units[-3] in _VOWELS_INSIDE:
        choices[-1] = _EZAFE_AFTER_VOWEL
        if units[-3] == "e":
            choices[-3] = (("ه", 1.0),)
    if len(units) >= 4 and units[-2:] == ["a", "n"]:
        choices[-2:] = [_ADVERB_AN]
    for position in range(1, len(choices)):
        if units[position - 1] in ("kh", "x") and units[position] in ("a", "aa"):
            choices[position] = (*choices[position], _SILENT_VAV)
    for position in range(len(choices) - 1):
        if units[position] == "g" and units[position + 1] in ("e", "i", "ee", "y"):
            choices[position] = _SOFT_G
    spellings: list[tuple[str, float]] = [("", 1.0)]
    for options in choices:
        extended: dict[str, float] = {}
        for spelling, weight in spellings:
            for letters, likely in options:
                longer = spelling + letters
                extended[longer] = max(extended.get(longer, 0.0), weight * likely)
        spellings = sorted(extended.items(), key=lambda item: -item[1])[:MAX_SPELLINGS]
    return tuple(spellings)


def _units(word: str) -> list[str]:
    """The word's letters and letter pairs; a consonant typed twice is written once."""
    units: list[str] = []
    for unit in _UNIT_RE.findall(word):
        if not (units and unit == units[-1] and unit not in _VOWELS_INSIDE):
            units.append(unit)
    return units


def _persian_choices(unit: str, position: int, unit_count: int) -> tuple[tuple[str, float], ...]:
    if unit in _CONSONANTS:
        return ((_CONSONANTS[unit], 1.0),)
    if unit in _OTHER_CONSONANTS:
        return _OTHER_CONSONANTS[unit]
    if unit not in _VOWELS_INSIDE:
        return (("", 1.0),)  # a letter Persian has no use for
    if position == 0:
        return _VOWELS_INITIAL[unit]
    if position == unit_count - 1 and unit in _VOWELS_FINAL:
        return _VOWELS_FINAL[unit]
    return _VOWELS_INSIDE[unit]
