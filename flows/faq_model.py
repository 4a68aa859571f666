"""The FAQ matcher's learned parts: which entry a message asks for, and whether to answer.

Pure: no I/O beyond reading the coefficients shipped in ``flows/data/faq_model.json`` once.
Two small logistic models, trained on the development split of the FAQ evaluation by
``tools/faq_train.py`` (which writes that file; nothing here is set by hand):

* the *ranking* model gives each candidate entry the probability that it is the one asked
  for, from what the word matcher and the sentence encoder say about it and how it compares
  with the other entries;
* the *decision* model gives the best candidate the probability that answering it is right,
  from the ranking's confidence, its lead over the runner-up, the word evidence and the
  message's length. Above ``answer_threshold`` (set on dev for at most 3 % wrong answers) the
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
    "CandidateEvidence", "DecisionModel", "LogisticModel", "decision_features", "load_model",
    "ranking_features",
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


def ranking_features(evidence: CandidateEvidence, hybrid: bool) -> list[float]:
    lexical = [
        evidence.lexical,
        evidence.lexical - evidence.lexical_best,
        evidence.precision,
        min(evidence.key_words, 3) / 3,
        min(evidence.key_words_in_answer, 2) / 2,
    ]
    if not hybrid:
        return [*lexical, float(_is_lexical_best(evidence))]
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
    ]


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
                     float(_is_lexical_best(best) and _is_encoder_best(best))]
    return features


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
class DecisionModel:
    ranking: LogisticModel
    decision: LogisticModel  # is the best entry right?
    choice: LogisticModel  # is the entry asked for among the best three?
    answer_threshold: float
    choice_threshold: float

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DecisionModel:
        return cls(
            ranking=LogisticModel.from_json(data["ranking"]),  # type: ignore[arg-type]
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
