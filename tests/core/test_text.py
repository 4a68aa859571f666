import pytest

from core.text import normalize, strip_invisible, to_latin_digits, to_persian_digits, tokens

ZWNJ = "\u200c"
ZWJ = "\u200d"
RLO = "\u202e"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("0123456789", "0123456789"),
        ("سفارش ۱۲۳ و ١٢٣ و 123", "سفارش 123 و 123 و 123"),
        ("۱۲٫۵", "12٫5"),  # only digits change, separators are left alone
        ("بدون عدد", "بدون عدد"),
        ("", ""),
    ],
)
def test_to_latin_digits(text, expected):
    assert to_latin_digits(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
        ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"),
        ("۰۱۲۳۴۵۶۷۸۹", "۰۱۲۳۴۵۶۷۸۹"),
        ("کد 4021، ١٢ عدد", "کد ۴۰۲۱، ۱۲ عدد"),
        ("1,234.5", "۱,۲۳۴.۵"),
        ("abc", "abc"),
    ],
)
def test_to_persian_digits(text, expected):
    assert to_persian_digits(text) == expected


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200e",  # LEFT-TO-RIGHT MARK
        "\u200f",  # RIGHT-TO-LEFT MARK
        "\u202a",  # LEFT-TO-RIGHT EMBEDDING
        "\u202b",  # RIGHT-TO-LEFT EMBEDDING
        "\u202c",  # POP DIRECTIONAL FORMATTING
        "\u202d",  # LEFT-TO-RIGHT OVERRIDE
        RLO,
        "\u2066",  # LEFT-TO-RIGHT ISOLATE
        "\u2067",  # RIGHT-TO-LEFT ISOLATE
        "\u2068",  # FIRST STRONG ISOLATE
        "\u2069",  # POP DIRECTIONAL ISOLATE
        "\u061c",  # ARABIC LETTER MARK
        "\u200b",  # ZERO WIDTH SPACE
        ZWJ,
        "\u2060",  # WORD JOINER
        "\ufeff",  # ZERO WIDTH NO-BREAK SPACE / BOM
    ],
)
def test_strip_invisible_removes_each_invisible_character(invisible):
    assert strip_invisible(f"سلا{invisible}م {invisible}x{invisible}") == "سلام x"


def test_strip_invisible_defuses_right_to_left_override_spoofing():
    # Displayed as "invoiceexe.pdf" if the override survives.
    assert strip_invisible(f"invoice{RLO}fdp.exe") == "invoicefdp.exe"
    assert strip_invisible(f"مبلغ {RLO}0001{chr(0x202C)} تومان") == "مبلغ 0001 تومان"


@pytest.mark.parametrize(
    "text",
    [
        f"می{ZWNJ}خواهم",
        f"سفارش{ZWNJ}هایم",
        f"نیم{ZWNJ}فاصله در «کتاب{ZWNJ}ها»؟",
        "بدون کاراکتر نامرئی",
        "ســلام کِتاب كيف ۱۲۳",  # display keeps the customer's spelling, only invisibles go
        "",
    ],
)
def test_strip_invisible_keeps_visible_text_and_zwnj(text):
    assert strip_invisible(text) == text


@pytest.mark.parametrize(
    "emoji",
    [
        f"👩{ZWJ}💻",
        f"👨{ZWJ}👩{ZWJ}👧",
        f"🏳\ufe0f{ZWJ}🌈",
        f"👩🏽{ZWJ}🚀",
        f"❤\ufe0f{ZWJ}🔥",
    ],
)
def test_strip_invisible_keeps_zwj_inside_emoji(emoji):
    assert strip_invisible(f"ممنون {emoji}") == f"ممنون {emoji}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"a{ZWJ}b", "ab"),
        (f"👍{ZWJ}", "👍"),
        (f"{ZWJ}👍", "👍"),
        (f"سلام{ZWJ}👍", "سلام👍"),
    ],
)
def test_strip_invisible_removes_zwj_outside_emoji(text, expected):
    assert strip_invisible(text) == expected


# Each group lists spellings a customer might use for the same thing, and their canonical form.
EQUIVALENT_SPELLINGS = [
    (["كيف", "کیف", "ﻛﻴﻒ"], "کیف"),  # Arabic kaf/yeh, presentation forms
    (["علي", "علی", "على"], "علی"),  # Arabic yeh, alef maksura
    (["مي‌خواهم", "می‌خواهم", "می خواهم", "میخواهم", "مي خواهم"], "میخواهم"),
    (["نمی‌دانم", "نمی دانم", "نمیدانم", "نمي‌دانم"], "نمیدانم"),
    (["سفارش‌هایم", "سفارش هایم", "سفارشهایم"], "سفارشهایم"),
    (["کتاب‌ها", "کتاب ها", "کتابها", "كتاب ها"], "کتابها"),
    (["کفش‌های من", "کفش های من", "کفشهای من"], "کفشهای من"),
    (["چیزهایی", "چیز هایی", "چیز‌هایی"], "چیزهایی"),
    (["سفارش‌هایشان", "سفارش هایشان"], "سفارشهایشان"),
    (["بزرگ‌تر", "بزرگ تر", "بزرگتر"], "بزرگتر"),
    (["ارزان‌ترین", "ارزان ترین", "ارزانترین"], "ارزانترین"),
    (["خسته‌ام", "خسته ام", "خستهام"], "خستهام"),
    (["کجایی؟ خسته‌ای", "کجایی خسته ای"], "کجایی خستهای"),
    (["رسیده‌اید", "رسیده اید"], "رسیدهاید"),
    (["رفته‌اند", "رفته اند"], "رفتهاند"),
    (["آمده‌ایم", "آمده ایم"], "آمدهایم"),
    (["بزرگ‌تر‌ها", "بزرگ تر ها"], "بزرگترها"),  # suffixes chain
    (["۱۲۳", "١٢٣", "123", "１２３"], "123"),  # Persian, Arabic-Indic, ASCII, fullwidth
    (["کِتاب", "کتاب", "کتابٌ"], "کتاب"),  # harakat
    (["ســلام", "سلـــــام", "سلام"], "سلام"),  # tatweel
    (["قرآن", "قرا\u0653ن"], "قرآن"),  # alef + combining madda composes to آ
    (["مسئله", "مسیله"], "مسیله"),  # hamza on yeh
    (["مؤسسه", "موسسه"], "موسسه"),  # hamza on waw
    (["أحمد", "إحمد", "ٱحمد", "احمد"], "احمد"),  # hamza on / under alef, alef wasla
    (["خانۀ من", "خانه من", "خانه\u0654 من"], "خانه من"),  # ezafe: ۀ, or ه + hamza
    (["مدرسة", "مدرسه"], "مدرسه"),  # teh marbuta
    (["Order #42", "ORDER 42", "order, 42!"], "order 42"),
    (["Straße", "STRASSE"], "strasse"),  # casefold, not just lower()
    (["«سلام»، خوبی؟", "سلام خوبی", " سلام ؛ خوبی … "], "سلام خوبی"),
    (["سلام\t\n  دنیا", "سلام دنیا"], "سلام دنیا"),
    (["سل\u200bام", "سل\u2060ام", "\ufeffسلام", "سلا\u200fم"], "سلام"),  # invisibles
    ([f"invoice{RLO}fdp.exe", "invoicefdp exe"], "invoicefdp exe"),
]

NORMALIZE_EXAMPLES = [
    (spelling, canonical) for spellings, canonical in EQUIVALENT_SPELLINGS for spelling in spellings
]


@pytest.mark.parametrize(("text", "canonical"), NORMALIZE_EXAMPLES)
def test_normalize_folds_equivalent_spellings(text, canonical):
    assert normalize(text) == canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("میز", "میز"),  # starts with "می" but is not the prefix
        ("میوه ها", "میوهها"),
        ("می", "می"),  # nothing to join with
        ("سلام می", "سلام می"),
        ("ها", "ها"),  # no word before the suffix
        ("تهران", "تهران"),
        ("ترانه", "ترانه"),  # starts with "تر" but is a word of its own
        ("امروز", "امروز"),
        ("می 5", "می 5"),  # only Persian words are joined
        ("iphone ها", "iphone ها"),
        ("2 تر", "2 تر"),
        ("نیم‌فاصله", "نیمفاصله"),  # ZWNJ inside any word is dropped
    ],
)
def test_normalize_joins_only_standalone_affixes(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قیمت: ۱٬۲۵۰٬۰۰۰ تومان", "قیمت 1 250 000 تومان"),
        ("۵٪ تخفیف", "5 تخفیف"),
        ("a-b_c/d", "a b c d"),
        ("«»،؛؟…", ""),
        ("   ", ""),
        ("", ""),
    ],
)
def test_normalize_turns_punctuation_into_spaces(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("کیف", "کیک"),
        ("آب", "اب"),  # madda is part of the letter آ, not a removable mark
        ("جزء", "جز"),  # standalone hamza is a letter
        ("کتاب ها را", "کتابها هارا"),
        ("نمی دانم", "نه می دانم"),
    ],
)
def test_normalize_keeps_different_words_different(first, second):
    assert normalize(first) != normalize(second)


IDEMPOTENCE_EXAMPLES = [text for text, _ in NORMALIZE_EXAMPLES] + [
    "می می رود",
    "ها ها",
    "5 ها ها",
    "نمی",
    "e\u0640\u0301",  # removing tatweel lets the accent compose with the e
    "e\u200c\u0301",
    "ǰ",  # casefold decomposes, NFKC recomposes
    "㎒ ﷺ ﻻ",  # compatibility characters that expand into several letters
]


@pytest.mark.parametrize("text", IDEMPOTENCE_EXAMPLES)
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


def test_normalize_is_idempotent_for_every_bmp_character_in_context():
    failures = []
    for code_point in range(0x10000):
        char = chr(code_point)
        text = f"e{char}\u0301 ا{char}\u0654 می {char} ها {char}"
        once = normalize(text)
        if normalize(once) != once:
            failures.append(f"U+{code_point:04X}")
    assert failures == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("من مي‌خواهم سفارش‌هایم را ببینم.", ["من", "میخواهم", "سفارشهایم", "را", "ببینم"]),
        ("کد پیگیری: ۴۵۶۷", ["کد", "پیگیری", "4567"]),
        ("", []),
        (" ،؟ ", []),
    ],
)
def test_tokens(text, expected):
    assert tokens(text) == expected
