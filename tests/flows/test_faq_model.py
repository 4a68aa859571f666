"""The FAQ matcher's learned ranking: a softmax over one message's candidates and "none"."""

import math

import pytest

from flows.faq_model import (
    LEADS,
    CandidateEvidence,
    RankingModel,
    load_model,
    ranking_features,
    ranking_rows,
)


def evidence(lexical: float, encoder: float | None = None, **more) -> CandidateEvidence:
    return CandidateEvidence(lexical=lexical, lexical_best=0.9, precision=lexical, key_words=1,
                             key_words_in_answer=0, encoder=encoder, **more)


def test_probabilities_leave_room_for_none_of_them():
    model = RankingModel(weights=(2.0,), bias=-1.0)
    probabilities = model.probabilities([[1.0], [0.0]])
    utilities = [1.0, -1.0]
    total = 1 + sum(math.exp(u) for u in utilities)  # "none" has utility 0
    assert probabilities == pytest.approx([math.exp(u) / total for u in utilities])
    assert sum(probabilities) < 1


def test_a_lone_weak_candidate_is_not_certain():
    model = RankingModel(weights=(1.0,), bias=-3.0)
    assert model.probabilities([[0.5]])[0] < 0.1


def test_probabilities_do_not_overflow():
    probabilities = RankingModel(weights=(1.0,), bias=0.0).probabilities([[1000.0], [999.0]])
    assert probabilities[0] > probabilities[1] > 0 and sum(probabilities) <= 1


@pytest.mark.parametrize("hybrid", [False, True])
def test_each_row_adds_its_lead_over_the_best_other_candidate(hybrid):
    candidates = [evidence(0.9, 1.5), evidence(0.4, -0.5), evidence(0.6, 0.2)]
    rows = ranking_rows(candidates, hybrid)
    own = [ranking_features(e, hybrid) for e in candidates]
    width = len(own[0])
    assert [row[:width] for row in rows] == own
    lexical_lead = [row[width + LEADS[hybrid].index(0)] for row in rows]
    assert lexical_lead == pytest.approx([0.9 - 0.6, 0.4 - 0.9, 0.6 - 0.9])


def test_a_single_candidate_leads_by_its_own_value():
    (row,) = ranking_rows([evidence(0.7)], hybrid=False)
    assert row[len(ranking_features(evidence(0.7), False))] == pytest.approx(0.7)


@pytest.mark.parametrize("kind", ["lexical", "hybrid"])
def test_the_shipped_model_fits_the_features(kind):
    model = load_model(kind)
    rows = ranking_rows([evidence(0.8, 1.0), evidence(0.2, -1.0)], kind == "hybrid")
    assert len(model.ranking.weights) == len(rows[0])
    better, worse = model.ranking.probabilities(rows)
    assert better > worse
