"""Finglish spelled in Persian letters (folded as the matcher folds Persian words)."""

from __future__ import annotations

import pytest

from flows.finglish import finglish_spellings, is_finglish, persian_text


@pytest.mark.parametrize(
    ("finglish", "persian"),
    [
        ("size", "سایز"),  # loanwords keep their Persian spelling, tried first
        ("cancel", "کنسل"),
        ("code", "کد"),
        ("original", "اورجینال"),
        ("Online", "انلاین"),
    ],
)
def test_loanwords_are_spelled_as_persian_writes_them(finglish, persian):
    assert finglish_spellings(finglish)[0] == persian


def test_soft_c_sounds_as_s():
    assert "سنتر" in finglish_spellings("center")


def test_the_most_likely_spelling_comes_first():
    assert finglish_spellings("kharej")[0] == "خارج"
    assert "خرج" in finglish_spellings("kharej")


@pytest.mark.parametrize(
    ("finglish", "persian"),
    [("salam", "سلام"), ("ersal", "ارسال"), ("darid", "دارید"), ("konam", "کنم"),
     ("daram", "دارم"), ("mikham", "میخوام"), ("begiram", "بگیرم")],
)
def test_a_spelling_that_is_a_persian_word_comes_first(finglish, persian):
    # "سلام" is written far more than "سالم" or "سالام"; "کنم" more than "کونم" or "کنام";
    # after خ a long a may be written وا, and "میخوام" is written more than "میخام"
    assert finglish_spellings(finglish)[0] == persian


@pytest.mark.parametrize(
    ("finglish", "persian"), [("sizesh", "سایزش"), ("codetoon", "کدتون"), ("postesh", "پستش")]
)
def test_a_persian_ending_on_a_loanword(finglish, persian):
    assert finglish_spellings(finglish)[0] == persian


def test_persian_text_writes_finglish_words_as_persian_writes_them():
    # "zemanat" sounds out to the folded زمانت; the word written so is ضمانت
    assert persian_text("zemanat gooshi chande?") == "ضمانت گوشی چنده?"
    assert persian_text("سلام") == "سلام"


@pytest.mark.parametrize(("word", "latin"), [("salam", True), ("سلام", False), ("a1", False)])
def test_is_finglish(word, latin):
    assert is_finglish(word) is latin


@pytest.mark.parametrize(
    ("finglish", "persian"),
    [
        ("mashhad", "مشهد"),  # "sh" then "h", not a doubled "h"
        ("baraye", "برای"),  # the ezafe after a vowel is ی
        ("hazineye", "هزینهی"),
        ("ghablan", "قبلا"),  # an Arabic adverb's -an
        ("khaharam", "خواهرم"),  # وا after خ
        ("sefaresham", "سفارشم"),  # as likely: the shorter
        ("bastebandi", "بستهبندی"),  # a compound's first part ends in ه
    ],
)
def test_general_spelling_rules(finglish, persian):
    assert finglish_spellings(finglish)[0] == persian


def test_a_persian_ending_on_any_known_word():
    # "gooshiatoon" sounds out to no word; گوشی is one, and "atoon" an ending
    assert "گوشیاتون" in finglish_spellings("gooshiatoon")


def test_spellings_are_few():
    assert len(finglish_spellings("tabatatabatatabatatabatatabata")) <= 8


@pytest.mark.parametrize("vowels", ["a", "aa", "ai", "e", "ea", "ee", "ei", "ey", "i", "ii", "o",
                                    "oo", "ou", "u"])
def test_a_word_may_start_or_end_with_any_vowel(vowels):
    assert finglish_spellings(vowels + "st")
    assert finglish_spellings("b" + vowels)
