"""Persian words as the FAQ matcher compares them: matching words, their forms, their meaning.

Pure: no I/O. Built on ``core.text.normalize`` (letters, digits, half-spaces, diacritics,
tatweel, punctuation) and going further, for matching only:

* ``matching_words``: letters that sound alike are folded (ص/ث/س, ذ/ض/ظ/ز, ط/ت, ح/ه, غ/ق,
  آ/ا; ع as Finglish writes it), since Finglish cannot tell them apart and customers mix them
  up — except where folding would turn a content word into a function word («عمده» is not
  «آمده»); a letter held for emphasis is written once ("خیلییییی" → "خیلی"); symbols go.
* ``word_forms``: the forms a word may share with another spelling of it, each with what the
  steps cost: without the verb prefix (می/نمی/ب/ن), without endings (plural ها/های/ان/ات,
  possessive ـم/ـت/ـش/ـمان, person endings, "است"), colloquial made formal ("میرسه"→"میرسد",
  "دارین"→"دارید", "میخوام"→"میخواهم"), a verb reduced to its past stem ("بخرم"→"خرید",
  "برمیگرده"→"برگشت"), an Arabic broken plural to its singular ("اجناس"→"جنس"), and a word of
  general shop vocabulary to its meaning ("پست"≈"ارسال", "مجانی"≈"رایگان", "شیراز"≈"شهر").
* ``join_phrases``: a noun and a light verb that together mean one shop word ("پس بدم" is
  "مرجوع", "پول بدم" is "پرداخت").
* ``is_function_word``: pronouns, prepositions, question words, auxiliaries, greetings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from core.text import normalize
from flows.lexicon import data_pairs, frequency

__all__ = [
    "AFFIX_PENALTY", "SYNONYM_PENALTY", "fold_sound_alikes", "is_function_word", "is_number",
    "join_phrases", "matching_words", "word_forms",
]  # fmt: skip

# Each step from the word as written to a shared form costs this much of the match.
AFFIX_PENALTY = 0.1
SYNONYM_PENALTY = 0.1
# A stem shorter than this is too short to tell words apart ("بند" minus "د" would be "بن").
MIN_STEM_LENGTH = 3

# --- Matching words ------------------------------------------------------------------------

_SOUND_ALIKE_FOLDS = str.maketrans(
    {"ص": "س", "ث": "س", "ذ": "ز", "ض": "ز", "ظ": "ز", "ط": "ت", "ح": "ه", "غ": "ق", "ع": None,
     "آ": "ا", "ء": None}
)  # fmt: skip
# Finglish writes ع as the vowel it carries: on an alef at the start of a word ("avaz" for
# "عوض"), not at all inside it ("marjoo" for "مرجوع", "moaveze" for "معاوضه").
_INITIAL_AYN_RE = re.compile(r"(?<!\S)ع")
_APOSTROPHE_IN_WORD_RE = re.compile(r"(?<=[A-Za-z])['’`](?=[A-Za-z])")  # Finglish "ta'viz"
# A Finglish ending typed apart from its word: after a hyphen ("post-e", "size-esh") or, for the
# ezafe or "is", a lone "e" ("sim e", "chand e?"). It belongs to the word before it.
_DETACHED_LATIN_ENDING_RE = re.compile(
    r"(?<=[A-Za-z])(?:-(?=[A-Za-z]{1,5}\b)| (?=[eE]\b))"
)
_NOT_A_WORD_RE = re.compile(r"[\W_]+")
_DIGIT_LETTER_BOUNDARY_RE = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")
# No Persian or Finglish word has a letter three times in a row; customers hold a key for
# emphasis ("خیلیییی", "mersiiii"). Once is the spelling nearly always (a doubled letter,
# "ممنون", is kept when typed twice).
_HELD_LETTER_RE = re.compile(r"([^\W\d])\1{2,}")
# Colloquial plural-plus-possessive endings typed apart ("گارانتی هاتون"); core.text.normalize
# joins the formal ones ("ها", "هایتان") but not these.
_DETACHED_COLLOQUIAL_SUFFIX_RE = re.compile(
    r"(?<=[\u0620-\u064a\u067e-\u06cc]) (ها(?:تون|مون|شون|رو|تو|مو|شو|ش|م|ت))(?!\S)"
)
# The ezafe and "‌ای" typed as a separate letter after a final ه ("هزینه ی ارسال").
_DETACHED_EZAFE_RE = re.compile(r"(?<=ه) (ی|ای)(?!\S)")


def matching_words(text: str) -> list[str]:
    """The words of ``text`` as they are compared: normalized, sound-alike letters folded,
    held letters written once, symbols and emoji dropped, digits split from letters
    ("600تومن" → "600", "تومن")."""
    finglish_joined = _DETACHED_LATIN_ENDING_RE.sub("", _APOSTROPHE_IN_WORD_RE.sub("", text))
    canonical = _NOT_A_WORD_RE.sub(" ", normalize(finglish_joined))
    digits_apart = _DIGIT_LETTER_BOUNDARY_RE.sub(" ", canonical)
    letters_once = _HELD_LETTER_RE.sub(r"\1", digits_apart)
    suffixes_joined = _DETACHED_COLLOQUIAL_SUFFIX_RE.sub(r"\1", letters_once)
    ezafe_joined = _DETACHED_EZAFE_RE.sub(r"\1", suffixes_joined)
    return [_matching_word(word) for word in ezafe_joined.split()]


def fold_sound_alikes(text: str) -> str:
    return _INITIAL_AYN_RE.sub("ا", text).translate(_SOUND_ALIKE_FOLDS)


@lru_cache(maxsize=16384)
def _matching_word(word: str) -> str:
    """The word with sound-alike letters folded, unless folding turns a content word into a
    function word: whether a word is a function word is a fact about the word as written
    («عمده», wholesale, folds to «امده», which is «آمده», came). Such a word is kept as
    written, so it still matches itself and weighs as the content word it is."""
    folded = fold_sound_alikes(word)
    if (folded != word and is_function_word(word_forms(folded))
            and not _is_function_word_as_written(word)):
        return word
    return folded


def _without_madda(word: str) -> str:
    return word.replace("آ", "ا")


def _first_of_each(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for key, value in pairs:
        first.setdefault(key, value)
    return first


def _fold_all(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(fold_sound_alikes(word) for word in words)


# --- Endings and verbs ---------------------------------------------------------------------

_VERB_PREFIXES = ("نمی", "می")
# No "ت" ("your", rare towards a shop): "مهلت" would become "مهل", which is "محل" folded.
_ENDINGS = (
    "هایشان", "هایتان", "هایمان", "هایی", "های", "ها", "ترین", "تر",
    "شان", "تان", "مان", "شون", "تون", "مون", "ست", "اش", "ات", "ام", "ای", "ان",
    "ید", "ین", "ند", "یم", "ه", "ی", "م", "ش", "د", "ن", "و", "ا",
)  # fmt: skip
_ENDING_SET = frozenset(_ENDINGS)
_LONGEST_ENDING = max(map(len, _ENDINGS))
# Colloquial endings and their formal spelling: "میرسه"→"میرسد", "دارین"→"دارید",
# "میگن"→"میگند", "گوشیا"→"گوشیها", "کجاس"→"کجاست".
_COLLOQUIAL_ENDINGS = (("ه", "د"), ("ین", "ید"), ("ن", "ند"), ("ا", "ها"), ("س", "ست"))
# Common verbs whose colloquial present stem is shorter than the formal one, seen between a verb
# prefix and a personal ending: "بدم"→"بدهم", "میخوام"→"میخواهم", "میتونم"→"میتوانم",
# "میشه"→"میشوه" (and by its ending "میشود"), "بگم"→"بگویم", "برم"→"بروم", "میاد"→"میاید".
_FORMAL_VERB_STEMS = {
    "د": "ده", "خوا": "خواه", "تون": "توان", "ش": "شو", "گ": "گوی", "ر": "رو", "ا": "ای",
    "یا": "یای",
}  # fmt: skip
_PERSON_ENDINGS = "م|ی|ه|یم|ین|ید|ن|ند|د"
_COLLOQUIAL_VERB_RE = re.compile(
    rf"^(نمی|می|ب|ن)({'|'.join(_FORMAL_VERB_STEMS)})({_PERSON_ENDINGS})$"
)

# Present stems of common verbs (formal and colloquial) and the past stem they are reduced to,
# which is also how the verb's noun is usually written ("خرید", "ارسال" aside): "بخرم",
# "میخرید", "خریدم" all become "خرید". Light verbs (کرد, شد, داد) are function words.
_PAST_STEM_OF_PRESENT = {
    "رس": "رسید", "خر": "خرید", "فروش": "فروخت", "فرست": "فرستاد", "گیر": "گرفت",
    "ده": "داد", "کن": "کرد", "شو": "شد", "خواه": "خواست", "توان": "توانست",
    "گوی": "گفت", "بین": "دید", "ای": "امد", "یا": "امد", "گرد": "گشت",
    "گذار": "گذاشت", "دار": "داشت", "پرداز": "پرداخت", "ساز": "ساخت", "شناس": "شناخت",
    "پوش": "پوشید", "کش": "کشید", "رسان": "رساند", "گردان": "گرداند",
    "زن": "زد", "نویس": "نوشت", "خوان": "خواند", "دان": "دانست",
    "پذیر": "پذیرفت", "بند": "بست", "شکن": "شکست", "اور": "اورد", "پرس": "پرسید",
    "ریز": "ریخت", "گذر": "گذشت", "مان": "ماند", "چین": "چید", "پیچ": "پیچید",
}  # fmt: skip
# Colloquial present stems ("بدم", "بشه", "بگم", "برم", "میخوام", "میارم", "بذارم",
# "برسونم") from hazm's list of informal verbs.
_PAST_STEM_OF_PRESENT = _first_of_each(
    (fold_sound_alikes(normalize(present)), fold_sound_alikes(normalize(past)))
    for present, past in (*_PAST_STEM_OF_PRESENT.items(),
                          *data_pairs("informal_verbs.tsv").items(),
                          *data_pairs("verb_stems.tsv").items())
)  # folded, "ذار" (گذاشت) and "زار" (گزارد) are one stem: the first, more common, is kept
# Every other verb from hazm's list of verbs ("بخوریم" خورد, "بشینیم" نشست).
_PAST_STEMS = frozenset(_PAST_STEM_OF_PRESENT.values())
_PRESENT_STEMS = "|".join(sorted(_PAST_STEM_OF_PRESENT, key=len, reverse=True))
# Preverbs written on the verb ("برمیگرده", "برگشت", "بازگشت") stay on its past stem. A present
# stem needs a verb prefix to be told from a noun ("خرم", "نام").
# A verb may carry its object ("ببرمش", "میارینش"). Before a stem that starts with a vowel, ب
# and ن are written بی and نی ("بیارین": ب + ار).
_OBJECT_CLITICS = "ش|شون|شو|تون|مون"
_PRESENT_VERB_RE = re.compile(
    rf"^(بر|باز|در)?(نمی|می|بی(?=ا)|نی(?=ا)|ب|ن)({_PRESENT_STEMS})({_PERSON_ENDINGS})?"
    rf"(?:{_OBJECT_CLITICS})?$"
)
# After its noun a verb is expected, so the prefix may be missing ("برش گردونم").
_PRESENT_VERB_AFTER_NOUN_RE = re.compile(
    rf"^()(نمی|می|ب|ن)?({_PRESENT_STEMS})({_PERSON_ENDINGS})?$"
)
_PAST_VERB_RE = re.compile(
    rf"^(بر|باز|در)?(نمی|می|ن)?({'|'.join(sorted(_PAST_STEMS, key=len, reverse=True))})"
    r"(م|ی|یم|ید|ین|ند|ن|ه|ست)?$"
)
_PREFIXES_BEFORE_SHORT_STEMS = frozenset({"می", "نمی", "ب", "بی", "نی"})
# Verb analysis of shorter words mistakes too many nouns for verbs ("بد", "بر").
MIN_VERB_LENGTH = 3


def _past_stem(word: str, present_re: re.Pattern[str] = _PRESENT_VERB_RE) -> str | None:
    if len(word) < MIN_VERB_LENGTH:
        return None
    if present := present_re.match(word):
        preverb, prefix, stem, _ = present.groups()
        if len(stem) == 1 and prefix not in _PREFIXES_BEFORE_SHORT_STEMS:
            return None  # "نام" is no "نیام", "بر" no "برو"
        if stem.startswith("ا") and prefix in ("ب", "ن"):
            return None  # before a vowel they are written بی, نی ("بیارم"): "بار" is no verb
        return (preverb or "") + _PAST_STEM_OF_PRESENT[stem]
    if past := _PAST_VERB_RE.match(word):
        preverb, _, stem, _ = past.groups()
        return (preverb or "") + stem
    return None


# --- Meaning -------------------------------------------------------------------------------

# Words any shop's customers use for the same thing. Single words; a word may be in several
# groups ("عوض" is exchanging a product and changing an address). Words with an everyday second
# meaning are left out ("بسته" is also "closed", "پس" also "then", "وقت" is in greetings).
_SYNONYM_GROUPS = (
    ("ارسال", "پست", "فرستادن", "فرستاد", "فرست", "ارسالی", "پستی"),
    ("هزینه", "قیمت", "مبلغ", "خرج", "کرایه", "نرخ"),
    ("رایگان", "مجانی", "مفت"),
    ("مرجوع", "مرجوعی", "برگشت", "برگرداندن", "برگرداند", "برگردوندن", "برگردون", "عودت",
     "بازگشت", "بازگرداندن", "بازگرداند", "مرجوعی"),
    ("تعویض", "عوض"),
    ("تغییر", "عوض", "ویرایش", "اصلاح"),
    ("استفاده", "اعمال"),
    ("سفارش", "مرسوله"),
    ("زمان", "مدت"),
    ("آدرس", "نشانی", "لوکیشن"),
    ("فروشگاه", "مغازه", "شعبه", "شاپ"),
    ("تخفیف", "کوپن"),
    ("قسط", "قسطی", "اقساط", "اقساطی"),
    ("فاکتور", "صورتحساب"),
    ("گارانتی", "ضمانت"),
    ("لغو", "کنسل"),
    ("پیگیری", "رهگیری"),
    ("کالا", "محصول", "جنس", "جنسی", "وسیله", "وسایل", "لوازم"),
    ("تلفن", "شماره", "موبایل"),
    ("تماس", "زنگ"),
    ("پول", "وجه"),
    ("اصل", "اصلی", "اورجینال", "اوریجینال"),
    ("تقلبی", "فیک", "تقلب"),
    ("پاسخ", "جواب", "پاسخگو", "جوابگو", "پاسخگویی"),
    ("آسیب", "خراب", "خرابی", "شکسته", "معیوب", "ایراد"),
    ("هدیه", "کادو", "گیفت"),
    ("سایت", "وبسایت"),
    ("حساب", "اکانت"),
    ("ثبتنام", "عضویت"),
    ("خارج", "خارجه", "بینالمللی"),
    ("شهر", "شهرستان"),
)
# Arabic broken plurals in everyday shop Persian, and their singular.
_BROKEN_PLURALS = {
    "اجناس": "جنس", "اقلام": "قلم", "ساعات": "ساعت", "اوقات": "وقت", "شرایط": "شرط",
    "مشتریان": "مشتری", "اقساط": "قسط", "مراحل": "مرحله", "اطلاعات": "اطلاع",
}  # fmt: skip
# Places customers ask to ship to. Iranian provinces' centres and large cities mean "a city"
# ("ارسال به شیراز" is a question about cities), countries and cities abroad mean "abroad".
_IRANIAN_CITIES = """
    تهران مشهد اصفهان شیراز تبریز کرج اهواز قم کرمانشاه ارومیه رشت زاهدان کرمان همدان یزد
    اردبیل بندرعباس اراک زنجان سنندج قزوین خرم‌آباد گرگان ساری بجنورد بوشهر بیرجند ایلام
    شهرکرد یاسوج سمنان کیش قشم کاشان آمل بابل دزفول
"""
_PLACES_ABROAD = """
    آلمان ترکیه استانبول دبی امارات کانادا آمریکا انگلیس لندن فرانسه ایتالیا هلند سوئد
    اتریش استرالیا عراق افغانستان کابل هرات قطر عمان کویت ارمنستان گرجستان روسیه چین ژاپن
    اروپا سوئیس نروژ دانمارک بلژیک اسپانیا مالزی تایلند هند پاکستان آذربایجان باکو
"""


# What shops sell, which customers name instead of "کالا" ("لباسو پس بدم").
_GOODS = """
    لباس کفش کیف مانتو شلوار پیراهن تیشرت کاپشن دامن جوراب کلاه شال روسری
    گوشی لپتاپ تبلت هدفون کتاب عطر ادکلن کرم
"""


def _meaning_groups() -> dict[str, tuple[str, ...]]:
    groups = [*_SYNONYM_GROUPS, ("شهر", *_IRANIAN_CITIES.split()),
              ("خارج", *_PLACES_ABROAD.split()), ("کالا", *_GOODS.split())]
    keys: dict[str, list[str]] = {}
    for group in groups:
        key = f"~{fold_sound_alikes(normalize(group[0]))}"
        for word in _fold_all(normalize(word) for word in group):
            if key not in keys.setdefault(word, []):
                keys[word].append(key)
    return {word: tuple(word_keys) for word, word_keys in keys.items()}


_MEANINGS = _meaning_groups()
_SINGULAR_OF = {
    fold_sound_alikes(plural): fold_sound_alikes(singular)
    for plural, singular in _BROKEN_PLURALS.items()
}

# A noun and a light verb that together say one shop word. The verb is recognized by its past
# stem, so every person and tense counts ("پس بدم", "پسش میدم", "پس دادن"). The noun stays
# when it says something of its own ("پولمو نریختید": the money, deposited).
_PHRASES = {
    ("پس", "داد"): ("مرجوع",),
    ("پس", "فرستاد"): ("مرجوع",),
    ("بر", "گرداند"): ("مرجوع",),
    ("پول", "داد"): ("پرداخت",),
    ("پول", "ریخت"): ("پول", "واریز"),
    ("جواب", "داد"): ("پاسخ",),
    ("کادو", "کرد"): ("کادو",),
}
_PHRASES = {
    (fold_sound_alikes(noun), fold_sound_alikes(verb)): _fold_all(meaning)
    for (noun, verb), meaning in _PHRASES.items()
}
_PHRASE_NOUNS = frozenset(noun for noun, _ in _PHRASES)
# Object markers and clitics a customer puts on the noun ("پسش بدم", "برش گردونم").
_NOUN_CLITICS = ("شون", "مون", "تون", "شو", "مو", "تو", "ش", "م", "ت", "رو", "و")


def join_phrases(words: list[str], read: Callable[[str], str] = str) -> list[str]:
    """``words`` with each noun-and-light-verb phrase of ``_PHRASES`` made one word. ``read``
    gives the Persian a word is read as (Finglish spelled in Persian); words in no phrase are
    kept as given."""
    joined: list[str] = []
    position = 0
    while position < len(words):
        if position + 1 < len(words):
            noun = _phrase_noun(read(words[position]))
            verb = _past_stem(read(words[position + 1]), _PRESENT_VERB_AFTER_NOUN_RE)
            meaning = _PHRASES.get((noun, verb or ""))
            if noun and meaning:
                joined.extend(meaning)
                position += 2
                continue
        joined.append(words[position])
        position += 1
    return joined


def _phrase_noun(word: str) -> str | None:
    if word in _PHRASE_NOUNS:
        return word
    for clitic in _NOUN_CLITICS:
        if word.endswith(clitic) and word[: -len(clitic)] in _PHRASE_NOUNS:
            return word[: -len(clitic)]
    return None


# --- Forms ---------------------------------------------------------------------------------

# Persian function words, formal and colloquial: pronouns, prepositions, question words,
# auxiliary and light verbs, greetings and politeness. They say how something is asked, not
# what is asked about. Verbs of the most general meaning (come, see, go, say, know) are
# listed by their past stem, which every form of them has at one step ("بیام", "ببینم").
_FUNCTION_WORDS = """
    من تو او ما شما ایشان آنها اونا خودم خودت خودش خودتون خودتان
    این آن اون همین همان همون اینو اونو اینا اونجا اینجا
    به از با در توی برای واسه برا که و یا هم اگه اگر تا را رو روی ولی اما چون مگه یعنی
    چه چی چیه چیست چطور چطوری چطوریه چگونه چجوری چقدر چقد چند چن کی کیه کجا کجاست کدام کدوم
    چرا آیا چیکار نحوه امکان ممکن انجام لازم بدونم بدانم
    است هست هستش هستید هستین هستند هستن بود بودم باشه باشد شد شده شود میشه میشود نمیشه بشه
    کن کنم کنید کنین کنه کند کرد کردم کردن کنیم دارم داری دارد داره دارید دارین دارند دارن
    داشتم داشت داشت میخوام میخواهم میخواستم خواستم خواست میتونم میتوانم میتونید میتوانید
    توانست باید بدید بدین بدهید بده میدید میدین میدهید
    سلام درود لطفا ممنون ممنونم مرسی متشکرم ببخشید خسته نباشید بخیر عزیز
    یه یک هر دیگه دیگر خیلی الان فقط نه آره بله سوال بپرسم می ها نیست نیستن
    هنوز اصلا واقعا حتما همیشه قبلا بعدا تازه زود
    امد دید رفت گفت دانست
"""
_FUNCTION_WORD_SET = frozenset(_fold_all(_FUNCTION_WORDS.split()))
# The same words as written (a madda is often left out, "امد" for "آمد": not a sound-alike).
_WRITTEN_FUNCTION_WORD_SET = frozenset(
    _without_madda(normalize(word)) for word in _FUNCTION_WORDS.split()
)


def word_forms(word: str) -> dict[str, float]:
    """Forms of ``word`` that another spelling of it may share, with what each step cost."""
    forms = {word: 0.0}
    if verb := _COLLOQUIAL_VERB_RE.match(word):
        prefix, stem, ending = verb.groups()
        forms[prefix + _FORMAL_VERB_STEMS[stem] + ending] = AFFIX_PENALTY
    if past_stem := _past_stem(word):
        _keep_cheapest(forms, past_stem, AFFIX_PENALTY)
    for prefix in _VERB_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_STEM_LENGTH - 1:
            _keep_cheapest(forms, word[len(prefix) :], AFFIX_PENALTY)
            break
    for _ in range(2):  # up to two endings: "سفارشمو" is سفارش + م + و
        for form, cost in list(forms.items()):
            for shorter in _without_ending(form):
                _keep_cheapest(forms, shorter, cost + AFFIX_PENALTY)
    for form, cost in list(forms.items()):
        for written in _written_forms(form):
            _keep_cheapest(forms, written, cost + AFFIX_PENALTY)
    for form, cost in list(forms.items()):
        if form in _SINGULAR_OF:
            _keep_cheapest(forms, _SINGULAR_OF[form], cost + AFFIX_PENALTY)
    for form, cost in list(forms.items()):
        for meaning in _MEANINGS.get(form, ()):
            _keep_cheapest(forms, meaning, cost + SYNONYM_PENALTY)
    return forms


# Colloquial words and their written form ("خونه" خانه, "کدوم" کدام), from hazm's list.
_WRITTEN_OF_COLLOQUIAL = {
    fold_sound_alikes(normalize(colloquial)): fold_sound_alikes(normalize(written))
    for colloquial, written in data_pairs("informal_words.tsv").items()
}
# Colloquial speech rounds ا before ن and م to و ("خونه", "نشون", "تموم", "ارزون", "نیومد");
# the written form is the one written more often (the frequency list has both kinds: "همونجا"
# is written, "همانجا" more).
_ROUNDED_VOWELS = (("ون", "ان"), ("وم", "ام"))


def _written_forms(word: str) -> Iterable[str]:
    if word in _WRITTEN_OF_COLLOQUIAL:
        yield _WRITTEN_OF_COLLOQUIAL[word]
    for rounded, written in _ROUNDED_VOWELS:
        at = word.find(rounded, 1)
        while at >= 1:
            unrounded = word[:at] + written + word[at + len(rounded):]
            if frequency(unrounded) > frequency(word):
                yield unrounded
            at = word.find(rounded, at + 1)


def _without_ending(word: str) -> Iterable[str]:
    for length in range(1, min(_LONGEST_ENDING, len(word) - MIN_STEM_LENGTH) + 1):
        if word[-length:] in _ENDING_SET:
            yield word[:-length]
    for colloquial, formal in _COLLOQUIAL_ENDINGS:
        if word.endswith(colloquial) and len(word) - len(colloquial) >= MIN_STEM_LENGTH - 1:
            yield word[: -len(colloquial)] + formal


def _keep_cheapest(forms: dict[str, float], form: str, cost: float) -> None:
    if cost < forms.get(form, math.inf):
        forms[form] = cost


def is_function_word(forms: dict[str, float]) -> bool:
    """Whether a word, given its forms, is a function word as written or with one step."""
    return any(
        form in _FUNCTION_WORD_SET for form, cost in forms.items() if cost <= AFFIX_PENALTY
    )


def _is_function_word_as_written(word: str) -> bool:
    return any(
        form in _WRITTEN_FUNCTION_WORD_SET
        for form, cost in word_forms(_without_madda(word)).items() if cost <= AFFIX_PENALTY
    )


def is_number(word: str) -> bool:
    return word.isdigit()
