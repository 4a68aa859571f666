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
     ("daram", "دارم"), ("mikham", "میخام"), ("begiram", "بگیرم")],
)
def test_a_spelling_that_is_a_persian_word_comes_first(finglish, persian):
    # "سلام" is written far more than "سالم" or "سالام"; "کنم" more than "کونم" or "کنام"
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
