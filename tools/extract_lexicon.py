#!/usr/bin/env python3
"""Extract the Persian word lists the FAQ matcher reads from hazm's and wordfreq's package data.

    pip download --no-deps hazm==0.10.0 -d /tmp/hazm && \
    python -m venv /tmp/wordfreq && /tmp/wordfreq/bin/pip install wordfreq==3.1.1 && \
    PYTHONPATH=/tmp/wordfreq/lib/python3.11/site-packages \
    python tools/extract_lexicon.py /tmp/hazm/hazm-0.10.0-py3-none-any.whl

wordfreq (https://github.com/rspeer/wordfreq; code Apache-2.0, word lists CC BY-SA 4.0) is
needed only here, never at run time. Its Persian list (subtitles, Wikipedia, web text) holds the
colloquial and inflected forms customers type ("میخوام", "چنده", "کنم"), which hazm's written
corpus mostly lacks.

hazm (https://github.com/roshan-research/hazm, MIT licence) ships, under ``hazm/data/``:

* ``words.dat``: a word, its frequency in hazm's corpus and its part-of-speech tags. Together
  with wordfreq's Persian list they make ``flows/data/word_frequencies.tsv`` (word<TAB>how many
  times in a billion words, most frequent first): wordfreq's figure where it has the word;
  otherwise hazm's count (at least MIN_FREQUENCY) scaled by the median ratio of the two lists
  over the words both have, and never above wordfreq's rarest word (a word wordfreq does not
  list is rarer than every word it does);
* ``iwords.dat``: colloquial words and their written form ("خونه" خانه, "کدوم" کدام), to
  ``flows/data/informal_words.tsv`` (colloquial<TAB>written);
* ``verbs.dat``: every verb's past and present stem ("خورد#خور", "نشست#نشین"), to
  ``flows/data/verb_stems.tsv`` (present stem<TAB>past stem; stems of one letter left out:
  too many words start so);
* ``iverbs.dat``: verbs whose colloquial present stem differs from the written one ("رسون" for
  رسان, "خوا" for خواه), to ``flows/data/informal_verbs.tsv`` (colloquial stem<TAB>past stem).

Everything is normalized as Pasokh normalizes text; each file has a header naming the source
and licence. Run once when the source changes; the output is committed, so nothing is
downloaded at install or at run time.
"""

from __future__ import annotations

import statistics
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.text import normalize  # noqa: E402

MIN_FREQUENCY = 10
MIN_VERB_STEM = 2
DATA = Path(__file__).resolve().parents[1] / "flows" / "data"


def main() -> None:
    wheel = Path(sys.argv[1])
    with zipfile.ZipFile(wheel) as archive:
        def read(name: str) -> str:
            return archive.read(f"hazm/data/{name}").decode("utf-8")

        words, informal_words, informal_verbs, verbs = (
            read("words.dat"), read("iwords.dat"), read("iverbs.dat"), read("verbs.dat"))
    source = (f"from {wheel.name} (hazm/data/%s; https://github.com/roshan-research/hazm, "
              "MIT licence), normalized by core.text.normalize; written by "
              "tools/extract_lexicon.py.\n")
    import wordfreq  # build time only: see the module's docstring

    write_frequencies(
        wordfreq.get_frequency_dict("fa", wordlist="small"), words,
        f"# Persian words and how many times each is written in a billion words: wordfreq "
        f"{version('wordfreq')}'s Persian list "
        "(https://github.com/rspeer/wordfreq, word lists CC BY-SA 4.0), and the rarer words of "
        "hazm's corpus scaled to it (at least "
        f"{MIN_FREQUENCY} times in hazm's), " + source % "words.dat")
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
    stems = {}
    for line in verbs.splitlines():
        past, _, present = line.partition("#")
        past, present = normalize(past), normalize(present)
        if past and len(present) >= MIN_VERB_STEM:
            stems.setdefault(present, past)
    write_pairs("verb_stems.tsv", stems,
                "# Present stems of Persian verbs and the verb's past stem, "
                + source % "verbs.dat")


def write_pairs(name: str, pairs: dict[str, str], header: str) -> None:
    (DATA / name).write_text(header + "".join(f"{a}\t{b}\n" for a, b in pairs.items()),
                             encoding="utf-8")
    print(f"{DATA / name}: {len(pairs)} pairs")


def write_frequencies(wordfreq_list: dict[str, float], hazm_words: str, header: str) -> None:
    per_billion: dict[str, float] = {}
    for word, share in wordfreq_list.items():
        word = normalize(word)
        if word and " " not in word and not word.isdigit():
            per_billion[word] = per_billion.get(word, 0.0) + share * 1e9
    hazm: dict[str, int] = {}
    for line in hazm_words.splitlines():
        word, frequency, _tags = line.split("\t")
        word = normalize(word)
        if int(frequency) >= MIN_FREQUENCY and word and " " not in word:
            hazm[word] = hazm.get(word, 0) + int(frequency)
    scale = statistics.median(per_billion[w] / count for w, count in hazm.items()
                              if w in per_billion)
    rarest = min(per_billion.values())
    for word, count in hazm.items():
        if word not in per_billion:
            per_billion[word] = min(count * scale, rarest)
    rows = sorted(((w, max(1, round(f))) for w, f in per_billion.items()),
                  key=lambda item: (-item[1], item[0]))
    output = DATA / "word_frequencies.tsv"
    output.write_text(header + "".join(f"{w}\t{f}\n" for w, f in rows), encoding="utf-8")
    print(f"{output}: {len(rows)} words (hazm's scaled by {scale:.4f})")

if __name__ == "__main__":
    main()
