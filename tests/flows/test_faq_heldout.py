"""The matcher on Pasokh's own held-out FAQ set (tests/data/faq_heldout.*, a cosmetics shop),
scored as bench/faq_eval.py scores it. The figures guard against a change that helps one FAQ
and hurts another; `python bench/faq_eval.py --faq tests/data/faq_heldout.yaml --questions
tests/data/faq_heldout.tsv` prints the misses."""

from __future__ import annotations

from pathlib import Path

from bench.faq_eval import NONE, evaluate, load_faq, load_questions
from flows.faq import FaqIndex

DATA = Path(__file__).resolve().parents[1] / "data"


def test_heldout_questions_are_answered_and_unknown_ones_are_not():
    index = FaqIndex(load_faq(DATA / "faq_heldout.yaml"))
    outcomes = evaluate(index, load_questions(DATA / "faq_heldout.tsv"))
    answerable = [o for o in outcomes if o.expected != NONE]
    unanswerable = [o for o in outcomes if o.expected == NONE]
    # 47 of 57 (82 %) answered outright when written, every other one offered as a choice.
    assert sum(o.top1 for o in answerable) / len(answerable) >= 0.8
    assert all(o.top3 for o in answerable)
    assert [o.question for o in unanswerable if o.answered] == []
    assert [o.question for o in answerable if o.answered and not o.top1] == []
