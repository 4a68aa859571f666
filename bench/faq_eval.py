#!/usr/bin/env python3
"""Offline evaluation of the FAQ matcher (flows/faq.py) on a FAQ and questions it has not seen.

    python bench/faq_eval.py [--faq PATH] [--questions PATH]

--faq        YAML with a `faq:` list of {id, question, alternatives, answer}
--questions  TSV, one `question<TAB>expected id` per line, `none` when the FAQ does not answer
             it; a first line `question<TAB>expected` and lines starting with # are skipped

Defaults are the shared held-out set beside the checkout (../shared/eval/faq). Prints:

top-1         decide() answered the expected entry (over questions that have one)
top-3         the expected entry was the answer or one of the offered choices
wrong on none decide() answered anything to a question the FAQ does not answer
misses        every question that missed top-1 or was answered wrongly, with the ranking
time          index build, and decide() per question (mean, median and slowest, in µs)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

# This checkout's matcher, even when the venv's editable install points at another checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.faq import FaqDecision, FaqEntry, FaqIndex  # noqa: E402

SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "faq"
NONE = "none"
TARGET_TOP1 = 0.90
TARGET_WRONG_ON_NONE = 0.05


@dataclass(frozen=True, slots=True)
class Outcome:
    question: str
    expected: str
    decision: FaqDecision
    ranking: str
    seconds: float

    @property
    def answered(self) -> str | None:
        return self.decision.answer.id if self.decision.answer else None

    @property
    def offered(self) -> list[str]:
        return [entry.id for entry in self.decision.choices]

    @property
    def top1(self) -> bool:
        return self.answered == self.expected

    @property
    def top3(self) -> bool:
        return self.top1 or self.expected in self.offered


def load_faq(path: Path) -> list[FaqEntry]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        FaqEntry(
            id=str(item["id"]),
            question=str(item["question"]),
            alternatives=tuple(str(text) for text in item.get("alternatives") or ()),
            answer=str(item["answer"]),
        )
        for item in document["faq"]
    ]


def load_questions(path: Path) -> list[tuple[str, str]]:
    questions = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        question, _, expected = line.rpartition("\t")
        if not question:
            sys.exit(f"{path}:{line_number}: expected `question<TAB>id`, got {line!r}")
        if line_number == 1 and expected.strip() == "expected":
            continue
        questions.append((question.strip(), expected.strip()))
    return questions


def evaluate(index: FaqIndex, questions: list[tuple[str, str]]) -> list[Outcome]:
    outcomes = []
    for question, expected in questions:
        started = time.perf_counter()
        decision = index.decide(question)
        seconds = time.perf_counter() - started
        ranking = ", ".join(f"{m.entry.id} {m.score:.2f}" for m in index.rank(question))
        outcomes.append(Outcome(question, expected, decision, ranking, seconds))
    return outcomes


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "n/a (no such questions)"


def report(outcomes: list[Outcome], build_seconds: float | None, entry_count: int,
           timing: str = "decide() per question") -> bool:
    answerable = [o for o in outcomes if o.expected != NONE]
    unanswerable = [o for o in outcomes if o.expected == NONE]
    top1 = sum(o.top1 for o in answerable)
    top3 = sum(o.top3 for o in answerable)
    wrong = sum(o.answered is not None for o in unanswerable)
    top1_met = not answerable or top1 / len(answerable) >= TARGET_TOP1
    wrong_met = not unanswerable or wrong / len(unanswerable) <= TARGET_WRONG_ON_NONE

    print(f"entries {entry_count}, questions {len(outcomes)} "
          f"({len(answerable)} with an expected entry, {len(unanswerable)} `none`)")
    print(f"top-1 accuracy      {share(top1, len(answerable))}  "
          f"(target >= {TARGET_TOP1:.0%}: {'met' if top1_met else 'NOT met'})")
    print(f"top-3 accuracy      {share(top3, len(answerable))}")
    print(f"wrong on none       {share(wrong, len(unanswerable))}  "
          f"(target <= {TARGET_WRONG_ON_NONE:.0%}: {'met' if wrong_met else 'NOT met'})")

    misses = [o for o in unanswerable if o.answered] + [o for o in answerable if not o.top1]
    if misses:
        print("\nmisses (expected | answered | offered | ranking):")
    for o in misses:
        offered = ", ".join(o.offered) or "-"
        print(f"  {o.question}\n      {o.expected} | {o.answered or '-'} | {offered} | {o.ranking}")

    times = sorted(o.seconds for o in outcomes)
    built = f"index build {build_seconds * 1000:.1f} ms; " if build_seconds is not None else ""
    print(f"\n{built}{timing}: "
          f"mean {sum(times) / len(times) * 1e6:.0f} µs, "
          f"median {times[len(times) // 2] * 1e6:.0f} µs, slowest {times[-1] * 1e6:.0f} µs")
    return top1_met and wrong_met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faq", type=Path, default=SHARED_EVAL / "shop.yaml")
    parser.add_argument("--questions", type=Path, default=SHARED_EVAL / "questions.tsv")
    args = parser.parse_args()

    entries = load_faq(args.faq)
    questions = load_questions(args.questions)
    if not questions:
        sys.exit(f"{args.questions}: no questions")
    started = time.perf_counter()
    index = FaqIndex(entries)
    build_seconds = time.perf_counter() - started
    met = report(evaluate(index, questions), build_seconds, len(entries))
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
