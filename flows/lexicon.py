"""Persian words and how often they are written, for choosing among possible spellings.

Read once from ``flows/data/word_frequencies.tsv`` (wordfreq's Persian list, CC BY-SA 4.0, with
the rarer words of hazm's, MIT licence; see ``tools/extract_lexicon.py``): about 40,000 words,
written and colloquial ("میخوام", "چنده", "کنم"), as times in a billion words. Finglish leaves
vowels and sound-alike letters open ("ersal" may be ارسال or ارسل, "zemanat" ضمانت or زمانت);
the list says which spellings are words and how common each is, so the likeliest comes first
and the encoder reads a real word.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["data_pairs", "frequency", "load", "written_form"]

LEXICON_FILE = "word_frequencies.tsv"


@cache
def _by_folded_spelling() -> dict[str, tuple[str, int]]:
    """Folded spelling → the most frequent word written so, and the frequency of all words
    written so."""
    # Imported here: flows.persian_forms asks this module which spellings are words.
    from flows.persian_forms import fold_sound_alikes

    text = resources.files("flows").joinpath("data", LEXICON_FILE).read_text(encoding="utf-8")
    words: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        word, count = line.split("\t")
        folded = fold_sound_alikes(word.replace("\u200c", ""))
        best, total = words.get(folded, (word, 0))
        words[folded] = (best, total + int(count))  # most frequent first in the file
    return words


def load() -> None:
    """Read the list now (it is read once per process, on first use otherwise)."""
    _by_folded_spelling()


def frequency(folded: str) -> int:
    """How often words spelled ``folded`` (sound-alike letters folded) are written; 0 when no
    word is."""
    return _by_folded_spelling().get(folded, ("", 0))[1]


def written_form(folded: str) -> str | None:
    """The most frequent word that folds to ``folded``, as Persian writes it."""
    found = _by_folded_spelling().get(folded)
    return found[0] if found else None


def data_pairs(name: str) -> dict[str, str]:
    """A two-column list of ``flows/data`` (see ``tools/extract_lexicon.py``)."""
    text = resources.files("flows").joinpath("data", name).read_text(encoding="utf-8")
    return dict(
        line.split("\t", 1) for line in text.splitlines() if line and not line.startswith("#")
    )
