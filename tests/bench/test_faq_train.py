"""Issue 15: the trainer's conditional logit learns which candidate is asked for, and when none
is, the same way every time."""

from __future__ import annotations

import numpy as np

from tools.faq_train import conditional_probabilities, fit_conditional


def groups(right_is_best: int, none_asked: int) -> list[tuple[np.ndarray, int]]:
    """Messages of two candidates described by one feature: the right one has the higher
    value; in messages no entry answers, both candidates are weak."""
    made = [(np.array([[0.9], [0.3]]), 0), (np.array([[0.2], [0.8]]), 1)] * right_is_best
    made += [(np.array([[0.1], [0.05]]), -1)] * none_asked
    return made


def test_the_candidate_with_more_evidence_is_preferred():
    weights, bias = fit_conditional(groups(20, 0))
    assert weights[0] > 0
    high, low = conditional_probabilities((weights, bias), np.array([[0.9], [0.3]]))
    assert high > low


def test_messages_no_entry_answers_teach_it_to_say_none():
    model = fit_conditional(groups(20, 20))
    weak = conditional_probabilities(model, np.array([[0.1], [0.05]]))
    strong = conditional_probabilities(model, np.array([[0.9], [0.3]]))
    assert weak.sum() < 0.5 < strong.max()


def test_fitting_is_deterministic():
    first, second = fit_conditional(groups(10, 5)), fit_conditional(groups(10, 5))
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]
