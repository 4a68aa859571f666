"""Matching a customer's question to the owner's FAQ entries. Pure: no I/O, no clock.

Customers write formal Persian, colloquial Persian ("میرسه", "دارین", "چنده") and Finglish
("hazine ersal chande?"), with typos and extra words. ``FaqIndex`` compares words first, then
(with the encoder) whole sentences:

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
5. An entry's word score is the F1 of *recall* (how much of its closest phrasing, question or
   alternative, the customer said) and *precision* (how much of what the customer said the
   entry explains, across all its phrasings, since customers mix them, and at a discount its
   answer: "با کارت" is explained by an answer naming the cards it takes).

Beside the words, when the optional encoder is installed (``flows.encoder``: multilingual-e5-
small, offline), every phrasing and answer is a sentence vector (``flows.faq_embeddings``), and
the message's closeness to each entry is measured too: that finds paraphrases that share no
word with the owner ("ضمانت" for "گارانتی", a situation told in the customer's own words), and
lets an answer nominate its entry. The entries either signal nominates are weighed by a small
learned model (``flows.faq_model``, trained on the dev split by ``tools/faq_train.py``): one
shares the message's probability among its candidates and "none of them" (a softmax over each
candidate's evidence and its lead over the others), another gives the probability that
answering the best is right, a third that the right one is among the best three. The bot
answers, offers up to three choices, or says it has no answer — by thresholds set on dev for at
most 3.5 % wrong outcomes, not by hand. Without the encoder the same is done on words alone, with
its own trained model.

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
from functools import lru_cache

from rapidfuzz import fuzz, process

from core.text import normalize
from flows.encoder import SentenceEncoder, shared_encoder
from flows.faq_embeddings import FaqEmbeddings, MessageComparison
from flows.faq_memory import ParaphraseMemory, shared_memory
from flows.faq_model import (
    CandidateEvidence,
    DecisionModel,
    decision_features,
    load_model,
    ranking_rows,
)
from flows.finglish import finglish_spellings, is_finglish, persian_text
from flows.lexicon import load as load_lexicon
from flows.persian_forms import (
    AFFIX_PENALTY,
    is_function_word,
    is_number,
    join_phrases,
    matching_words,
    word_forms,
)

__all__ = [
    "FaqDecision", "FaqEntry", "FaqIndex", "FaqMatch", "encoder_text", "finglish_spellings",
    "matching_words",
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
    score: float  # 0..1: the learned probability that this is the entry asked for


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqDecision:
    answer: FaqEntry | None  # set when confident
    choices: tuple[FaqEntry, ...]  # up to 3 when unsure; empty when confident or nothing close
    # Why: the probability that answering the best entry is right (0 when nothing was close),
    # the owner's phrasing it came closest to, and the customer's words found in that entry.
    confidence: float = 0.0
    phrase: str = ""
    words: tuple[str, ...] = ()


# --- Decision ---------------------------------------------------------------------------

# Choices cost one tap; more than three are a menu nobody reads.
MAX_CHOICES = 3
# The encoder nominates the entries whose phrasings are closest to the message, and at a
# discount (the learned ranking decides how much) those whose answers are, even when no word
# is shared; the word matcher nominates every entry sharing a content word.
ENCODER_CANDIDATES = 8
ANSWER_CANDIDATES = 2
# Other shops' customers' wording (flows.faq_memory) nominates the entries it votes for most.
MEMORY_CANDIDATES = 2

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
# A customer's word counts as naming an entry's content word ("key word") at least this well:
# as written, or a few steps away (an ending, a colloquial form, a synonym).
KEY_WORD_MATCH = 0.7
# Word matches weaker than this are ignored rather than counted as a little evidence.
MIN_WORD_MATCH = 0.5
# Words whose meaning for this FAQ is kept between messages (see FaqIndex.__init__); a
# few MiB at most, and the index is thrown away with the FAQ it was built for.
SAID_WORDS_REMEMBERED = 8192


# Symbols and markup; the half-space belongs to the word ("می‌رسد").
_NOT_A_WORD_RE = re.compile(r"[^\w\u200c]+|_")


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
    phrase_texts: tuple[str, ...]  # question, then alternatives
    normalized_texts: tuple[str, ...]  # the same, normalized (as the encoder reads them)
    phrases: tuple[_Phrase | None, ...]  # as matching words; None when it has none


@dataclass(frozen=True, slots=True)
class _Scored:
    index: int  # of the entry
    score: float
    key_words: int  # the customer's content words that this entry's phrasings have too
    key_words_in_answer: int  # and those that only its answer has
    precision: float  # share of the customer's words (by weight) that the entry explains
    topic: float  # how well its phrasings hold the weightiest word the FAQ knows, 0..1
    answer_share: float  # share of the customer's words (by weight) its answer holds
    phrase: int  # the phrasing the customer said most of
    words: tuple[str, ...]  # the customer's content words found in the entry's phrasings


@dataclass(frozen=True, slots=True)
class _MessageWords:
    """What scoring an entry needs of a message, worked out once for all its candidates."""

    said: list[_SaidWord]
    heard: dict[str, float]  # FAQ word -> best quality any said word matches it with
    # Per said word: entry index -> the best quality it matches the entry's phrasings' words
    # (or its answer's) with; entries it matches nothing of are absent.
    in_questions: list[dict[int, float]]
    in_answers: list[dict[int, float]]
    topical: list[bool]  # per said word: a content word the FAQ knows
    said_weight: float
    topic_weight: float  # the weightiest topical word's weight

    @classmethod
    def of(cls, said: list[_SaidWord], heard: dict[str, float],
           entries_using: dict[str, set[int]], answers_using: dict[str, set[int]]
           ) -> _MessageWords:
        topical = [bool(said_word.matches) and _is_content_word(said_word) for said_word in said]
        return cls(
            said=said, heard=heard,
            in_questions=_matches_by_entry(said, entries_using),
            in_answers=_matches_by_entry(said, answers_using),
            topical=topical,
            said_weight=sum(said_word.weight for said_word in said),
            topic_weight=max((said_word.weight for said_word, is_topical in zip(
                said, topical, strict=True) if is_topical), default=0.0),
        )


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int
    evidence: CandidateEvidence
    phrase: int
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Ranked:
    index: int
    evidence: CandidateEvidence
    phrase: int
    words: tuple[str, ...]
    probability: float


@dataclass(frozen=True, slots=True)
class _SaidWord:
    text: str  # as the matcher reads it (folded; Finglish as typed)
    matches: dict[str, float]  # FAQ word → how well this word matches it, 0..1
    weight: float


class FaqIndex:
    """The owner's FAQ, prepared once for matching many customer messages."""

    def __init__(self, entries: Sequence[FaqEntry],
                 encoder: SentenceEncoder | None | str = "shared",
                 model: DecisionModel | None = None,
                 memory: ParaphraseMemory | None | str = "shared") -> None:
        """``encoder``: the sentence encoder to use beside the words; by default the
        process's (``flows.encoder.shared_encoder``), None for words alone. ``model``: the
        learned ranking and decision; by default the trained one for the chosen kind.
        ``memory``: other shops' customers' messages to borrow paraphrases from (with the
        encoder only); by default the one shipped (``flows.faq_memory.shared_memory``)."""
        entries = tuple(entries)
        self._encoder = shared_encoder() if encoder == "shared" else encoder
        assert not isinstance(self._encoder, str)  # nosec B101 # narrows a type for the checker; not a check of input
        words_by_entry = [
            [_phrase_words(text) for text in (entry.question, *entry.alternatives)]
            for entry in entries
        ]
        answer_words_by_entry = [
            _unique(word for word in _phrase_words(entry.answer) if not is_number(word))
            for entry in entries
        ]
        self._entries_using: dict[str, set[int]] = {}
        for index, phrases in enumerate(words_by_entry):
            for words in phrases:
                for word in words:
                    self._entries_using.setdefault(word, set()).add(index)
        self._answers_using: dict[str, set[int]] = {}
        for index, words in enumerate(answer_words_by_entry):
            for word in words:
                self._answers_using.setdefault(word, set()).add(index)
        answering = {word: len(using) for word, using in self._answers_using.items()}
        # In the FAQ's order, not a set's: ties between FAQ words are then broken the same way
        # in every process (a set's order changes with Python's hash seed).
        forms_by_word = {
            word: word_forms(word) for word in dict.fromkeys([*self._entries_using, *answering])
        }
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
        # Customers use a few words over and over ("سلام", "سفارش"); what one means for this
        # FAQ does not change until the FAQ does, and this index is rebuilt then.
        self._said_word = lru_cache(maxsize=SAID_WORDS_REMEMBERED)(self._said_word_uncached)
        self._hybrid = self._encoder is not None
        self._given_model = model
        # Read now, not on the first Finglish message.
        load_lexicon()
        self._matchable = frozenset(
            index for index, entry in enumerate(self._entries)
            if any(phrase is not None for phrase in entry.phrases)
        )
        self._encoder_index = FaqEmbeddings(
            self._encoder,
            [list(entry.normalized_texts) for entry in self._entries],
            [normalize(entry.entry.answer) for entry in self._entries],
            ENCODER_CANDIDATES, ANSWER_CANDIDATES,
            memory=shared_memory() if memory == "shared" else memory,  # type: ignore[arg-type]
            memory_candidates=MEMORY_CANDIDATES,
        ) if self._encoder is not None and self._entries else None

    @property
    def _model(self) -> DecisionModel:
        return self._given_model or load_model("hybrid" if self._hybrid else "lexical")

    def rank(self, text: str, limit: int = 3) -> list[FaqMatch]:
        """The entries closest to ``text``, best first, at most ``limit``, each with the
        probability that it is the one asked for."""
        return [
            FaqMatch(entry=self._entries[ranked.index].entry, score=round(ranked.probability, 4))
            for ranked in self._ranked(text)[:limit]
        ]

    def decide(self, text: str) -> FaqDecision:
        """Answer when confident, offer choices when unsure, nothing when nothing is close."""
        ranked = self._ranked(text)
        if not ranked:
            return FaqDecision(answer=None, choices=())
        best = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else None
        features = decision_features(
            best.evidence, best.probability, runner_up.probability if runner_up else 0.0,
            max((r.evidence.lexical for r in ranked[1:]), default=0.0),
            self._content_word_count(text), self._hybrid,
        )
        model = self._model
        confidence = model.decision.probability(features)
        entry = self._entries[best.index]
        why = {"confidence": round(confidence, 4), "phrase": entry.phrase_texts[best.phrase],
               "words": best.words}
        # Two entries the ranking cannot tell apart are the customer's to pick from, and so
        # are two the owner phrased alike: what tells them apart is then their answers, which
        # the customer did not ask about.
        tied = runner_up is not None and (
            runner_up.probability >= best.probability
            or self._closest_text(best) == self._closest_text(runner_up))
        if confidence >= model.answer_threshold and not tied:
            return FaqDecision(answer=entry.entry, choices=(), **why)
        if model.choice.probability(features) >= model.choice_threshold:
            choices = tuple(self._entries[r.index].entry for r in ranked[:MAX_CHOICES])
            return FaqDecision(answer=None, choices=choices, **why)
        return FaqDecision(answer=None, choices=(), confidence=why["confidence"])

    def _closest_text(self, ranked: _Ranked) -> str:
        return self._entries[ranked.index].normalized_texts[ranked.phrase]

    def evidence(self, text: str) -> list[tuple[FaqEntry, CandidateEvidence]]:
        """Every candidate entry with what the word matcher and the encoder say about it,
        before any learned weighing: what ``tools/faq_train.py`` learns from."""
        return [(self._entries[c.index].entry, c.evidence) for c in self._candidates(text)]

    def content_word_count(self, text: str) -> int:
        """How many of the message's words say what it is about (not function words or
        numbers): the decision's measure of a message's length."""
        return self._content_word_count(text)

    def _content_word_count(self, text: str) -> int:
        return sum(map(_is_content_word, self._query_words(text)))

    def _ranked(self, text: str) -> list[_Ranked]:
        candidates = self._candidates(text)
        probabilities = self._model.ranking.probabilities(
            ranking_rows([c.evidence for c in candidates], self._hybrid)) if candidates else []
        ranked = [
            _Ranked(index=c.index, evidence=c.evidence, phrase=c.phrase, words=c.words,
                    probability=probability)
            for c, probability in zip(candidates, probabilities, strict=True)
        ]
        # Ties go to the entry the owner listed first, so the order never depends on chance.
        return sorted(ranked, key=lambda r: (-r.probability, r.index))

    def _candidates(self, text: str) -> list[_Candidate]:
        said = self._query_words(text)
        if not any(_is_content_word(said_word) for said_word in said):
            return []  # greetings, thanks, numbers, noise alone: nothing to look up
        heard: dict[str, float] = {}
        for said_word in said:
            for word, quality in said_word.matches.items():
                _keep_best(heard, word, quality)
        # With the encoder, entries sharing only a function word or a number ("من", "چه",
        # "۳") with the message are no candidates: on a large FAQ that is most entries, each
        # costing a score, and the encoder nominates the paraphrases. Without it, those
        # entries are the only way to a paraphrase's entry.
        least = FUNCTION_WORD_WEIGHT if self._hybrid else 0.0
        nominated = {index for word in heard if self._weights.get(word, 0.0) > least
                     for index in self._entries_using.get(word, ())}
        # One word the FAQ does not know ("a", "br", a name) is nothing to understand; the
        # encoder reads a message that shares a word with the FAQ or says at least two things.
        readable = bool(heard) or sum(map(_is_content_word, said)) >= 2
        encoded = self._encoded(text) if self._encoder_index and readable else None
        if encoded is not None:
            nominated |= set(encoded.nominated) & self._matchable
        if not nominated:
            return []
        message = _MessageWords.of(said, heard, self._entries_using, self._answers_using)
        scored = {index: self._entry_score(index, message) for index in nominated}
        best_lexical = max(s.score for s in scored.values())
        candidates = []
        for index in sorted(nominated):
            lexical = scored[index]
            similarity = encoded.similarity(index) if encoded is not None else None
            evidence = CandidateEvidence(
                lexical=lexical.score, lexical_best=best_lexical, precision=lexical.precision,
                key_words=lexical.key_words, key_words_in_answer=lexical.key_words_in_answer,
                encoder=similarity.question if similarity else None,
                encoder_gap=similarity.question_gap if similarity else None,
                encoder_centered=similarity.centered if similarity else None,
                encoder_answer=similarity.answer if similarity else None,
                encoder_raw=similarity.question_raw if similarity else None,
                memory_vote=similarity.memory_vote if similarity else None,
                memory_gap=similarity.memory_gap if similarity else None,
                memory_unanswerable=encoded.memory_unanswerable if encoded else None,
                topic=lexical.topic, answer_share=lexical.answer_share,
            )
            phrase = lexical.phrase if lexical.score > 0 or similarity is None else (
                similarity.phrase)
            candidates.append(_Candidate(index=index, evidence=evidence, phrase=phrase,
                                         words=lexical.words))
        return candidates

    def _encoded(self, text: str) -> MessageComparison:
        assert self._encoder is not None and self._encoder_index is not None  # nosec B101 # narrows a type for the checker; not a check of input
        return self._encoder_index.compare(self._encoder.query(encoder_text(text)))

    def _indexed_entry(self, entry: FaqEntry, phrases: list[tuple[str, ...]]) -> _IndexedEntry:
        return _IndexedEntry(
            entry=entry,
            phrase_texts=(entry.question, *entry.alternatives),
            normalized_texts=tuple(map(normalize, (entry.question, *entry.alternatives))),
            phrases=tuple(self._phrase(words) if words else None for words in phrases),
        )

    def _phrase(self, words: tuple[str, ...]) -> _Phrase:
        weights = tuple(self._weights[word] for word in words)
        return _Phrase(words=words, weights=weights, total_weight=sum(weights))

    def _query_words(self, text: str) -> list[_SaidWord]:
        start = text[: MAX_QUERY_WORDS * (MAX_WORD_LENGTH + 1)]
        # Finglish is read in Persian first ("pas bedam" is "مرجوع" like "پس بدم"); a Latin
        # word outside a phrase stays Latin, so all its likely spellings are tried.
        words = join_phrases(matching_words(start)[:MAX_QUERY_WORDS], read=self._as_persian)
        return [self._said_word(word) for word in _unique(self._compounds_as_the_faq(words))]

    def _as_persian(self, word: str) -> str:
        """A Finglish word in its likeliest Persian spelling, unless the FAQ uses the Latin
        word itself ("iPhone", "SSD")."""
        if (not is_finglish(word) or word in self._words_by_form
                or len(word) > MAX_WORD_LENGTH):
            return word
        return (finglish_spellings(word) or (word,))[0]

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
            return _SaidWord(text=word, matches={}, weight=self._unknown_word_weight)
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
        return _SaidWord(text=word, matches=matches, weight=weight)

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

    def _entry_score(self, index: int, message: _MessageWords) -> _Scored:
        entry = self._entries[index]
        # Recall against the closest single phrasing; precision against everything the entry
        # says, since a customer may mix the words of its question and of an alternative.
        recalls = [
            sum(weight * message.heard.get(word, 0.0) for word, weight in
                zip(phrase.words, phrase.weights, strict=True)) / phrase.total_weight
            if phrase is not None else -1.0
            for phrase in entry.phrases
        ]
        closest = max(range(len(recalls)), key=recalls.__getitem__)
        recall = max(recalls[closest], 0.0)
        # One pass over the customer's words; a word this entry matches nothing of adds nothing.
        explained_weight = answered_weight = topic = 0.0
        key_words = key_words_in_answer = 0
        words = []
        for said_word, topical, found_asked, found_answered in zip(
                message.said, message.topical, message.in_questions, message.in_answers,
                strict=True):
            asked = found_asked.get(index, 0.0)
            answered = found_answered.get(index, 0.0)
            if not asked and not answered:
                continue
            explained_weight += said_word.weight * max(asked, ANSWER_MATCH_SHARE * answered)
            answered_weight += said_word.weight * answered
            if topical:
                topic = max(topic, said_word.weight * asked / message.topic_weight)
            if _is_key_word(said_word, asked):
                key_words += 1
                words.append(said_word.text)
            elif _is_key_word(said_word, answered):
                key_words_in_answer += 1
        precision = explained_weight / message.said_weight
        answer_share = answered_weight / message.said_weight
        if recall == 0 or precision == 0:
            return _Scored(index=index, score=0.0, key_words=0, key_words_in_answer=0,
                           precision=precision, topic=0.0, answer_share=answer_share,
                           phrase=closest, words=())
        score = 2 * precision * recall / (precision + recall)
        return _Scored(index=index, score=score, key_words=key_words,
                       key_words_in_answer=key_words_in_answer, precision=precision,
                       topic=topic, answer_share=answer_share, phrase=closest,
                       words=tuple(words))


def _is_content_word(said_word: _SaidWord) -> bool:
    return said_word.weight > FUNCTION_WORD_WEIGHT and len(said_word.text) <= MAX_WORD_LENGTH


def encoder_text(text: str) -> str:
    """The message as the encoder reads it: normalized, without symbols or markup, pasted
    codes and links left out, Finglish in Persian letters."""
    words = _NOT_A_WORD_RE.sub(" ", normalize(text[: MAX_QUERY_WORDS * (MAX_WORD_LENGTH + 1)]))
    kept = [word for word in words.split() if len(word) <= MAX_WORD_LENGTH]
    return persian_text(" ".join(kept[:MAX_QUERY_WORDS]))


def _is_key_word(said_word: _SaidWord, quality: float) -> bool:
    # Rounded: three steps of 0.1 from a word must leave a 0.7 match, not 0.6999….
    return said_word.weight > FUNCTION_WORD_WEIGHT and round(quality, 6) >= KEY_WORD_MATCH


def _matches_by_entry(said: list[_SaidWord], entries_using: dict[str, set[int]]
                      ) -> list[dict[int, float]]:
    """Per said word, the best quality it matches each entry's words with (entries it matches
    nothing of left out). Looked up once per message through the FAQ's word index: a said word
    matches a few FAQ words at most, and each of those names its entries."""
    found_by_word = []
    for said_word in said:
        found: dict[int, float] = {}
        for word, quality in said_word.matches.items():
            for index in entries_using.get(word, ()):
                if quality > found.get(index, 0.0):
                    found[index] = quality
        found_by_word.append(found)
    return found_by_word


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
