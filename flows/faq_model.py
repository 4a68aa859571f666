"""The FAQ matcher's learned parts: which entry a message asks for, and whether to answer.

Pure: no I/O beyond reading the coefficients shipped in ``flows/data/faq_model.json`` once.
Two small logistic models, trained on the development split of the FAQ evaluation by
``tools/faq_train.py`` (which writes that file; nothing here is set by hand):

* the *ranking* model (a conditional logit: a softmax over one message's candidates and "none
  of them") gives each candidate entry the probability that it is the one asked for, from
  what the word matcher and the sentence encoder say about it and by how much it leads the
  other candidates;
* the *decision* model gives the best candidate the probability that answering it is right,
  from the ranking's confidence, its lead over the runner-up, the word evidence and the
  message's length. Above ``answer_threshold`` (set on dev for at most 3.5 % wrong answers) the
  bot answers;
* the *choice* model, over the same features, gives the probability that the entry asked for
  is among the best three: above ``choice_threshold`` the bot offers them; below, it says it
  has no answer and offers a person.

A model exists for the word matcher alone (``lexical``) and for words with the encoder
(``hybrid``); the matcher uses the one its index was built for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "CandidateEvidence", "DecisionModel", "LogisticModel", "RankingModel", "decision_features",
    "load_model", "ranking_features", "ranking_rows",
]  # fmt: skip

MODEL_FILE = "faq_model.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateEvidence:
    """What the word matcher and the encoder say about one entry for one message."""

    lexical: float  # the word matcher's score, 0..1
    lexical_best: float  # the best word score any entry got for this message
    precision: float  # share of the message's words (by weight) the entry explains
    key_words: int  # the message's content words found in the entry's phrasings
    key_words_in_answer: int  # and those found only in its answer
    encoder: float | None = None  # closest phrasing's cosine, as a z-score among the entries
    encoder_gap: float | None = None  # raw cosine minus the best raw cosine of any entry
    encoder_centered: float | None = None  # z-score with the FAQ's common direction removed
    encoder_answer: float | None = None  # the answer's cosine, as a z-score
    encoder_raw: float | None = None  # closest phrasing's raw cosine
    # How well the entry's phrasings hold the message's weightiest word the FAQ knows (its
    # topic, as rare among this FAQ's entries as any word said), 0..1.
    topic: float = 0.0
    # Share of the message's words (by weight) that the entry's answer holds.
    answer_share: float = 0.0
    # Other shops' customers (flows.faq_memory): their nearest messages' votes for this
    # entry's topic, 0..1; the closest borrowed message's cosine minus the nearest's; and the
    # share of the nearest that asked for nothing (one value per message).
    memory_vote: float | None = None
    memory_gap: float | None = None
    memory_unanswerable: float | None = None


def ranking_features(evidence: CandidateEvidence, hybrid: bool) -> list[float]:
    """One candidate's features on its own (``ranking_rows`` adds its lead over the others)."""
    lexical = [
        evidence.lexical,
        evidence.lexical - evidence.lexical_best,
        evidence.precision,
        min(evidence.key_words, 3) / 3,
        min(evidence.key_words_in_answer, 2) / 2,
    ]
    if not hybrid:
        return [*lexical, float(_is_lexical_best(evidence)), evidence.topic,
                evidence.answer_share]
    return [
        *lexical,
        evidence.encoder or 0.0,
        evidence.encoder_gap or 0.0,
        evidence.encoder_centered or 0.0,
        evidence.encoder_answer or 0.0,
        # Whether each signal puts this entry first, and whether both do.
        float(_is_lexical_best(evidence)),
        float(_is_encoder_best(evidence)),
        float(_is_lexical_best(evidence) and _is_encoder_best(evidence)),
        evidence.topic,
        evidence.answer_share,
        evidence.encoder_raw or 0.0,
    ]


# The features whose lead over the best other candidate is a feature too: the word score, the
# share of the message explained and (with the encoder) the closeness of the phrasings, of the
# phrasings with the common direction removed, and of the answer.
LEADS = {False: (0, 2), True: (0, 2, 5, 7, 8)}


def ranking_rows(candidates: Sequence[CandidateEvidence], hybrid: bool) -> list[list[float]]:
    """Each candidate's ranking features: its own, then by how much it leads the best of the
    other candidates on a few of them (negative when behind), then (with the encoder) what
    other shops' customers say (``memory_features``)."""
    own = [ranking_features(evidence, hybrid) for evidence in candidates]
    columns = LEADS[hybrid]
    best_others = [_best_two([row[c] for row in own]) for c in columns]
    rows = [
        [*row, *(row[c] - (second if index == holder else best)
                 for c, (holder, best, second) in zip(columns, best_others, strict=True))]
        for index, row in enumerate(own)
    ]
    if not hybrid:
        return rows
    votes = [evidence.memory_vote or 0.0 for evidence in candidates]
    holder, best, second = _best_two(votes)
    return [[*row, *memory_features(evidence, vote - (second if index == holder else best))]
            for index, (row, evidence, vote) in enumerate(zip(rows, candidates, votes,
                                                              strict=True))]


def _best_two(values: Sequence[float]) -> tuple[int, float, float]:
    """Where the best value is, the best, and the best of the others (0 when it is alone):
    the best other candidate's value is the best, or for the candidate holding it the second."""
    holder = max(range(len(values)), key=values.__getitem__)
    second = max((v for i, v in enumerate(values) if i != holder), default=0.0)
    return holder, values[holder], second


# Where the memory's features start in a hybrid ranking row (after 15 own and 5 leads): the
# evaluation's designs without the memory keep the columns before it.
MEMORY_COLUMN = 20


def memory_features(evidence: CandidateEvidence, vote_lead: float) -> list[float]:
    """Other shops' customers on this candidate: their votes for it, the closest of their
    messages lent to it, and its lead in votes over the best other candidate."""
    return [evidence.memory_vote or 0.0, evidence.memory_gap or 0.0, vote_lead]


def _is_lexical_best(evidence: CandidateEvidence) -> bool:
    return evidence.lexical > 0 and evidence.lexical >= evidence.lexical_best


def _is_encoder_best(evidence: CandidateEvidence) -> bool:
    return evidence.encoder_gap is not None and evidence.encoder_gap >= 0


def decision_features(best: CandidateEvidence, best_probability: float,
                      runner_up_probability: float, lexical_runner_up: float,
                      content_words: int, hybrid: bool) -> list[float]:
    features = [
        _logit(best_probability),
        _logit(best_probability) - _logit(runner_up_probability),
        best.lexical,
        best.lexical - lexical_runner_up,
        min(best.key_words, 3) / 3,
        math.log1p(content_words),
    ]
    features.append(float(_is_lexical_best(best)))
    if hybrid:
        features += [best.encoder or 0.0, -(best.encoder_gap or 0.0),
                     float(_is_encoder_best(best)),
                     float(_is_lexical_best(best) and _is_encoder_best(best)),
                     # Other shops' customers: for this entry, and for nothing at all.
                     best.memory_vote or 0.0, best.memory_unanswerable or 0.0]
    return features


# Where the memory's features start in a hybrid decision row.
MEMORY_DECISION_COLUMN = 11


@dataclass(frozen=True, slots=True)
class LogisticModel:
    weights: tuple[float, ...]
    bias: float

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> LogisticModel:
        return cls(weights=tuple(map(float, data["weights"])),  # type: ignore[arg-type]
                   bias=float(data["bias"]))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class RankingModel:
    """A conditional logit: each candidate's utility is ``weights · features + bias``, and
    "none of them" is one more option of utility 0; the probabilities are a softmax over the
    candidates and that option, so they share one message's probability among its candidates
    and what is left says that none is the one asked for."""

    weights: tuple[float, ...]
    bias: float

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        utilities = [self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True))
                     for row in rows]
        top = max([0.0, *utilities])
        exps = [math.exp(u - top) for u in utilities]
        total = math.exp(-top) + sum(exps)
        return [e / total for e in exps]

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RankingModel:
        return cls(weights=tuple(map(float, data["weights"])),  # type: ignore[arg-type]
                   bias=float(data["bias"]))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DecisionModel:
    ranking: RankingModel
    decision: LogisticModel  # is the best entry right?
    choice: LogisticModel  # is the entry asked for among the best three?
    answer_threshold: float
    choice_threshold: float

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DecisionModel:
        return cls(
            ranking=RankingModel.from_json(data["ranking"]),  # type: ignore[arg-type]
            decision=LogisticModel.from_json(data["decision"]),  # type: ignore[arg-type]
            choice=LogisticModel.from_json(data["choice"]),  # type: ignore[arg-type]
            answer_threshold=float(data["answer_threshold"]),  # type: ignore[arg-type]
            choice_threshold=float(data["choice_threshold"]),  # type: ignore[arg-type]
        )


@cache
def load_model(kind: str) -> DecisionModel:
    """The trained model for ``kind`` ("lexical" or "hybrid")."""
    text = resources.files("flows").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return DecisionModel.from_json(json.loads(text)[kind])


def _logit(probability: float) -> float:
    p = min(max(probability, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
