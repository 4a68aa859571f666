#!/usr/bin/env python3
"""How long grouping "what the bot could not answer" takes at its cap.

    python bench/unanswered.py [--questions N] [--distinct K]

Groups N customer questions (core.owner_desk.UNANSWERED_SCAN_LIMIT by default, the most the
page ever reads) made of K distinct questions, each typed with small variations (ي/ی,
digits, a word more), as core/owner_desk.py does for the owners' page; the database query
is not included. Prints the time of the grouping and the number of groups found.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.owner_desk import UNANSWERED_SCAN_LIMIT, _group  # noqa: E402

WORDS = ("سفارش", "ارسال", "گارانتی", "قیمت", "رنگ", "سایز", "تخفیف", "پرداخت", "مرجوعی",
         "شیراز", "تهران", "کفش", "گوشی", "لپتاپ", "باتری", "شارژر", "کارت", "قسطی", "پیک", "کد")
VARIATIONS = (lambda q: q, lambda q: q.replace("ی", "ي"), lambda q: q + " ؟",
              lambda q: "سلام " + q, lambda q: q.replace("ک", "ك"))


def questions(count: int, distinct: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    bases = [" ".join(rng.sample(WORDS, 4)) + f" {n}" for n in range(distinct)]
    now = datetime.now(UTC)
    return [{"id": count - i, "conversation_id": i % 500,
             "text": rng.choice(VARIATIONS)(rng.choice(bases)), "created_at": now}
            for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=UNANSWERED_SCAN_LIMIT)
    parser.add_argument("--distinct", type=int, default=300)
    args = parser.parse_args()
    rows = questions(args.questions, args.distinct)
    started = time.perf_counter()
    groups = _group(rows)
    elapsed = time.perf_counter() - started
    print(f"{args.questions} questions, {args.distinct} distinct: {len(groups)} groups shown"
          f" in {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
