#!/usr/bin/env python3
"""Extract the Persian word lists the FAQ matcher reads from hazm's package data.

    pip download --no-deps hazm==0.10.0 -d /tmp/hazm && \
    python tools/extract_lexicon.py /tmp/hazm/hazm-0.10.0-py3-none-any.whl

hazm (https://github.com/roshan-research/hazm, MIT licence) ships, under ``hazm/data/``:

* ``words.dat``: a word, its frequency in hazm's corpus and its part-of-speech tags. The words
  seen at least MIN_FREQUENCY times go to ``flows/data/persian_words.tsv`` (word<TAB>frequency,
  most frequent first);
* ``iwords.dat``: colloquial words and their written form ("خونه" خانه, "کدوم" کدام), to
  ``flows/data/informal_words.tsv`` (colloquial<TAB>written);
* ``iverbs.dat``: verbs whose colloquial present stem differs from the written one ("رسون" for
  رسان, "خوا" for خواه), to ``flows/data/informal_verbs.tsv`` (colloquial stem<TAB>past stem).

Everything is normalized as Pasokh normalizes text; each file has a header naming the source
and licence. Run once when the source changes; the output is committed, so nothing is
downloaded at install or at run time.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.text import normalize  # noqa: E402

MIN_FREQUENCY = 10
DATA = Path(__file__).resolve().parents[1] / "flows" / "data"


def main() -> None:
    wheel = Path(sys.argv[1])
    with zipfile.ZipFile(wheel) as archive:
        def read(name: str) -> str:
            return archive.read(f"hazm/data/{name}").decode("utf-8")

        words, informal_words, informal_verbs = (
            read("words.dat"), read("iwords.dat"), read("iverbs.dat"))
    source = (f"from {wheel.name} (hazm/data/%s; https://github.com/roshan-research/hazm, "
              "MIT licence), normalized by core.text.normalize; written by "
              "tools/extract_lexicon.py.\n")
    write_frequencies(words, "# Persian words and their corpus frequency (at least "
                      f"{MIN_FREQUENCY}), " + source % "words.dat")
    pairs = {}
    for line in informal_words.splitlines():
        colloquial, _, written = line.partition(" ")
        colloquial, written = normalize(colloquial), normalize(written)
        if colloquial and written and colloquial != written and " " not in written:
            pairs.setdefault(colloquial, written)
    write_pairs("informal_words.tsv", pairs,
                "# Colloquial Persian words and their written form, " + source % "iwords.dat")
    stems = {}
    for line in informal_verbs.splitlines():
        stems_part, colloquial, _flag = line.split(" ")
        past, _, _present = stems_part.partition("#")
        colloquial, past = normalize(colloquial), normalize(past)
        stems.setdefault(colloquial, past)
    write_pairs("informal_verbs.tsv", stems,
                "# Colloquial present stems of Persian verbs and the verb's past stem, "
                + source % "iverbs.dat")


def write_pairs(name: str, pairs: dict[str, str], header: str) -> None:
    (DATA / name).write_text(header + "".join(f"{a}\t{b}\n" for a, b in pairs.items()),
                             encoding="utf-8")
    print(f"{DATA / name}: {len(pairs)} pairs")


def write_frequencies(text: str, header: str) -> None:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        word, frequency, _tags = line.split("\t")
        word = normalize(word)
        if int(frequency) >= MIN_FREQUENCY and word and " " not in word:
            counts[word] = counts.get(word, 0) + int(frequency)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    output = DATA / "persian_words.tsv"
    output.write_text(header + "".join(f"{w}\t{f}\n" for w, f in rows), encoding="utf-8")
    print(f"{output}: {len(rows)} words")


if __name__ == "__main__":
    main()
