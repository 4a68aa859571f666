#!/usr/bin/env python3
"""How well Finglish is spelled in Persian and colloquial words are read as written ones, on
sentences written blind (tests/data/finglish_blind.tsv, tests/data/colloquial_blind.tsv).

    python tools/blind_check.py [--show]

Finglish, per Latin word against the Persian the writer meant (sound-alike letters folded, as
the matcher compares words):
  first      the likeliest spelling is the word meant (or one of its accepted spellings)
  listed     the word meant is among the spellings tried
  shared     the likeliest spelling shares a form with the word meant (an ending, a colloquial
             form): the matcher reads them as one word
Colloquial, per annotated word: it shares a form with its written word, and at what cost.
--show lists what went wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.finglish import finglish_spellings, is_finglish  # noqa: E402
from flows.persian_forms import matching_words, word_forms  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def folded(word: str) -> str:
    return "".join(matching_words(word))


def shared_cost(first: str, second: str) -> float | None:
    """The cheapest form two words share, None when they share none."""
    mine, theirs = word_forms(first), word_forms(second)
    common = [mine[form] + theirs[form] for form in mine.keys() & theirs.keys()]
    return min(common, default=None)


def finglish(show: bool) -> None:
    first = listed = shared = total = 0
    for latin, persian in rows("finglish_blind.tsv"):
        for word, meant in zip(latin.split(), persian.split(), strict=True):
            if not is_finglish(word):
                continue
            accepted = {folded(spelling) for spelling in meant.split("/")}
            spellings = finglish_spellings(word)
            total += 1
            first += spellings[0] in accepted
            listed += bool(accepted & set(spellings))
            close = any(shared_cost(spellings[0], a) is not None for a in accepted)
            shared += close
            if show and spellings[0] not in accepted:
                print(f"  {word}: {spellings[0]} (meant {meant}){'' if close else ' ✗'}")
    print(f"finglish   {total} words: first {first / total:.1%}, listed {listed / total:.1%}, "
          f"shared {shared / total:.1%}")


def colloquial(show: bool) -> None:
    shared = total = 0
    costs = []
    for _sentence, pairs in rows("colloquial_blind.tsv"):
        for pair in pairs.split():
            said, written = (folded(word) for word in pair.split("="))
            cost = shared_cost(said, written)
            total += 1
            if cost is not None:
                shared += 1
                costs.append(cost)
            elif show:
                print(f"  {pair}: no shared form")
    print(f"colloquial {total} words: shared {shared / total:.1%}, mean cost "
          f"{sum(costs) / max(len(costs), 1):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true")
    show = parser.parse_args().show
    finglish(show)
    colloquial(show)
