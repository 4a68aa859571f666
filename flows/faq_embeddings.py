"""An FAQ's phrasings and answers as sentence vectors, compared with a customer's message.

Every question and alternative is embedded as a query (e5's role for what someone asks), every
answer as a passage. A message is compared with each entry's closest phrasing and with its
answer. Raw cosines of e5 sit in a narrow band (0.75–0.95 for any two questions about a shop),
so what tells entries apart is how each compares with the others for the same message: each
similarity is given as a z-score among the FAQ's entries, and once more with the direction all
of the FAQ's phrasings share removed — the question frame ("آیا … دارید؟", "چطوری …") and the
shop's subject — so that what is left is the topic. With a paraphrase memory
(``flows.faq_memory``), the message is also compared with what other shops' customers said for
each entry's topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from flows.encoder import SentenceEncoder
from flows.faq_memory import MemoryComparison, ParaphraseMemory

__all__ = ["EntrySimilarity", "FaqEmbeddings", "MessageComparison"]

# A spread smaller than this means the entries are all alike for the message: z-scores would
# only magnify noise, so the differences are divided by this instead. Dividing, not zeroing,
# keeps the scores continuous: the encoder's vectors differ by CPU (its engine rounds an
# approximate reciprocal square root and quantizes activations to 8 bits: up to 0.0015 per
# component between two x86-64 machines), and a cut-off at this spread once turned an entry's
# z-score from 2.2 into 0 on one machine and not on another.
MIN_SPREAD = 0.01


@dataclass(frozen=True, slots=True)
class EntrySimilarity:
    question: float  # closest phrasing, z-score among the entries
    question_gap: float  # its raw cosine minus the best entry's
    question_raw: float  # its raw cosine
    centered: float  # closest phrasing with the common direction removed, z-score
    answer: float  # the answer, z-score
    phrase: int  # which phrasing was closest
    memory_vote: float | None  # other shops' nearest messages' votes for its topic, 0..1
    memory_gap: float | None  # closest such message's cosine minus the nearest's, ≤ 0


@dataclass(frozen=True, slots=True)
class MessageComparison:
    nominated: tuple[int, ...]  # entries worth scoring: closest phrasings, then answers
    _question: np.ndarray
    _question_raw: np.ndarray
    _centered: np.ndarray
    _answer: np.ndarray
    _phrase: np.ndarray
    _memory: MemoryComparison | None

    @property
    def memory_unanswerable(self) -> float | None:
        """Share of other shops' nearest messages that asked for nothing (None without a
        memory)."""
        return self._memory.unanswerable if self._memory is not None else None

    def similarity(self, index: int) -> EntrySimilarity:
        return EntrySimilarity(
            question=float(self._question[index]),
            question_gap=float(self._question_raw[index] - self._question_raw.max()),
            question_raw=float(self._question_raw[index]),
            centered=float(self._centered[index]),
            answer=float(self._answer[index]),
            phrase=int(self._phrase[index]),
            memory_vote=float(self._memory.vote[index]) if self._memory is not None else None,
            memory_gap=float(self._memory.gap[index]) if self._memory is not None else None,
        )


class FaqEmbeddings:
    def __init__(self, encoder: SentenceEncoder, phrases: Sequence[Sequence[str]],
                 answers: Sequence[str], question_candidates: int,
                 answer_candidates: int, memory: ParaphraseMemory | None = None,
                 memory_candidates: int = 0) -> None:
        """``phrases[i]`` are entry i's question and alternatives (at least one each);
        ``memory``: other shops' customers' messages to borrow (none by default), whose
        ``memory_candidates`` best-voted entries are nominated too."""
        self._encoder = encoder
        texts = [text for entry in phrases for text in entry]
        self._entry_of_row = np.array(
            [i for i, entry in enumerate(phrases) for _ in entry], dtype=np.intp)
        self._first_row = np.array(
            [0, *np.cumsum([len(entry) for entry in phrases])[:-1]], dtype=np.intp)
        self._row_in_entry = np.arange(len(texts)) - self._first_row[self._entry_of_row]
        self._phrases = encoder.queries(texts)
        self._mean = self._phrases.mean(axis=0)
        centered = self._phrases - self._mean
        self._centered = centered / np.linalg.norm(centered, axis=1, keepdims=True).clip(1e-6)
        self._answers = encoder.passages(answers)
        self._question_candidates = question_candidates
        self._answer_candidates = answer_candidates
        self._memory = memory.for_faq(self._phrases, self._entry_of_row) if (
            memory is not None and len(memory.messages)) else None
        self._memory_candidates = memory_candidates

    def compare(self, message: np.ndarray) -> MessageComparison:
        rows = self._phrases @ message
        by_entry = np.maximum.reduceat(rows, self._first_row)
        # Each entry's closest phrasing: the first of its rows holding its best.
        closest = np.minimum.reduceat(
            np.where(rows == by_entry[self._entry_of_row], self._row_in_entry, len(rows)),
            self._first_row)
        centered_message = message - self._mean
        centered_message /= max(float(np.linalg.norm(centered_message)), 1e-6)
        centered = np.maximum.reduceat(self._centered @ centered_message, self._first_row)
        answers = self._answers @ message
        by_question = np.argsort(-by_entry, kind="stable")[: self._question_candidates]
        by_answer = np.argsort(-answers, kind="stable")[: self._answer_candidates]
        borrowed = self._memory.compare(message) if self._memory is not None else None
        by_memory = [] if borrowed is None else [
            i for i in np.argsort(-borrowed.vote, kind="stable")[: self._memory_candidates]
            if borrowed.vote[i] > 0]
        nominated = tuple(dict.fromkeys(int(i) for i in (*by_question, *by_answer, *by_memory)))
        return MessageComparison(
            nominated=nominated, _question=_z(by_entry), _question_raw=by_entry,
            _centered=_z(centered), _answer=_z(answers), _phrase=closest, _memory=borrowed,
        )


def _z(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / max(float(values.std()), MIN_SPREAD)
