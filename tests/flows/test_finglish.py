"""Finglish spelled in Persian letters (folded as the matcher folds Persian words)."""

from __future__ import annotations

import pytest

from flows.finglish import finglish_spellings, is_finglish


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


@pytest.mark.parametrize(("word", "latin"), [("salam", True), ("سلام", False), ("a1", False)])
def test_is_finglish(word, latin):
    assert is_finglish(word) is latin
