"""Each rule that turns a customer's Persian into matching words and word forms."""

from __future__ import annotations

import pytest

from flows.persian_forms import (
    AFFIX_PENALTY,
    fold_sound_alikes,
    is_function_word,
    join_phrases,
    matching_words,
    word_forms,
)


def forms_of(word: str) -> dict[str, float]:
    (folded,) = matching_words(word)
    return word_forms(folded)


def folded(word: str) -> str:
    return fold_sound_alikes(word)


# --- Matching words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("خیلییییی خوووب", ["خیلی", "خوب"]),  # a held letter is written once
        ("mersiiiii", ["mersi"]),
        ("ممنون", ["ممنون"]),  # a letter typed twice is a real double letter
        ("هزینه ی ارسال", ["هزینهی", "ارسال"]),  # the ezafe typed apart joins its word
        ("هزینه‌ی ارسال", ["هزینهی", "ارسال"]),
        ("ســـلام", ["سلام"]),  # tatweel
        ("سَلام", ["سلام"]),  # diacritics
        ("كيف", ["کیف"]),  # Arabic kaf and yeh
        ("می رسد", ["میرسد"]),  # the prefix typed apart
    ],
)
def test_matching_words(text, expected):
    assert matching_words(text) == expected


# --- Word forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "form"),
    [
        # Verb prefixes, person endings, and the past stem every form of a verb shares.
        ("بخرم", "خرید"),
        ("میخریم", "خرید"),
        ("خریدم", "خرید"),
        ("میرسه", "رسید"),
        ("نمیفرستید", "فرستاد"),
        ("برمیگرده", "برگشت"),  # the preverb stays on the stem
        ("بدم", "داد"),  # colloquial short stems
        ("بشه", "شد"),
        # Colloquial endings and stems made formal.
        ("میرسه", "میرسد"),
        ("دارین", "دارید"),
        ("میخوام", "میخواهم"),
        ("میتونم", "میتوانم"),
        ("بدم", "بدهم"),
        ("میشه", "میشود"),
        ("کجاس", "کجاست"),
        ("چنده", "چند"),
        # Colloquial words and verb stems from hazm's informal lists, and rounded vowels
        # undone where the written form is a word.
        ("کدوم", "کدام"),
        ("میارم", "آورد"),
        ("بذارم", "گذاشت"),
        ("برسونم", "رساند"),
        ("خونه", "خانه"),
        ("ارزونه", "ارزان"),
        ("تموم", "تمام"),
        # Plural and possessive endings, two at a time.
        ("سفارشامون", "سفارش"),
        ("گوشیهایتان", "گوشی"),
        ("سفارشمو", "سفارش"),
        # Arabic broken plurals.
        ("اجناس", "جنس"),
        ("ساعات", "ساعت"),
    ],
)
def test_a_word_has_its_form(word, form):
    assert folded(form) in forms_of(word)


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        ("پست", "~ارسال"),
        ("مجانی", "~رایگان"),
        ("کرایه", "~هزینه"),
        ("برگشت", "~مرجوع"),
        ("مغازه", "~فروشگاه"),
        ("فیک", "~تقلبی"),
        ("کادو", "~هدیه"),
        ("عوض", "~تعویض"),  # a word may mean two things
        ("عوض", "~تغییر"),
        ("شیراز", "~شهر"),  # places
        ("آلمان", "~خارج"),
        ("لباس", "~کالا"),  # goods
        ("گوشیامون", "~کالا"),
    ],
)
def test_shop_vocabulary_shares_a_meaning(word, meaning):
    assert folded(meaning) in forms_of(word)


@pytest.mark.parametrize(
    ("word", "not_a_form"),
    [
        ("نام", "امد"),  # "نام" is a noun, not "ن" + "آ" + "م"
        ("بر", "رفت"),  # too short to be read as a verb
        ("خرم", "خرید"),  # a present stem needs a verb prefix
        ("مهلت", "مهل"),  # no "ت" ending
        ("بسته", "~سفارش"),  # "بسته" is also "closed"
        ("بار", "اورد"),  # ب before a vowel is written بی: "بار" is no "بیاور"
        ("ستون", "ستان"),  # a word as written keeps its rounded vowel
    ],
)
def test_a_word_does_not_get_a_wrong_form(word, not_a_form):
    assert folded(not_a_form) not in forms_of(word)


def test_each_step_costs():
    forms = forms_of("سفارشمو")
    assert forms[folded("سفارشمو")] == 0.0
    assert forms[folded("سفارش")] == pytest.approx(2 * AFFIX_PENALTY)


@pytest.mark.parametrize(
    "word", ["میشه", "دارین", "کنم", "چجوری", "سلام", "هنوز", "بیام", "ببینم", "بگم"]
)
def test_function_words(word):
    assert is_function_word(forms_of(word))


@pytest.mark.parametrize("word", ["ارسال", "بخرم", "مرجوع", "سفارشمو", "تهران"])
def test_content_words(word):
    assert not is_function_word(forms_of(word))


# --- Phrases -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("میخوام پس بدم", ["میخوام", "مرجوع"]),
        ("پسش میدم", ["مرجوع"]),  # a clitic on the noun, another form of the verb
        ("میتونم برش گردونم", ["میتونم", "مرجوع"]),
        ("چطوری پول بدم", ["چتوری", "پرداخت"]),
        ("پولمو نریختید", ["پول", "واریز"]),  # the noun says something of its own
        ("پس از تحویل", ["پس", "از", "تهویل"]),  # "پس" without a verb is "after"
        ("پس", ["پس"]),
    ],
)
def test_noun_and_light_verb_are_one_word(text, expected):
    assert join_phrases(matching_words(text)) == [folded(word) for word in expected]


# --- Issue 15: a function word is one as written, not after folding ------------------------


@pytest.mark.parametrize("word", ["عمده", "عین"])
def test_issue_15_a_word_folded_onto_a_function_word_stays_a_content_word(word):
    # «عمده» (wholesale) folds to «امده», «آمده» (came); «عین» (same as) to «این» (this).
    assert not is_function_word(forms_of(word))
    assert matching_words(f"خرید {word} دارید") == ["خرید", word, "دارید"]


@pytest.mark.parametrize("word", ["آمده", "امده", "عزیز", "حتما"])
def test_issue_15_function_words_with_sound_alike_letters_are_still_folded(word):
    assert forms_of(word) == word_forms(folded(word))
    assert is_function_word(forms_of(word))


def test_a_finglish_ending_typed_apart_joins_its_word():
    assert matching_words("sim e ya esim? post-e pishtaz o size-esh") == [
        "sime", "ya", "esim", "poste", "pishtaz", "o", "sizeesh"]


@pytest.mark.parametrize(
    ("word", "past_stem"),
    [("بخوریم", "خورد"), ("نمیخورم", "خورد"), ("ببرمش", "برد"), ("بیارین", "اورد"),
     ("میارینش", "اورد")],
)
def test_verbs_from_hazms_list_and_with_their_object(word, past_stem):
    # every verb of hazm's list, not only the shop's; an object clitic after the person ending
    assert word_forms(word)[past_stem] == AFFIX_PENALTY


@pytest.mark.parametrize(("colloquial", "written"), [("نیومده", "نیامده"), ("تموم", "تمام")])
def test_a_rounded_vowel_is_unrounded_when_the_written_word_is_more_common(colloquial, written):
    assert written in word_forms(colloquial)


def test_phrases_are_joined_on_what_a_finglish_word_is_read_as():
    from flows.finglish import finglish_spellings

    def read(word: str) -> str:
        return finglish_spellings(word)[0] if word.isascii() else word

    # the noun and its light verb make one word; a word in no phrase is kept as typed
    assert join_phrases(["kala", "ro", "pas", "bedam"], read=read) == ["kala", "ro", "مرجو"]
    assert join_phrases(["پول", "bedam"], read=read) == ["پرداخت"]
