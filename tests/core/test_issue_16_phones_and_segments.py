"""Issue 16: one form for a phone number however it is typed, and text-message parts
counted as the network counts them (GSM-7 160/153, UCS-2 70/67)."""

from __future__ import annotations

import pytest

from core.segments import Encoding, count_segments
from core.text import local_phone, phone_key, phone_search_key


@pytest.mark.parametrize("typed", [
    "09121234567", "+989121234567", "989121234567", "00989121234567", "9121234567",
    "+98 912 123 4567", "0912-123-4567", "(0912) 123 45 67", "+98 0912 123 4567",
    "۰۹۱۲۱۲۳۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "+۹۸۹۱۲۱۲۳۴۵۶۷", "\u200e0912\u200c1234567",
])
def test_issue_16_every_iranian_form_is_one_key(typed):
    assert phone_key(typed) == "989121234567"


def test_issue_16_other_countries_and_nothing_stay_apart():
    assert phone_key("+44 20 7946 0958") == "442079460958"
    assert phone_key("+959123456789") == "959123456789"  # Myanmar's +95, not an Iranian 9…
    assert phone_key("") is None
    assert phone_key("no digits") is None


def test_issue_16_a_key_is_written_back_as_providers_take_it():
    assert local_phone("989121234567") == "09121234567"
    assert local_phone("442079460958") == "442079460958"


@pytest.mark.parametrize(("text", "encoding", "parts", "left"), [
    ("", Encoding.GSM7, 1, 160),
    ("a" * 160, Encoding.GSM7, 1, 0),
    ("a" * 161, Encoding.GSM7, 2, 2 * 153 - 161),
    ("a" * 306, Encoding.GSM7, 2, 0),
    ("a" * 307, Encoding.GSM7, 3, 3 * 153 - 307),
    ("{" * 80, Encoding.GSM7, 1, 0),  # an extension character takes two septets
    ("{" * 81, Encoding.GSM7, 2, 2 * 153 - 162),
    ("س" * 70, Encoding.UCS2, 1, 0),
    ("س" * 71, Encoding.UCS2, 2, 2 * 67 - 71),
    ("س" * 134, Encoding.UCS2, 2, 0),
    ("س" * 135, Encoding.UCS2, 3, 3 * 67 - 135),
])
def test_issue_16_parts_of_latin_and_persian(text, encoding, parts, left):
    counted = count_segments(text)
    assert (counted.encoding, counted.parts, counted.left) == (encoding, parts, left)


def test_issue_16_one_persian_letter_makes_a_latin_text_ucs2():
    latin = "Your order A-1001 has shipped. " * 5  # 155 characters: one GSM-7 part
    assert count_segments(latin).parts == 1
    mixed = latin + "ممنون"
    assert count_segments(mixed).encoding is Encoding.UCS2
    assert count_segments(mixed).parts == 3  # 160 UCS-2 characters: 67 + 67 + 26


def test_issue_16_persian_digits_and_emoji_count_as_ucs2_units():
    assert count_segments("کد ۱۲۳۴").units == 7
    assert count_segments("🙂" * 35).units == 70  # outside the BMP: two units each
    assert count_segments("🙂" * 35).parts == 1
    assert count_segments("🙂" * 36).parts == 2


def test_issue_16_cost_is_parts_times_the_price():
    assert count_segments("س" * 71).cost(1190) == 2380


@pytest.mark.parametrize(("typed", "key"), [
    ("0912 123 4567", "989121234567"), ("۰۹۱۲۱۲۳", "912123"), ("+98 912", "98912"),
    ("سفارش ۱۲۳۴۵", None), ("1234", None), ("A-1001", None),
])
def test_issue_16_a_search_that_looks_like_a_number_looks_for_its_key(typed, key):
    assert phone_search_key(typed) == key
