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


def predicted(rows: list[tuple[str, str, float]]) -> list:
    """Predictions whose best entry is ``best`` with P(right) ``answer``, for a message asking
    for ``expected``."""
    from tools.faq_train import Message, Prediction

    made = []
    for expected, best, answer in rows:
        message = Message(shop="s", text="", expected=expected, style="", candidates=(),
                          content_words=1, reaches_faq=True)
        made.append(Prediction(message, (best, "other"), answer, 0.0))
    return made


def test_the_answer_threshold_keeps_wrong_answers_within_the_budget():
    from tools.faq_train import figures, thresholds

    # 20 messages: the more confident, the more often right; 2 of the 20 wrong even so.
    rows = [("a", "a", 0.9 + i / 100) for i in range(8)]
    rows += [("a", "b", 0.85), ("none", "a", 0.8)]
    rows += [("a", "a", 0.5 + i / 100) for i in range(5)] + [("a", "b", 0.3)] * 5
    messages = predicted(rows)
    strict = figures(messages, *thresholds(messages, 0.0))
    loose = figures(messages, *thresholds(messages, 0.1))
    assert strict["wrong"] == 0 and strict["top1"] == 8 / 19
    assert 0 < loose["wrong"] <= 0.1 and loose["top1"] == 13 / 19
