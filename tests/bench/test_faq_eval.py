"""Issue 15: the evaluation harness scores what it says it scores, and keeps the test split's
misses unread."""

from __future__ import annotations

import pytest

from bench.faq_eval import (
    Case,
    Figures,
    Outcome,
    evaluate,
    main,
    shop_config,
    split_outcomes,
    wilson,
)

FAQ_YAML = """\
faq:
  - id: ship
    question: ارسال سفارش چند روز طول می‌کشد؟
    answer: دو تا سه روز کاری.
  - id: return
    question: چطور کالا را مرجوع کنم؟
    answer: تا هفت روز پس از تحویل.
"""
QUESTIONS = (
    "question\texpected\tstyle\tkind\n"
    "چطور کالا را مرجوع کنم؟\treturn\tformal\t\n"
    "سلام\tsmalltalk\tcolloquial\tgreeting\n"
    "وضعیت سفارش ۵۵۶۶۷۷ چی شد\torder\tcolloquial\torder-number\n"
    "میخوام با یه آدم واقعی حرف بزنم\thandoff\tcolloquial\tperson\n"
)


@pytest.fixture
def eval_set(tmp_path):
    (tmp_path / "splits.yaml").write_text("dev: [shop/A]\ntest: [shop/B]\n", encoding="utf-8")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "faq.yaml").write_text(FAQ_YAML, encoding="utf-8")
    (tmp_path / "shop" / "A.tsv").write_text(QUESTIONS, encoding="utf-8")
    (tmp_path / "shop" / "B.tsv").write_text(QUESTIONS, encoding="utf-8")
    return tmp_path


def outcome(expected, route, answered=None, offered=()):
    return Outcome(Case(question="…", expected=expected), route, answered, tuple(offered))


def test_issue_15_scoring_counts_top1_top3_wrong_and_the_mix():
    figures = Figures.of([
        outcome("ship", "answer", answered="ship"),  # top-1
        outcome("ship", "choices", offered=("return", "ship")),  # top-3 only
        outcome("ship", "answer", answered="return"),  # wrong answer
        outcome("ship", "none"),  # missed, not wrong
        outcome("none", "choices", offered=("ship",)),  # choices to off-topic: wrong
        outcome("none", "ticket"),  # no answer, a problem taken down: right
        outcome("order", "order"),  # routed right
        outcome("handoff", "answer", answered="ship"),  # wrong, and not routed right
        outcome("smalltalk", "smalltalk"),
    ])
    assert (figures.messages, figures.answerable) == (9, 4)
    assert (figures.top1, figures.top3, figures.wrong) == (1, 2, 3)
    assert (figures.not_faq, figures.routed_right) == (5, 3)
    assert figures.mix == {"answer": 3, "choices": 2, "none": 1, "intent": 3}
    assert figures.misses() == ["top-1", "top-3", "wrong"]


def test_targets_are_met_at_their_bounds_and_missed_below():
    def figures(answered, offered, missed, wrong=0):
        return Figures.of([outcome("a", "answer", answered="a")] * answered
                          + [outcome("a", "choices", offered="a")] * offered
                          + [outcome("a", "none")] * missed
                          + [outcome("none", "answer", answered="a")] * wrong)

    assert figures(85, 10, 5).misses() == []
    assert figures(86, 8, 6).misses() == ["top-3"]
    assert figures(90, 10, 0, wrong=5).misses() == []  # 5 of 105 messages
    assert figures(90, 10, 0, wrong=6).misses() == ["wrong"]


def test_wilson_interval():
    assert wilson(85, 100) == pytest.approx((0.7672, 0.9069), abs=1e-4)
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)


def test_issue_15_messages_go_through_the_bots_routing_with_order_tracking(eval_set):
    config = shop_config(eval_set / "shop" / "faq.yaml")
    assert config.order_tracking
    outcomes = split_outcomes(eval_set, "dev")["shop"]
    assert [o.route for o in outcomes] == ["answer", "smalltalk", "order", "handoff"]
    assert [o.top1 for o in outcomes] == [True, False, False, False]
    assert all(o.routed_right for o in outcomes[1:])


def test_evaluate_times_each_message_with_the_given_clock(eval_set):
    ticks = iter(range(100))
    config = shop_config(eval_set / "shop" / "faq.yaml")
    timed = evaluate(config, [Case("سلام", "smalltalk")], clock=lambda: next(ticks))
    assert [o.seconds for o in timed] == [1]


def test_issue_15_the_test_splits_misses_are_refused(eval_set, capsys):
    with pytest.raises(SystemExit) as refused:
        main(["--misses", "--split", "test", "--data", str(eval_set)])
    assert refused.value.code == 2
    printed = capsys.readouterr()
    assert "frozen" in printed.err
    assert "سلام" not in printed.out + printed.err


def test_the_dev_split_lists_its_misses_and_the_exit_status_says_targets_are_missed(
        eval_set, tmp_path, capsys):
    status = main(["--split", "dev", "--misses", "--data", str(eval_set),
                   "--smoke", str(tmp_path / "absent")])
    printed = capsys.readouterr().out
    assert status == 0  # one answerable question, answered; every intent routed right
    assert "misses" in printed and "skipped" in printed


def test_the_test_split_prints_aggregates_only(eval_set, tmp_path, capsys):
    main(["--data", str(eval_set), "--smoke", str(tmp_path / "absent")])
    printed = capsys.readouterr().out
    assert "total" in printed
    assert "misses" not in printed and "مرجوع" not in printed
