"""The bot on Pasokh's own held-out FAQ set (tests/data/faq_heldout.*, a cosmetics shop),
routed and scored as bench/faq_eval.py scores it. The figures guard against a change that helps
one FAQ and hurts another."""

from __future__ import annotations

from pathlib import Path

from bench.faq_eval import evaluate, load_cases, shop_config
from flows.routing import ANSWER

DATA = Path(__file__).resolve().parents[1] / "data"


def test_heldout_questions_are_answered_and_unknown_ones_are_not():
    config = shop_config(DATA / "faq_heldout.yaml")
    outcomes = evaluate(config, load_cases(DATA / "faq_heldout.tsv"))
    answerable = [o for o in outcomes if o.answerable]
    # With the learned decision (issue 15, conditional-logit ranking): 48 of 57 (84 %)
    # answered outright, 54 answered or offered, where it was first trained; 47 and 53 on
    # words alone (without the optional encoder); the hand-set rules this set was tuned with:
    # 47 and all 57. The encoder's vectors differ a little by CPU, and so does a model
    # retrained on them: on an AVX-512 Xeon, retrained, 46 and 54; with the encoder's scores
    # made continuous there (they had dropped to 0 below a spread, which flipped decisions
    # between machines; dev leave-one-shop-out 60.6 → 61.8 % direct, wrong 2.9 % both), 44
    # and 54: two more are offered with the right entry first instead of answered.
    assert sum(o.top1 for o in answerable) / len(answerable) >= 0.77
    assert sum(o.top3 for o in answerable) / len(answerable) >= 0.85
    # One near-miss ("do you give sales agencies?") gets the "genuine goods" answer; no other.
    assert {o.case.question for o in outcomes if not o.answerable and o.route == ANSWER} <= {
        "نمایندگی فروش میدید؟"}
    assert [o.case.question for o in answerable if o.wrong] == []
