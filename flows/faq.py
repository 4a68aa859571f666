"""Matching a customer's question to the owner's FAQ entries. Pure: no I/O, no clock.

Customers write formal Persian, colloquial Persian ("میرسه", "دارین", "چنده") and Finglish
("hazine ersal chande?"), with typos and extra words. ``FaqIndex`` compares words, not whole
sentences:

1. Every text is reduced to *matching words*: ``core.text.normalize``, then letters that sound
   alike are folded (ص/ث/س, ذ/ض/ظ/ز, ط/ت, ح/ه, غ/ق, آ/ا; ع as Finglish writes it), since
   Finglish cannot tell them apart and customers mix them up.
2. Latin words are read as Finglish and spelled in Persian letters; vowels are ambiguous
   ("a" may or may not be written as ا), so a few spellings are tried and the best one is kept.
3. Each word has a few *forms*: without the verb prefix "می", without an ending (plural,
   possessive, personal endings, "است"), with a colloquial ending or verb stem made formal
   ("ه"→"د", "ین"→"ید", "میخوام"→"میخواهم"), or a shop synonym ("پست"≈"ارسال"). Two words
   match when they share a form; every step away from the word as written lowers the match a
   little. Words that still match nothing are compared letter by letter (rapidfuzz) for typos.
4. Words are weighted by IDF computed over the FAQ itself, so a word every entry uses counts
   for little; function words ("من", "که", "دارید") and numbers count for little anyway, and a
   word the FAQ never uses counts fully against every entry.
5. An entry's score is the F1 of *recall* (how much of its closest phrasing, question or
   alternative, the customer said) and *precision* (how much of what the customer said the
   entry explains, across all its phrasings, since customers mix them).

Whole-sentence letter similarity (rapidfuzz ``token_set_ratio``/``partial_ratio``) was measured
as an extra signal on the Persian questions of the test FAQ: it told paraphrases from off-topic
questions apart less well than the word score (ROC AUC 0.83 against 0.96), and mixing any share
of it in made the word score worse. So rapidfuzz is only used word by word, for typos.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from rapidfuzz import fuzz, process

from core.text import normalize

__all__ = [
    "FaqDecision", "FaqEntry", "FaqIndex", "FaqMatch", "finglish_spellings", "matching_words",
]  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqEntry:
    id: str
    question: str
    alternatives: tuple[str, ...] = ()
    answer: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqMatch:
    entry: FaqEntry
    score: float  # 0..1


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqDecision:
    answer: FaqEntry | None  # set when confident
    choices: tuple[FaqEntry, ...]  # up to 3 when unsure; empty when confident or nothing close


# --- Decision ------------------------------------------------------------------------------

# Answering the wrong question is worse than asking: a customer offered choices loses one tap,
# one told the wrong delivery time may lose the order. An answer needs one of two kinds of
# evidence, and a clear lead over the next entry.
#
# 1. A score that paraphrases reach by saying most of an entry's phrasing. One shared word
#    reaches about 0.55 when the rest of the message is function words ("ساعت چنده الان؟"
#    against "ساعت کاری فروشگاه چیست؟"), so one word alone does not answer.
CONFIDENT_SCORE = 0.58
# 2. At least two of the customer's content words found in the entry (as written or in a near
#    form: KEY_WORD_MATCH), with the entry explaining at least half of the message. Two words
#    rarely point at the same entry by chance; the half keeps complaints that happen to use an
#    entry's words ("چرا هزینه ارسال رو دوبار از حسابم کم کردید؟") from getting its answer.
CONFIDENT_SCORE_WITH_KEY_WORDS = 0.45
CONFIDENT_PRECISION_WITH_KEY_WORDS = 0.5
KEY_WORD_MATCH = 0.7
# Two entries close together ("ارسال" is in shipping time and in shipping cost) mean the
# customer should pick.
CONFIDENT_MARGIN = 0.12
# Choices cost one tap, so any entry sharing a content word is offered; below this the overlap
# is only function words, a loose typo match, or one word lost in a long message.
CHOICE_SCORE = 0.2
MAX_CHOICES = 3

# --- Scoring -------------------------------------------------------------------------------

# Function words weigh this much against a content word's IDF (which is at least ln 2 ≈ 0.69).
FUNCTION_WORD_WEIGHT = 0.2
# Numbers ("600 تومن", "3 روز") are details of the customer's case, not the topic.
NUMBER_WEIGHT = 0.1
# A very long message is a story, not a question; only its start is matched, which also bounds
# the cost of a 10,000-character message.
MAX_QUERY_WORDS = 60
# Longer "words" are pasted links, codes or keyboard mashing; they match nothing, and skipping
# them keeps a 10,000-letter word from costing Finglish spellings and typo comparisons.
MAX_WORD_LENGTH = 30

# --- Word forms ----------------------------------------------------------------------------

# Each step from the word as written to a shared form costs this much of the match.
AFFIX_PENALTY = 0.1
SYNONYM_PENALTY = 0.1
# Typos: letter similarity (0..100) of at least FUZZY_MIN_RATIO between words of at least
# FUZZY_MIN_LENGTH letters; shorter words are too easily confused ("پست"/"پس", "مهلت"/"محل").
FUZZY_MIN_RATIO = 80
FUZZY_MIN_LENGTH = 4
FUZZY_PENALTY = 0.15
# A stem shorter than this is too short to tell words apart ("بند" minus "د" would be "بن").
MIN_STEM_LENGTH = 3
# Word matches weaker than this are ignored rather than counted as a little evidence.
MIN_WORD_MATCH = 0.5

_SOUND_ALIKE_FOLDS = str.maketrans(
    {"ص": "س", "ث": "س", "ذ": "ز", "ض": "ز", "ظ": "ز", "ط": "ت", "ح": "ه", "غ": "ق", "ع": None,
     "آ": "ا", "ء": None}
)  # fmt: skip

_VERB_PREFIXES = ("نمی", "می")
# No "ت" ("your", rare towards a shop): "مهلت" would become "مهل", which is "محل" folded.
_ENDINGS = (
    "هایشان", "هایتان", "هایمان", "هایی", "های", "ها", "ترین", "تر",
    "شان", "تان", "مان", "شون", "تون", "مون", "ست", "اش", "ات", "ام", "ای", "ان",
    "ید", "ین", "ند", "یم", "ه", "ی", "م", "ش", "د", "ن", "و", "ا",
)  # fmt: skip
# Colloquial endings and their formal spelling: "میرسه"→"میرسد", "دارین"→"دارید",
# "میگن"→"میگند", "گوشیا"→"گوشیها", "کجاس"→"کجاست".
_COLLOQUIAL_ENDINGS = (("ه", "د"), ("ین", "ید"), ("ن", "ند"), ("ا", "ها"), ("س", "ست"))
# Common verbs whose colloquial present stem is shorter than the formal one, seen between a verb
# prefix and a personal ending: "بدم"→"بدهم", "میخوام"→"میخواهم", "میتونم"→"میتوانم",
# "میشه"→"میشوه" (and by its ending "میشود"), "بگم"→"بگویم", "برم"→"بروم", "میاد"→"میاید".
_FORMAL_VERB_STEMS = {
    "د": "ده", "خوا": "خواه", "تون": "توان", "ش": "شو", "گ": "گوی", "ر": "رو", "ا": "ای",
    "یا": "یای",
}  # fmt: skip
_COLLOQUIAL_VERB_RE = re.compile(
    rf"^(نمی|می|ب|ن)({'|'.join(_FORMAL_VERB_STEMS)})(م|ی|ه|یم|ین|ید|ن|ند|د)$"
)

# Words any shop's customers use for the same thing. Only single words, and only ones with no
# everyday second meaning ("بسته" is also "closed", "پس" also "then").
_SYNONYM_GROUPS = (
    ("ارسال", "پست", "فرستادن", "فرستاد", "فرست", "ارسالی"),
    ("هزینه", "قیمت", "مبلغ", "خرج", "کرایه", "نرخ"),
    ("مرجوع", "مرجوعی", "برگشت", "برگرداندن", "برگردوندن", "برگردون", "عودت"),
    ("تعویض", "عوض"),
    ("سفارش", "مرسوله"),
    ("زمان", "مدت"),
    ("آدرس", "نشانی", "لوکیشن"),
    ("فروشگاه", "مغازه", "شعبه"),
    ("تخفیف", "کوپن"),
    ("قسط", "قسطی", "اقساط", "اقساطی"),
    ("فاکتور", "صورتحساب"),
    ("گارانتی", "ضمانت"),
    ("لغو", "کنسل"),
    ("پیگیری", "رهگیری"),
    ("کالا", "محصول", "جنس"),
    ("تلفن", "شماره", "موبایل"),
    ("پول", "وجه"),
)

# Persian function words, formal and colloquial: pronouns, prepositions, question words,
# auxiliary and light verbs, greetings and politeness. They say how something is asked, not
# what is asked about.
_FUNCTION_WORDS = """
    من تو او ما شما ایشان آنها اونا خودم خودت خودش خودتون خودتان
    این آن اون همین همان همون اینو اونو اینا اونجا اینجا
    به از با در توی برای واسه برا که و یا هم اگه اگر تا را رو روی ولی اما چون مگه یعنی
    چه چی چیه چیست چطور چطوری چطوریه چگونه چجوری چقدر چقد چند چن کی کیه کجا کجاست کدام کدوم
    چرا آیا چیکار نحوه امکان ممکن انجام لازم بدونم بدانم
    است هست هستش هستید هستین هستند هستن بود بودم باشه باشد شد شده شود میشه میشود نمیشه بشه
    کن کنم کنید کنین کنه کند کرد کردم کردن کنیم دارم داری دارد داره دارید دارین دارند دارن
    داشتم داشت میخوام میخواهم میخواستم خواستم میتونم میتوانم میتونید میتوانید باید
    بدید بدین بدهید بده میدید میدین میدهید
    سلام درود لطفا ممنون ممنونم مرسی متشکرم ببخشید خسته نباشید بخیر عزیز
    یه یک هر دیگه دیگر خیلی الان فقط نه آره بله سوال بپرسم می ها
"""


def matching_words(text: str) -> list[str]:
    """The words of ``text`` as they are compared: normalized, sound-alike letters folded,
    symbols and emoji dropped, digits split from letters ("600تومن" → "600", "تومن")."""
    finglish_joined = _APOSTROPHE_IN_WORD_RE.sub("", text)
    canonical = _NOT_A_WORD_RE.sub(" ", normalize(finglish_joined))
    digits_apart = _DIGIT_LETTER_BOUNDARY_RE.sub(" ", canonical)
    suffixes_joined = _DETACHED_COLLOQUIAL_SUFFIX_RE.sub(r"\1", digits_apart)
    return _fold_sound_alikes(suffixes_joined).split()


def _fold_sound_alikes(text: str) -> str:
    return _INITIAL_AYN_RE.sub("ا", text).translate(_SOUND_ALIKE_FOLDS)


_APOSTROPHE_IN_WORD_RE = re.compile(r"(?<=[A-Za-z])['’`](?=[A-Za-z])")  # Finglish "ta'viz"
_NOT_A_WORD_RE = re.compile(r"[\W_]+")
_DIGIT_LETTER_BOUNDARY_RE = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")
_LATIN_WORD_RE = re.compile(r"[a-z]+")
# Colloquial plural-plus-possessive endings typed apart ("گارانتی هاتون"); core.text.normalize
# joins the formal ones ("ها", "هایتان") but not these.
_DETACHED_COLLOQUIAL_SUFFIX_RE = re.compile(
    r"(?<=[\u0620-\u064a\u067e-\u06cc]) (ها(?:تون|مون|شون|رو|تو|مو|شو|ش|م|ت))(?!\S)"
)
# Finglish writes ع as the vowel it carries: on an alef at the start of a word ("avaz" for
# "عوض"), not at all inside it ("marjoo" for "مرجوع", "moaveze" for "معاوضه").
_INITIAL_AYN_RE = re.compile(r"(?<!\S)ع")

# --- Finglish ------------------------------------------------------------------------------

# Latin letters or pairs and their Persian letter; vowels are handled apart. Sound-alike Persian
# letters are folded anyway, so "s" needs no choice between س/ص/ث, "z" none between ز/ذ/ض/ظ.
_FINGLISH_CONSONANTS = {
    "kh": "خ", "sh": "ش", "ch": "چ", "gh": "ق", "zh": "ژ",
    "b": "ب", "p": "پ", "t": "ت", "s": "س", "j": "ج", "h": "ه", "d": "د", "r": "ر",
    "z": "ز", "f": "ف", "q": "ق", "k": "ک", "c": "ک", "g": "گ", "l": "ل", "m": "م",
    "n": "ن", "v": "و", "w": "و", "y": "ی", "x": "خ",
}  # fmt: skip
# Vowels as they are written inside a word. A tuple holds the possible spellings: a Finglish "a"
# is the long vowel (written ا) or the short one (not written), an "o" is "و" or not written.
_FINGLISH_VOWELS_INSIDE = {
    "aa": ("ا",), "ee": ("ی",), "oo": ("و",), "ou": ("و",), "ei": ("ی",), "ey": ("ی",),
    "a": ("ا", ""), "o": ("", "و"), "e": ("",), "i": ("ی",), "u": ("و",),
}  # fmt: skip
# At the start of a word every vowel sits on an alef.
_FINGLISH_VOWELS_INITIAL = {
    "aa": "ا", "ee": "ای", "oo": "او", "ou": "او", "ei": "ای", "ey": "ای",
    "a": "ا", "o": "ا", "e": "ا", "i": "ای", "u": "او",
}  # fmt: skip
# At the end, "e" is the silent ه ("khane" → خانه), "a" and "o" are written ("ba" → با).
_FINGLISH_VOWELS_FINAL = {"e": "ه", "a": "ا", "o": "و"}
_FINGLISH_UNITS = sorted(
    {*_FINGLISH_CONSONANTS, *_FINGLISH_VOWELS_INSIDE}, key=len, reverse=True
)
# Each ambiguous vowel doubles the spellings; beyond this many, the first spelling is used.
MAX_AMBIGUOUS_VOWELS = 4
_DOUBLED_CONSONANT_RE = re.compile(r"([b-df-hj-np-tv-z])\1")  # Persian writes them once


def finglish_spellings(word: str) -> tuple[str, ...]:
    """Persian spellings of a Finglish word, most likely first, sound-alike letters folded.

    >>> finglish_spellings("ersal")
    ('ارسال', 'ارسل')
    """
    units = _finglish_units(_DOUBLED_CONSONANT_RE.sub(r"\1", word.casefold()))
    choices = [_persian_choices(unit, i, len(units)) for i, unit in enumerate(units)]
    ambiguous = 0
    for i, options in enumerate(choices):
        if len(options) > 1:
            ambiguous += 1
            if ambiguous > MAX_AMBIGUOUS_VOWELS:
                choices[i] = options[:1]
    spellings = ("".join(parts) for parts in product(*choices))
    return tuple(dict.fromkeys(spelling for spelling in spellings if spelling))


def _finglish_units(word: str) -> list[str]:
    units: list[str] = []
    position = 0
    while position < len(word):
        unit = next(
            (u for u in _FINGLISH_UNITS if word.startswith(u, position)), word[position]
        )
        units.append(unit)
        position += len(unit)
    return units


def _persian_choices(unit: str, position: int, unit_count: int) -> tuple[str, ...]:
    if unit in _FINGLISH_CONSONANTS:
        return (_FINGLISH_CONSONANTS[unit],)
    if unit not in _FINGLISH_VOWELS_INSIDE:
        return ("",)  # a letter Persian has no use for
    if position == 0:
        return (_FINGLISH_VOWELS_INITIAL[unit],)
    if position == unit_count - 1 and unit in _FINGLISH_VOWELS_FINAL:
        return (_FINGLISH_VOWELS_FINAL[unit],)
    return _FINGLISH_VOWELS_INSIDE[unit]


# --- Word forms ----------------------------------------------------------------------------


def _fold_all(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_fold_sound_alikes(word) for word in words)


_FUNCTION_WORD_SET = _fold_all(_FUNCTION_WORDS.split())
_ENDING_SET = frozenset(_ENDINGS)
_LONGEST_ENDING = max(map(len, _ENDINGS))
_SYNONYM_KEYS = {
    word: f"~{group[0]}" for group in _SYNONYM_GROUPS for word in _fold_all(group)
}


def _word_forms(word: str) -> dict[str, float]:
    """Forms of ``word`` that another spelling of it may share, with what each step cost."""
    forms = {word: 0.0}
    if verb := _COLLOQUIAL_VERB_RE.match(word):
        prefix, stem, ending = verb.groups()
        forms[prefix + _FORMAL_VERB_STEMS[stem] + ending] = AFFIX_PENALTY
    for prefix in _VERB_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_LENGTH - 1:
            forms[word[len(prefix) :]] = AFFIX_PENALTY
            break
    for _ in range(2):  # up to two endings: "سفارشمو" is سفارش + م + و
        for form, cost in list(forms.items()):
            for shorter in _without_ending(form):
                _keep_cheapest(forms, shorter, cost + AFFIX_PENALTY)
    for form, cost in list(forms.items()):
        if form in _SYNONYM_KEYS:
            _keep_cheapest(forms, _SYNONYM_KEYS[form], cost + SYNONYM_PENALTY)
    return forms


def _without_ending(word: str) -> Iterable[str]:
    for length in range(1, min(_LONGEST_ENDING, len(word) - MIN_STEM_LENGTH) + 1):
        if word[-length:] in _ENDING_SET:
            yield word[:-length]
    for colloquial, formal in _COLLOQUIAL_ENDINGS:
        if word.endswith(colloquial) and len(word) - len(colloquial) >= MIN_STEM_LENGTH - 1:
            yield word[: -len(colloquial)] + formal


def _keep_cheapest(forms: dict[str, float], form: str, cost: float) -> None:
    if cost < forms.get(form, math.inf):
        forms[form] = cost


def _is_function_word(forms: dict[str, float]) -> bool:
    """Whether a word, given its forms, is a function word as written or with one step."""
    return any(
        form in _FUNCTION_WORD_SET for form, cost in forms.items() if cost <= AFFIX_PENALTY
    )


def _is_number(word: str) -> bool:
    return word.isdigit()


def _spellings(word: str) -> tuple[str, ...]:
    """The word itself, or its Persian spellings when it is Finglish."""
    if _LATIN_WORD_RE.fullmatch(word):
        return finglish_spellings(word) or (word,)
    return (word,)


# --- Index ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Phrase:
    """One question or alternative of an entry, as weighted matching words."""

    words: tuple[str, ...]
    weights: tuple[float, ...]
    total_weight: float


@dataclass(frozen=True, slots=True)
class _IndexedEntry:
    entry: FaqEntry
    phrases: tuple[_Phrase, ...]
    words: frozenset[str]  # of all its phrases


@dataclass(frozen=True, slots=True)
class _Scored:
    index: int  # of the entry
    score: float
    key_words: int  # the customer's content words that this entry has too
    precision: float  # share of the customer's words (by weight) that the entry explains


@dataclass(frozen=True, slots=True)
class _SaidWord:
    matches: dict[str, float]  # FAQ word → how well this word matches it, 0..1
    weight: float


class FaqIndex:
    """The owner's FAQ, prepared once for matching many customer messages."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        entries = tuple(entries)
        words_by_entry = [
            [_unique(matching_words(text)) for text in (entry.question, *entry.alternatives)]
            for entry in entries
        ]
        self._entries_using: dict[str, set[int]] = {}
        for index, phrases in enumerate(words_by_entry):
            for words in phrases:
                for word in words:
                    self._entries_using.setdefault(word, set()).add(index)
        forms_by_word = {word: _word_forms(word) for word in self._entries_using}
        self._weights = {
            word: _faq_word_weight(word, forms_by_word[word], len(using), len(entries))
            for word, using in self._entries_using.items()
        }
        self._entries = tuple(
            self._indexed_entry(entry, phrases)
            for entry, phrases in zip(entries, words_by_entry, strict=True)
        )
        self._vocabulary = tuple(self._weights)
        self._typo_candidates = tuple(w for w in self._vocabulary if len(w) >= FUZZY_MIN_LENGTH)
        self._words_by_form: dict[str, list[tuple[str, float]]] = {}
        for word, forms in forms_by_word.items():
            for form, cost in forms.items():
                self._words_by_form.setdefault(form, []).append((word, cost))
        # A word the FAQ never uses is as rare as a word can be, and all of it is unexplained:
        # "چرا هزینه ارسال رو دوبار از حسابم کم کردید" is a complaint, not a price question.
        self._unknown_word_weight = _idf(1, len(entries))

    def rank(self, text: str, limit: int = 3) -> list[FaqMatch]:
        """The entries closest to ``text``, best first, at most ``limit``, scores 0..1."""
        return [
            FaqMatch(entry=self._entries[scored.index].entry, score=round(scored.score, 4))
            for scored in self._scored(text)[:limit]
        ]

    def decide(self, text: str) -> FaqDecision:
        """Answer when confident, offer choices when unsure, nothing when nothing is close."""
        scored = self._scored(text)[:MAX_CHOICES]
        close = [candidate for candidate in scored if candidate.score >= CHOICE_SCORE]
        if not close:
            return FaqDecision(answer=None, choices=())
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        if _is_confident(close[0], runner_up):
            return FaqDecision(answer=self._entries[close[0].index].entry, choices=())
        return FaqDecision(
            answer=None, choices=tuple(self._entries[c.index].entry for c in close)
        )

    def _scored(self, text: str) -> list[_Scored]:
        said = self._query_words(text)
        heard: dict[str, float] = {}
        for said_word in said:
            for word, quality in said_word.matches.items():
                _keep_best(heard, word, quality)
        candidates = {index for word in heard for index in self._entries_using[word]}
        scored = (self._entry_score(index, said, heard) for index in candidates)
        # Ties go to the entry the owner listed first, so the order never depends on chance.
        return sorted(
            (candidate for candidate in scored if candidate.score > 0),
            key=lambda candidate: (-candidate.score, candidate.index),
        )

    def _indexed_entry(self, entry: FaqEntry, phrases: list[tuple[str, ...]]) -> _IndexedEntry:
        return _IndexedEntry(
            entry=entry,
            phrases=tuple(self._phrase(words) for words in phrases if words),
            words=frozenset(word for words in phrases for word in words),
        )

    def _phrase(self, words: tuple[str, ...]) -> _Phrase:
        weights = tuple(self._weights[word] for word in words)
        return _Phrase(words=words, weights=weights, total_weight=sum(weights))

    def _query_words(self, text: str) -> list[_SaidWord]:
        words = _unique(matching_words(text)[:MAX_QUERY_WORDS])
        return [self._said_word(word) for word in words]

    def _said_word(self, word: str) -> _SaidWord:
        if len(word) > MAX_WORD_LENGTH:
            return _SaidWord(matches={}, weight=self._unknown_word_weight)
        forms_by_spelling = {spelling: _word_forms(spelling) for spelling in _spellings(word)}
        matches = self._vocabulary_matches(forms_by_spelling)
        if _is_number(word):
            weight = NUMBER_WEIGHT
        elif any(_is_function_word(forms) for forms in forms_by_spelling.values()):
            weight = FUNCTION_WORD_WEIGHT
        elif matches:
            weight = self._weights[max(matches, key=matches.__getitem__)]
        else:
            weight = self._unknown_word_weight
        return _SaidWord(matches=matches, weight=weight)

    def _vocabulary_matches(self, forms_by_spelling: dict[str, dict[str, float]]
                            ) -> dict[str, float]:
        """FAQ words a customer's word may be, each with how well it matches (0..1)."""
        matches: dict[str, float] = {}
        for forms in forms_by_spelling.values():
            for form, cost in forms.items():
                for word, word_cost in self._words_by_form.get(form, ()):
                    _keep_best(matches, word, 1.0 - cost - word_cost)
        if max(matches.values(), default=0.0) < 1.0 - AFFIX_PENALTY:
            for spelling in forms_by_spelling:
                for word, quality in self._typo_matches(spelling):
                    _keep_best(matches, word, quality)
        return {word: quality for word, quality in matches.items() if quality >= MIN_WORD_MATCH}

    def _typo_matches(self, spelling: str) -> Iterable[tuple[str, float]]:
        if len(spelling) < FUZZY_MIN_LENGTH:
            return ()
        found = process.extract(
            spelling, self._typo_candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO,
            limit=3,
        )
        return ((word, ratio / 100 - FUZZY_PENALTY) for word, ratio, _ in found)

    def _entry_score(self, index: int, said: list[_SaidWord], heard: dict[str, float]
                     ) -> _Scored:
        entry = self._entries[index]
        # Recall against the closest single phrasing; precision against everything the entry
        # says, since a customer may mix the words of its question and of an alternative.
        recall = max(
            sum(weight * heard.get(word, 0.0) for word, weight in
                zip(phrase.words, phrase.weights, strict=True)) / phrase.total_weight
            for phrase in entry.phrases
        )
        explained = [
            max((said_word.matches.get(word, 0.0) for word in entry.words), default=0.0)
            for said_word in said
        ]
        precision = sum(
            said_word.weight * quality for said_word, quality in zip(said, explained, strict=True)
        ) / sum(said_word.weight for said_word in said)
        key_words = sum(
            said_word.weight > FUNCTION_WORD_WEIGHT and quality >= KEY_WORD_MATCH
            for said_word, quality in zip(said, explained, strict=True)
        )
        if recall == 0 or precision == 0:
            return _Scored(index=index, score=0.0, key_words=0, precision=precision)
        score = 2 * precision * recall / (precision + recall)
        return _Scored(index=index, score=score, key_words=key_words, precision=precision)


def _is_confident(best: _Scored, runner_up: float) -> bool:
    named_by_key_words = (
        best.key_words >= 2
        and best.precision >= CONFIDENT_PRECISION_WITH_KEY_WORDS
        and best.score >= CONFIDENT_SCORE_WITH_KEY_WORDS
    )
    return (
        best.score >= CONFIDENT_SCORE or named_by_key_words
    ) and best.score - runner_up >= CONFIDENT_MARGIN


def _keep_best(matches: dict[str, float], word: str, quality: float) -> None:
    if quality > matches.get(word, 0.0):
        matches[word] = quality


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def _idf(entries_using: int, entry_count: int) -> float:
    return math.log(1 + entry_count / entries_using)


def _faq_word_weight(
    word: str, forms: dict[str, float], entries_using: int, entry_count: int
) -> float:
    if _is_number(word):
        return NUMBER_WEIGHT
    if _is_function_word(forms):
        return FUNCTION_WORD_WEIGHT
    return _idf(entries_using, entry_count)
