"""Matching a customer's question to the owner's FAQ entries. Pure: no I/O, no clock.

Customers write formal Persian, colloquial Persian ("میرسه", "دارین", "چنده") and Finglish
("hazine ersal chande?"), with typos and extra words. ``FaqIndex`` compares words, not whole
sentences:

1. Every text is reduced to *matching words* (``flows.persian_forms.matching_words``:
   ``core.text.normalize``, sound-alike letters folded, held letters written once), and a noun
   with its light verb becomes one word ("پس بدم" → "مرجوع"). Compounds the customer typed
   apart or joined are read as the FAQ writes them ("ثبت نام", "کدتخفیف").
2. Latin words are read as Finglish (``flows.finglish``) and spelled in Persian letters; vowels
   are ambiguous, so a few spellings are tried, the less likely ones at a small cost.
3. Each word has a few *forms* (``flows.persian_forms.word_forms``): without verb prefix and
   endings, colloquial made formal, a verb reduced to its past stem, a broken plural to its
   singular, or general shop vocabulary to its meaning ("پست"≈"ارسال", "شیراز"≈"شهر"). Two
   words match when they share a form; every step away from the word as written lowers the
   match a little. Words that still match nothing are compared letter by letter (rapidfuzz).
4. Words are weighted by IDF computed over the FAQ itself, so a word every entry uses counts
   for little; function words ("من", "که", "دارید") and numbers count for little anyway, and a
   word the FAQ never uses counts fully against every entry.
5. An entry's score is the F1 of *recall* (how much of its closest phrasing, question or
   alternative, the customer said) and *precision* (how much of what the customer said the
   entry explains, across all its phrasings, since customers mix them, and at a discount its
   answer: "با کارت" is explained by an answer naming the cards it takes).

Whole-sentence letter similarity (rapidfuzz ``token_set_ratio``/``partial_ratio``) was measured
as an extra signal on the Persian questions of the test FAQ: it told paraphrases from off-topic
questions apart less well than the word score (ROC AUC 0.83 against 0.96), and mixing any share
of it in made the word score worse. So rapidfuzz is only used word by word, for typos.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from flows.finglish import finglish_spellings, is_finglish
from flows.persian_forms import (
    AFFIX_PENALTY,
    is_function_word,
    is_number,
    join_phrases,
    matching_words,
    word_forms,
)

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
    confidence: float = 0.0
    phrase: str = ""
    words: tuple[str, ...] = ()


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
# Only as many characters as that many words can take are read at all.
# Longer "words" are pasted links, codes or keyboard mashing; they match nothing, and skipping
# them keeps a 10,000-letter word from costing Finglish spellings and typo comparisons.
MAX_WORD_LENGTH = 30

# Typos: letter similarity (0..100) of at least FUZZY_MIN_RATIO between words of at least
# FUZZY_MIN_LENGTH letters; shorter words are too easily confused ("پست"/"پس", "مهلت"/"محل").
FUZZY_MIN_RATIO = 80
FUZZY_MIN_LENGTH = 4
FUZZY_PENALTY = 0.15
# Parts of a compound typed as one word are looked up only when at least this long.
MIN_COMPOUND_PART = 2
# A customer's word found only in an entry's answer ("اسنپ پی دارید؟" against an answer naming
# اسنپ‌پی) is some evidence that the entry explains the message, less than in its question:
# answers also mention what they are not about.
ANSWER_MATCH_SHARE = 0.6
# Finglish spellings after the most likely one are a little less likely ("kharej" is خارج
# more likely than خرج).
LESS_LIKELY_SPELLING = 0.05
# Word matches weaker than this are ignored rather than counted as a little evidence.
MIN_WORD_MATCH = 0.5
# Words whose meaning for this FAQ is kept between messages (see FaqIndex.__init__); a
# few MiB at most, and the index is thrown away with the FAQ it was built for.
SAID_WORDS_REMEMBERED = 8192


def _spellings(word: str) -> tuple[str, ...]:
    """The word itself, or its Persian spellings when it is Finglish."""
    if is_finglish(word):
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
    answer_words: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Scored:
    index: int  # of the entry
    score: float
    key_words: int  # the customer's content words that this entry's phrasings have too
    key_words_in_answer: int  # and those that only its answer has
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
            [_phrase_words(text) for text in (entry.question, *entry.alternatives)]
            for entry in entries
        ]
        answer_words_by_entry = [
            frozenset(word for word in _phrase_words(entry.answer) if not is_number(word))
            for entry in entries
        ]
        self._entries_using: dict[str, set[int]] = {}
        for index, phrases in enumerate(words_by_entry):
            for words in phrases:
                for word in words:
                    self._entries_using.setdefault(word, set()).add(index)
        answering: dict[str, int] = {}
        for words in answer_words_by_entry:
            for word in words:
                answering[word] = answering.get(word, 0) + 1
        forms_by_word = {word: word_forms(word) for word in {*self._entries_using, *answering}}
        self._weights = {
            word: _faq_word_weight(word, forms_by_word[word], len(using), len(entries))
            for word, using in self._entries_using.items()
        }
        # A word only the answers use weighs as its rarity among them says; it can explain a
        # customer's word (precision) but not stand for the question asked (recall).
        self._answer_only_weights = {
            word: _faq_word_weight(word, forms_by_word[word], count, len(entries))
            for word, count in answering.items()
            if word not in self._weights
        }
        self._entries = tuple(
            self._indexed_entry(entry, phrases, answer_words)
            for entry, phrases, answer_words in zip(
                entries, words_by_entry, answer_words_by_entry, strict=True
            )
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
        # Customers use a few words over and over ("سلام", "سفارش"); what one means for this
        # FAQ does not change until the FAQ does, and this index is rebuilt then.
        self._said_word = lru_cache(maxsize=SAID_WORDS_REMEMBERED)(self._said_word_uncached)

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
        candidates = {
            index for word in heard for index in self._entries_using.get(word, ())
        }
        scored = (self._entry_score(index, said, heard) for index in candidates)
        # Ties go to the entry the owner listed first, so the order never depends on chance.
        return sorted(
            (candidate for candidate in scored if candidate.score > 0),
            key=lambda candidate: (-candidate.score, candidate.index),
        )

    def _indexed_entry(self, entry: FaqEntry, phrases: list[tuple[str, ...]],
                       answer_words: frozenset[str]) -> _IndexedEntry:
        return _IndexedEntry(
            entry=entry,
            phrases=tuple(self._phrase(words) for words in phrases if words),
            words=frozenset(word for words in phrases for word in words),
            answer_words=answer_words,
        )

    def _phrase(self, words: tuple[str, ...]) -> _Phrase:
        weights = tuple(self._weights[word] for word in words)
        return _Phrase(words=words, weights=weights, total_weight=sum(weights))

    def _query_words(self, text: str) -> list[_SaidWord]:
        start = text[: MAX_QUERY_WORDS * (MAX_WORD_LENGTH + 1)]
        words = join_phrases(matching_words(start)[:MAX_QUERY_WORDS])
        return [self._said_word(word) for word in _unique(self._compounds_as_the_faq(words))]

    def _compounds_as_the_faq(self, words: list[str]) -> list[str]:
        """Compounds written as the FAQ writes them: Persian writes them with a half-space,
        which customers type as a space or not at all ("ثبت نام", "ثبتنام"; "کدتخفیف" for
        "کد تخفیف")."""
        rewritten: list[str] = []
        position = 0
        while position < len(words):
            word = words[position]
            joined = word + words[position + 1] if position + 1 < len(words) else ""
            if joined in self._words_by_form and not is_finglish(joined):
                rewritten.append(joined)
                position += 2
                continue
            rewritten.extend(self._split_as_the_faq(word))
            position += 1
        return rewritten

    def _split_as_the_faq(self, word: str) -> tuple[str, ...]:
        if word in self._words_by_form or is_finglish(word) or len(word) > MAX_WORD_LENGTH:
            return (word,)
        for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
            first, second = word[:cut], word[cut:]
            if first in self._words_by_form and any(
                form in self._words_by_form for form in word_forms(second)
            ):
                return first, second
        return (word,)

    def _said_word_uncached(self, word: str) -> _SaidWord:
        if len(word) > MAX_WORD_LENGTH:
            return _SaidWord(matches={}, weight=self._unknown_word_weight)
        forms_by_spelling = {spelling: word_forms(spelling) for spelling in _spellings(word)}
        matches = self._vocabulary_matches(forms_by_spelling)
        if is_number(word):
            weight = NUMBER_WEIGHT
        elif any(is_function_word(forms) for forms in forms_by_spelling.values()):
            weight = FUNCTION_WORD_WEIGHT
        elif asked := {word: q for word, q in matches.items() if word in self._weights}:
            weight = self._weights[max(asked, key=asked.__getitem__)]
        elif matches:
            weight = self._answer_only_weights[max(matches, key=matches.__getitem__)]
        else:
            weight = self._unknown_word_weight
        return _SaidWord(matches=matches, weight=weight)

    def _vocabulary_matches(self, forms_by_spelling: dict[str, dict[str, float]]
                            ) -> dict[str, float]:
        """FAQ words a customer's word may be, each with how well it matches (0..1)."""
        matches: dict[str, float] = {}
        for rank, forms in enumerate(forms_by_spelling.values()):
            for form, cost in forms.items():
                for word, word_cost in self._words_by_form.get(form, ()):
                    _keep_best(matches, word, 1.0 - cost - word_cost - rank * LESS_LIKELY_SPELLING)
        if max(matches.values(), default=0.0) < 1.0 - AFFIX_PENALTY:
            for rank, spelling in enumerate(forms_by_spelling):
                for word, quality in self._typo_matches(spelling):
                    _keep_best(matches, word, quality - rank * LESS_LIKELY_SPELLING)
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
        in_question = [
            max((said_word.matches.get(word, 0.0) for word in entry.words), default=0.0)
            for said_word in said
        ]
        in_answer = [
            max((said_word.matches.get(word, 0.0) for word in entry.answer_words), default=0.0)
            for said_word in said
        ]
        explained = [
            max(asked, ANSWER_MATCH_SHARE * answered)
            for asked, answered in zip(in_question, in_answer, strict=True)
        ]
        precision = sum(
            said_word.weight * quality for said_word, quality in zip(said, explained, strict=True)
        ) / sum(said_word.weight for said_word in said)
        key_words = sum(_is_key_word(said_word, quality) for said_word, quality in
                        zip(said, in_question, strict=True))
        key_words_in_answer = sum(
            _is_key_word(said_word, answered) and not _is_key_word(said_word, asked)
            for said_word, asked, answered in zip(said, in_question, in_answer, strict=True)
        )
        if recall == 0 or precision == 0:
            return _Scored(index=index, score=0.0, key_words=0, key_words_in_answer=0,
                           precision=precision)
        score = 2 * precision * recall / (precision + recall)
        return _Scored(index=index, score=score, key_words=key_words,
                       key_words_in_answer=key_words_in_answer, precision=precision)


def _is_confident(best: _Scored, runner_up: float) -> bool:
    named_by_key_words = (
        best.key_words >= 1
        and best.key_words + best.key_words_in_answer >= 2
        and best.precision >= CONFIDENT_PRECISION_WITH_KEY_WORDS
        and best.score >= CONFIDENT_SCORE_WITH_KEY_WORDS
    )
    return (
        best.score >= CONFIDENT_SCORE or named_by_key_words
    ) and best.score - runner_up >= CONFIDENT_MARGIN


def _is_key_word(said_word: _SaidWord, quality: float) -> bool:
    # Rounded: three steps of 0.1 from a word must leave a 0.7 match, not 0.6999….
    return said_word.weight > FUNCTION_WORD_WEIGHT and round(quality, 6) >= KEY_WORD_MATCH


def _keep_best(matches: dict[str, float], word: str, quality: float) -> None:
    if quality > matches.get(word, 0.0):
        matches[word] = quality


def _phrase_words(text: str) -> tuple[str, ...]:
    return _unique(join_phrases(matching_words(text)))


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def _idf(entries_using: int, entry_count: int) -> float:
    return math.log(1 + entry_count / entries_using)


def _faq_word_weight(
    word: str, forms: dict[str, float], entries_using: int, entry_count: int
) -> float:
    if is_number(word):
        return NUMBER_WEIGHT
    if is_function_word(forms):
        return FUNCTION_WORD_WEIGHT
    return _idf(entries_using, entry_count)
