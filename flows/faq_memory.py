"""Other shops' customers' wording, lent to a new shop's FAQ entries on the same topic.

Shops' FAQs share topics (delivery time, returns, payment on delivery, warranty, opening
hours, discounts), and customers of one shop word them as customers of another do. The
*memory* (``flows/data/faq_memory.npz``, built by ``tools/faq_memory.py`` from the dev split
of the FAQ evaluation) holds, per labelled customer message, its sentence vector and the entry
it asked for (a *donor* entry: its phrasings' vectors), and the vectors of
messages that asked for nothing the shop answers.

For an FAQ, each donor entry is lent to the entry of this FAQ whose phrasings are closest to
its own, with a weight that grows with how close their phrasings are: "ارسال چند
روز طول میکشه" of an electronics shop and "delivery time" of a food shop are one topic, a
gym's trainer change and a cosmetics shop's damaged item are not. A message is then compared
with all remembered messages: its nearest ones vote, each for the entry its donor was lent to
(``vote``), and for each entry the closest borrowed message says how near the message is to
what customers said for that topic elsewhere (``gap``, against the nearest remembered message
of all). The share of the nearest messages that asked for nothing (``unanswerable``) is
evidence for the decision. The learned ranking and decision (``flows.faq_model``) weigh these
beside the words and the entry's own phrasings.

Vectors are stored as float16 (2 MB for 2,600 messages); only the encoder's vectors are kept,
never the messages' text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["BorrowedParaphrases", "MEMORY_FILE", "MemoryComparison", "ParaphraseMemory",
           "shared_memory"]

MEMORY_FILE = "faq_memory.npz"
# A donor entry's phrasings this close (best pair's raw cosine) or closer to an entry's lend
# it fully; at LEND_FROM or below not at all; linearly between. e5's cosines of two shop
# questions lie in 0.85–1.0: "delivery time" of two shops 0.97, "discount code" and "discount
# club" 0.94, unrelated topics 0.85–0.91.
LEND_FROM = 0.90
LEND_FULLY = 0.95
# How many remembered messages vote, and how fast a vote fades with the distance from the
# nearest one (a softmax over their cosines at this temperature).
NEAREST = 10
VOTE_TEMPERATURE = 0.02
# An entry with no borrowed message is this far (in cosine) from what was said elsewhere.
FARTHEST_GAP = -0.1
# The owner index of a remembered message that asked for nothing the shop answers.
UNANSWERABLE = -1


@dataclass(frozen=True, slots=True)
class MemoryComparison:
    vote: np.ndarray  # per entry of the FAQ, 0..1: the nearest messages' weighted votes
    gap: np.ndarray  # per entry: closest borrowed message's cosine minus the nearest's, ≤ 0
    unanswerable: float  # share of the nearest messages' votes that asked for nothing


class ParaphraseMemory:
    """Donor entries and the labelled messages that asked for them (vectors only)."""

    def __init__(self, *, phrases: np.ndarray, phrase_owner: np.ndarray,
                 messages: np.ndarray, message_owner: np.ndarray, message_shop: np.ndarray,
                 shops: np.ndarray) -> None:
        """``phrase_owner[i]`` is the donor entry of phrasing i (donors numbered in the order
        of their phrasings); ``message_owner[j]`` the donor entry message j asked for, or
        UNANSWERABLE; ``shops[message_shop[j]]`` the shop it was written for."""
        self.phrases = phrases.astype(np.float32)
        self.phrase_owner = phrase_owner.astype(np.intp)
        self.messages = messages.astype(np.float32)
        self.message_owner = message_owner.astype(np.intp)
        self.message_shop = message_shop.astype(np.intp)
        self.shops = shops

    def without(self, shop: str) -> ParaphraseMemory:
        """The memory without the messages written for ``shop``: a shop's own customers are
        never its borrowed paraphrases when the matcher is measured on it. (Its donor entries
        stay: with no message they lend nothing.)"""
        keep = self.shops[self.message_shop] != shop
        return ParaphraseMemory(
            phrases=self.phrases, phrase_owner=self.phrase_owner,
            messages=self.messages[keep], message_owner=self.message_owner[keep],
            message_shop=self.message_shop[keep], shops=self.shops)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> ParaphraseMemory:
        return cls(phrases=arrays["phrases"], phrase_owner=arrays["phrase_owner"],
                   messages=arrays["messages"],
                   message_owner=arrays["message_owner"],
                   message_shop=arrays["message_shop"], shops=arrays["shops"])

    def arrays(self) -> dict[str, np.ndarray]:
        """What ``tools/faq_memory.py`` stores (float16 vectors)."""
        return {"phrases": self.phrases.astype(np.float16),
                "phrase_owner": self.phrase_owner.astype(np.int16),
                "messages": self.messages.astype(np.float16),
                "message_owner": self.message_owner.astype(np.int16),
                "message_shop": self.message_shop.astype(np.int16),
                "shops": self.shops}

    def for_faq(self, phrases: np.ndarray, phrase_entry: np.ndarray) -> BorrowedParaphrases:
        """The memory lent to one FAQ: ``phrases`` its phrasings' vectors, ``phrase_entry``
        their entries (in order)."""
        first_row = np.flatnonzero(np.r_[True, phrase_entry[1:] != phrase_entry[:-1]])
        # Closest pair of phrasings of each FAQ entry and donor entry.
        pairs = phrases @ self.phrases.T
        donor_first = np.flatnonzero(np.r_[True, self.phrase_owner[1:] != self.phrase_owner[:-1]])
        closest = np.maximum.reduceat(np.maximum.reduceat(pairs, first_row, axis=0),
                                      donor_first, axis=1)
        best = closest.max(axis=0)
        weight = np.clip((best - LEND_FROM) / (LEND_FULLY - LEND_FROM), 0.0, 1.0)
        # Two entries phrased alike are alike to every donor: each gets the donor's messages.
        lend = np.where(closest >= best, weight, 0.0).T
        return BorrowedParaphrases(messages=self.messages, owner=self.message_owner, lend=lend)


class BorrowedParaphrases:
    """The remembered messages as one FAQ sees them: each donor entry lent, with a weight, to
    the entry of this FAQ closest to it (to each of them when several are)."""

    def __init__(self, *, messages: np.ndarray, owner: np.ndarray, lend: np.ndarray) -> None:
        """``owner[j]``: message j's donor entry or UNANSWERABLE; ``lend[d, e]``: the weight
        with which donor d is lent to entry e (0 when it is not)."""
        self._messages = messages
        self._owner = owner
        self._lend = lend
        self._lent_to = lend > 0
        lends = (owner != UNANSWERABLE) & self._lent_to.any(axis=1)[owner.clip(0)]
        self._lending_rows = np.flatnonzero(lends)
        self._lending_owner = owner[lends]

    def compare(self, message: np.ndarray) -> MemoryComparison:
        cosines = self._messages @ message
        nearest = np.argpartition(-cosines, min(NEAREST, len(cosines) - 1))[:NEAREST]
        top = float(cosines[nearest].max())
        votes = np.exp((cosines[nearest] - top) / VOTE_TEMPERATURE)
        votes /= votes.sum()
        asked = self._owner[nearest] != UNANSWERABLE
        by_donor = np.zeros(len(self._lend))
        np.add.at(by_donor, self._owner[nearest][asked], votes[asked])
        closest_by_donor = np.full(len(self._lend), FARTHEST_GAP)
        np.maximum.at(closest_by_donor, self._lending_owner, cosines[self._lending_rows] - top)
        gap = np.where(self._lent_to, closest_by_donor[:, None], FARTHEST_GAP).max(axis=0)
        return MemoryComparison(vote=by_donor @ self._lend, gap=gap,
                                unanswerable=float(votes[~asked].sum()))


@lru_cache(maxsize=1)
def shared_memory() -> ParaphraseMemory | None:
    """The memory shipped with Pasokh; None when the file is absent."""
    path = resources.files("flows").joinpath("data", MEMORY_FILE)
    if not path.is_file():
        return None
    with path.open("rb") as file, np.load(file, allow_pickle=False) as arrays:
        return ParaphraseMemory.from_arrays({name: arrays[name] for name in arrays.files})
