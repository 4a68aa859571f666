#!/usr/bin/env python3
"""`make eval`: how the bot routes customers' messages, on shops' FAQs and questions written blind.

    python bench/faq_eval.py [--split test|dev] [--misses] [--data DIR] [--smoke DIR]

--split   which files of tests/data/faq_eval (splits.yaml) to score; `test` by default.
          The test split is frozen: only its aggregate figures are printed, never its misses.
--misses  list every dev question the bot did not route right (refused with --split test;
          the smoke set's are not listed either: it is not for tuning)
--data    the four-shop set (default tests/data/faq_eval beside this script)
--smoke   the public smoke set (default ../shared/eval/faq beside the checkout; skipped with
          a message when absent): shop.yaml and questions.tsv (question, expected)

Every message goes through flows.routing.route, the function the bot itself uses, with the
shop's FAQ and order tracking switched on. Per shop, per writing style and in total:

answerable  messages whose expected route is an FAQ entry
top-1       the bot answered that entry directly (share of answerable)
top-3       that entry was the answer or among the offered choices (share of answerable)
wrong       an FAQ answer with the wrong entry, or an FAQ answer to a message whose expected
            route is none, order, handoff or small talk (share of all messages); choices are
            not answers: those offered to messages with no entry are shown apart ("offered")
intents     messages expected to go to none/order/handoff/small talk that went exactly there
offered     messages with no FAQ entry that were offered FAQ choices (share of those messages)
mix         the decisions: answer / choices / none / an intent (order, handoff, ticket, small
            talk), as shares of all messages

Each share has its 95% Wilson interval. Exit status 1 when a total misses a target.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

# This checkout's flows, even when the venv's editable install points at another checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots.flow_config import flow_config  # noqa: E402
from core import owner_config  # noqa: E402
from flows.config import FlowConfig  # noqa: E402
from flows.faq import FaqEntry  # noqa: E402
from flows.routing import ANSWER, CHOICES, INTENTS, NONE, TICKET, route  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVAL_DATA = ROOT / "tests" / "data" / "faq_eval"
SHARED_EVAL = ROOT.parent / "shared" / "eval" / "faq"
TEST = "test"
DEV = "dev"
ORDER, HANDOFF, SMALLTALK = "order", "handoff", "smalltalk"
NOT_FAQ = frozenset({NONE, ORDER, HANDOFF, SMALLTALK})  # expected routes that are no entry
STYLES = ("colloquial", "formal", "finglish", "typo", "long")
TARGET_TOP1 = 0.85
TARGET_TOP3 = 0.95
TARGET_WRONG = 0.05
Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class Case:
    question: str
    expected: str  # an FAQ id, or none / order / handoff / smalltalk
    style: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    route: str  # flows.routing kind: answer, choices, none, order, handoff, ticket, smalltalk
    answered: str | None = None  # the FAQ entry answered
    offered: tuple[str, ...] = ()  # the FAQ entries offered as choices
    seconds: float = 0.0

    @property
    def answerable(self) -> bool:
        return self.case.expected not in NOT_FAQ

    @property
    def top1(self) -> bool:
        return self.answerable and self.route == ANSWER and self.answered == self.case.expected

    @property
    def top3(self) -> bool:
        return self.top1 or (self.answerable and self.route == CHOICES
                             and self.case.expected in self.offered)

    @property
    def wrong(self) -> bool:
        if self.answerable:
            return self.route == ANSWER and self.answered != self.case.expected
        return self.route == ANSWER

    @property
    def routed_right(self) -> bool:
        """A message that is no FAQ question went where it should (a ticket is a "none": the
        bot has no answer and takes the problem down)."""
        if self.case.expected == NONE:
            return self.route in (NONE, TICKET)
        return not self.answerable and self.route == self.case.expected

    @property
    def decision(self) -> str:
        return "intent" if self.route in INTENTS else self.route


# --- Loading -------------------------------------------------------------------------------


def load_faq(path: Path) -> list[FaqEntry]:
    """A shop's FAQ entries alone, without building the bot's index over them."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        FaqEntry(id=str(item["id"]), question=str(item["question"]),
                 alternatives=tuple(str(t) for t in item.get("alternatives") or ()),
                 answer=str(item["answer"]))
        for item in document["faq"]
    ]


def shop_config(faq_path: Path) -> FlowConfig:
    """The shop's configuration as the bot builds it from the owner's file, with order
    tracking on (every shop of the set tracks orders)."""
    document = owner_config.parse(faq_path.read_text(encoding="utf-8"))
    return replace(flow_config(document), order_tracking=True)


def load_cases(path: Path) -> list[Case]:
    """A TSV with a header: question, expected, and optionally style and kind."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader((line for line in file if not line.startswith("#")),
                              delimiter="\t", quoting=csv.QUOTE_NONE)
        if not rows.fieldnames or not {"question", "expected"} <= set(rows.fieldnames):
            sys.exit(f"{path}: expected a header with `question` and `expected` columns")
        return [Case(question=row["question"].strip(), expected=row["expected"].strip(),
                     style=(row.get("style") or "").strip(), kind=(row.get("kind") or "").strip())
                for row in rows if (row["question"] or "").strip()]


def split_files(data: Path, split: str) -> dict[str, list[Path]]:
    """Shop → its question files in the split, as splits.yaml lists them ("food/A")."""
    splits = yaml.safe_load((data / "splits.yaml").read_text(encoding="utf-8"))
    by_shop: dict[str, list[Path]] = {}
    for name in splits[split]:
        shop, _, writer = str(name).partition("/")
        by_shop.setdefault(shop, []).append(data / shop / f"{writer}.tsv")
    return by_shop


# --- Scoring -------------------------------------------------------------------------------


def evaluate(config: FlowConfig, cases: Iterable[Case],
             clock: Callable[[], float] = time.perf_counter) -> list[Outcome]:
    outcomes = []
    for case in cases:
        started = clock()
        routed = route(case.question, config)
        seconds = clock() - started
        decision = routed.faq
        answered = decision.answer.id if decision and decision.answer and routed.kind == ANSWER \
            else None
        offered = tuple(entry.id for entry in decision.choices) \
            if decision and routed.kind == CHOICES else ()
        outcomes.append(Outcome(case, routed.kind, answered, offered, seconds))
    return outcomes


def wilson(part: int, whole: int) -> tuple[float, float]:
    """The 95% Wilson score interval of part/whole."""
    if not whole:
        return 0.0, 1.0
    share = part / whole
    spread = Z_95 * math.sqrt(share * (1 - share) / whole + Z_95**2 / (4 * whole**2))
    centre = share + Z_95**2 / (2 * whole)
    scale = 1 + Z_95**2 / whole
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


@dataclass(frozen=True, slots=True)
class Figures:
    messages: int
    answerable: int
    top1: int
    top3: int
    wrong: int
    not_faq: int
    offered: int  # messages with no FAQ entry that were offered choices
    routed_right: int
    mix: dict[str, int]

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Figures:
        mix = {decision: 0 for decision in (ANSWER, CHOICES, NONE, "intent")}
        for outcome in outcomes:
            mix[outcome.decision] += 1
        return cls(
            messages=len(outcomes),
            answerable=sum(o.answerable for o in outcomes),
            top1=sum(o.top1 for o in outcomes),
            top3=sum(o.top3 for o in outcomes),
            wrong=sum(o.wrong for o in outcomes),
            not_faq=sum(not o.answerable for o in outcomes),
            offered=sum(not o.answerable and o.route == CHOICES for o in outcomes),
            routed_right=sum(o.routed_right for o in outcomes),
            mix=mix,
        )

    def misses(self) -> list[str]:
        """The targets these figures miss (none when there is nothing to measure)."""
        missed = []
        if self.answerable and self.top1 / self.answerable < TARGET_TOP1:
            missed.append("top-1")
        if self.answerable and self.top3 / self.answerable < TARGET_TOP3:
            missed.append("top-3")
        if self.messages and self.wrong / self.messages > TARGET_WRONG:
            missed.append("wrong")
        return missed


def share(part: int, whole: int) -> str:
    if not whole:
        return f"{'-':>20}"
    low, high = wilson(part, whole)
    return f"{part / whole:6.1%} [{low:5.1%}–{high:5.1%}]"


HEADER = (f"{'':14}{'msgs':>5} {'answ':>5}  {'top-1':^21} {'top-3':^21} {'wrong':^21}"
          f" {'intents':^21} {'offered':^21}  mix answer/choices/none/intent")


def row(label: str, figures: Figures) -> str:
    mix = "/".join(f"{figures.mix[d] / figures.messages:.0%}" if figures.messages else "-"
                   for d in (ANSWER, CHOICES, NONE, "intent"))
    return (f"{label:14}{figures.messages:5d} {figures.answerable:5d}  "
            f"{share(figures.top1, figures.answerable)} {share(figures.top3, figures.answerable)} "
            f"{share(figures.wrong, figures.messages)} "
            f"{share(figures.routed_right, figures.not_faq)} "
            f"{share(figures.offered, figures.not_faq)}  {mix}")


def targets_line(figures: Figures) -> str:
    missed = figures.misses()
    verdict = "all met" if not missed else "NOT met: " + ", ".join(missed)
    return (f"targets: top-1 >= {TARGET_TOP1:.0%}, top-3 >= {TARGET_TOP3:.0%}, "
            f"wrong <= {TARGET_WRONG:.0%} — {verdict}")


def report(title: str, by_shop: dict[str, list[Outcome]],
           timing: str = "route() per message") -> Figures:
    """Per shop, per style and in total; returns the totals."""
    everything = [outcome for outcomes in by_shop.values() for outcome in outcomes]
    print(f"\n== {title} ==")
    print(HEADER)
    if len(by_shop) > 1:
        for shop, outcomes in by_shop.items():
            print(row(shop, Figures.of(outcomes)))
    styles = [style for style in STYLES if any(o.case.style == style for o in everything)]
    styles += sorted({o.case.style for o in everything if o.case.style} - set(STYLES))
    for style in styles:
        print(row(f"  {style}", Figures.of([o for o in everything if o.case.style == style])))
    totals = Figures.of(everything)
    print(row("total", totals))
    print(targets_line(totals))
    times = sorted(o.seconds for o in everything)
    if times:
        print(f"{timing}: median {times[len(times) // 2] * 1000:.2f} ms, "
              f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms, "
              f"slowest {times[-1] * 1000:.2f} ms")
    return totals


def print_misses(by_shop: dict[str, list[Outcome]]) -> None:
    print("\nmisses (shop | style | expected | routed | answered | offered):")
    for shop, outcomes in by_shop.items():
        for o in outcomes:
            if o.top1 or (not o.answerable and o.routed_right):
                continue
            print(f"  {o.case.question}\n      {shop} | {o.case.style or '-'} | "
                  f"{o.case.expected} | {o.route} | {o.answered or '-'} | "
                  f"{', '.join(o.offered) or '-'}")


# --- The sets ------------------------------------------------------------------------------


def split_outcomes(data: Path, split: str) -> dict[str, list[Outcome]]:
    by_shop = {}
    for shop, files in split_files(data, split).items():
        if not (data / shop / "faq.yaml").exists():
            print(f"({shop}: no faq.yaml yet; skipped)")
            continue
        config = shop_config(data / shop / "faq.yaml")
        present = [path for path in files if path.exists()]
        if len(present) < len(files):
            missing = ", ".join(path.name for path in files if not path.exists())
            print(f"({shop}: {missing} not there yet; scored without)")
        cases = [case for path in present for case in load_cases(path)]
        if cases:
            by_shop[shop] = evaluate(config, cases)
    return by_shop


def smoke_outcomes(smoke: Path) -> dict[str, list[Outcome]] | None:
    if not (smoke / "questions.tsv").exists():
        return None
    config = shop_config(smoke / "shop.yaml")
    return {"clothing": evaluate(config, load_cases(smoke / "questions.tsv"))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=(TEST, DEV), default=TEST)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--data", type=Path, default=EVAL_DATA)
    parser.add_argument("--smoke", type=Path, default=SHARED_EVAL)
    args = parser.parse_args(argv)
    if args.misses and args.split == TEST:
        parser.error("the test split is frozen: its misses are never printed (use --split dev)")

    met = True
    by_shop = split_outcomes(args.data, args.split)
    if by_shop:
        met = not report(f"{args.split} split of {args.data.name} (frozen)" if args.split == TEST
                         else f"{args.split} split of {args.data.name}", by_shop).misses()
        if args.misses:
            print_misses(by_shop)
    else:
        print(f"\n== {args.split} split: no questions in {args.data} yet ==")

    smoke = smoke_outcomes(args.smoke)
    if smoke is None:
        print(f"\n== smoke set: {args.smoke} is not there; skipped ==")
    else:
        met = not report(f"smoke set {args.smoke} (public: not for tuning)", smoke).misses() \
            and met
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
