"""Recognising what a customer asks for, on normalized Persian (ي/ی, digits, ZWNJ…)."""

from __future__ import annotations

import re
from functools import lru_cache

from core.text import normalize, strip_invisible, to_latin_digits


@lru_cache(maxsize=64)
def _normalized(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalize(phrase) for phrase in phrases)


@lru_cache(maxsize=8)
def said(text: str) -> str:
    """The normalized message: one turn asks several questions of the same text, and a
    handful of entries is all that takes (customer text is not kept beyond them)."""
    return normalize(text)


def wants_a_person(text: str | None, phrases: tuple[str, ...]) -> bool:
    if not text:
        return False
    said_ = said(text)
    words = set(said_.split())
    return any(
        wanted in said_ if " " in wanted else wanted in words
        for wanted in _normalized(phrases)
    )


def is_command(text: str | None, command: str) -> bool:
    """"/start", "/start payload" and "/start@SomeBot" all count as /start."""
    if not text or not text.startswith("/"):
        return False
    head = text.split(maxsplit=1)[0]
    return head.split("@", 1)[0].lower() == f"/{command}"


def says_any(text: str | None, phrases: tuple[str, ...]) -> bool:
    """Whether the text holds one of the phrases as whole words, however it is spelled."""
    if not text:
        return False
    padded = f" {said(text)} "
    return any(f" {phrase} " in padded for phrase in _normalized(phrases) if phrase)


# Clear anger, insults and threats, in Persian and Finglish (normalized on use). Kept small on
# purpose: a word that is only sometimes angry ("بد", "دیر") would send calm customers away
# from the bot.
ANGER_PHRASES = (
    "احمق", "احمقا", "احمقید", "بیشعور", "بی شعور", "بیشعورا", "آشغال", "آشغالا", "کثافت",
    "لعنتی", "لعنت", "مسخره", "مسخره بازی", "افتضاح", "افتضاحه", "گمشو", "خفه شو",
    "کلاهبردار", "کلاهبردارا", "کلاهبرداری", "کلاهبردارید", "دزد", "دزدا", "دزدی", "دزدید",
    "دزدین", "شکایت میکنم",
    "ازتون شکایت", "ازتون شکایت میکنم", "پلیس فتا", "فتا", "آبروتونو میبرم", "پدرتونو درمیارم",
    "این چه وضعشه", "این چه وضعیه", "این چه وضعش", "این چه طرز", "واقعا که", "ناراضیم",
    "خیلی ناراضیم", "شکایت دارم", "اعتراض دارم", "بی احترامی", "بیاحترامی",
    "دیگه ازتون خرید نمیکنم", "دیگه خرید نمیکنم", "بدترین فروشگاه", "بدترین خرید",
    "in che vazeshe", "in che vaziye", "naraziam", "shekayat daram", "eteraz daram",
    "ahmagh", "ahmaq", "bishoor", "bishour", "ashghal", "kesafat", "kalahbardar",
    "kolahbardar", "kolahbardari", "dozd", "dozdi", "eftezah", "maskhare", "shekayat mikonam",
    "police fata", "fata", "scam", "scammer", "scammers", "fraud", "idiot", "idiots",
    "stupid", "useless", "sue you", "i will sue",
)  # fmt: skip

_SHOUTING_MIN_LETTERS = 8
_REPEATED_MARKS = re.compile(r"[!！]{3,}|[!?؟]{4,}")


def sounds_angry(text: str | None) -> bool:
    """Clear anger: an insult or threat, or shouting ("WHERE IS MY ORDER!!!")."""
    if not text:
        return False
    if says_any(text, ANGER_PHRASES):
        return True
    letters = [char for char in text if char.isascii() and char.isalpha()]
    shouting = len(letters) >= _SHOUTING_MIN_LETTERS and all(c.isupper() for c in letters)
    return shouting and bool(_REPEATED_MARKS.search(text)) or (
        shouting and len(letters) >= 3 * _SHOUTING_MIN_LETTERS)


_NUMBER_PICK = re.compile(r"\s*(\d{1,2})\s*[.)\-]?\s*")


def picked_number(text: str | None) -> int | None:
    """"2", "۲", "٢", "2.", " ۲ " → 2: a choice from a numbered menu; anything else → None."""
    if not text:
        return None
    match = _NUMBER_PICK.fullmatch(to_latin_digits(text))
    return int(match[1]) if match else None


_ORDER_NUMBER = re.compile(r"[#№]?\s*([A-Za-z]{0,4}-?\d[\dA-Za-z-]{2,31})")
_ORDER_WORDS = re.compile(r"^(?:شماره(?:\s*(?:سفارش|سفارشم))?|سفارش|order(?:\s*(?:no|number))?)"
                          r"\s*[:：]?\s*", re.IGNORECASE)


def order_number(text: str | None) -> str | None:
    """"#۱۲۳۴۵", "12345", "١٢٣٤٥", "شماره سفارش: 12345", "AB-1234" → the order id, else None."""
    if not text:
        return None
    said = _ORDER_WORDS.sub("", to_latin_digits(strip_invisible(text)).strip()).strip()
    match = _ORDER_NUMBER.fullmatch(said)
    return match[1].upper() if match else None


def hashed_order_number(text: str | None) -> str | None:
    """Only "#12345"-style messages: a customer who writes that means an order."""
    if not text or not text.strip().startswith(("#", "№")):
        return None
    return order_number(text)


# Scores in words, as customers answer "how was it?". Normalized on use.
SCORE_WORDS = {
    "عالی": 5, "خیلی خوب": 5, "عالی بود": 5, "ali": 5, "aali": 5, "excellent": 5, "great": 5,
    "خوب": 4, "خوب بود": 4, "khoob": 4, "khub": 4, "good": 4,
    "متوسط": 3, "معمولی": 3, "بد نبود": 3, "motevaset": 3, "mamooli": 3, "ok": 3, "okay": 3,
    "بد": 2, "بد بود": 2, "bad": 2,
    "خیلی بد": 1, "افتضاح": 1, "افتضاح بود": 1, "eftezah": 1, "terrible": 1, "awful": 1,
}  # fmt: skip
_SCORE_BY_NORMAL_FORM = {normalize(words): score for words, score in SCORE_WORDS.items()}
_STARS = re.compile(r"\s*(⭐️?|★)\s*")


def survey_score(text: str | None) -> int | None:
    """"۵", "5", "5/5", "عالی", "⭐⭐⭐" → 1..5, else None."""
    if not text:
        return None
    stars = _STARS.findall(text)
    if stars and not _STARS.sub("", text).strip():
        return len(stars) if len(stars) <= 5 else None
    said = normalize(text).removesuffix(" 5").replace(" از 5", "")
    if said.isdigit() and 1 <= int(said) <= 5:
        return int(said)
    return _SCORE_BY_NORMAL_FORM.get(said)


def chosen_language(text: str | None) -> str | None:
    """A customer who writes just "English" or "فارسی" wants that language."""
    if not text:
        return None
    return {"english": "en", "/english": "en", "انگلیسی": "en", "فارسی": "fa", "farsi": "fa",
            "persian": "fa", "پارسی": "fa"}.get(said(text))


# --- Small talk ----------------------------------------------------------------------------
# A message made only of these (with fillers such as "جان", "خیلی", emoji and punctuation) is
# small talk: the bot answers it briefly and it never reaches the FAQ. Written as people write
# them, formal, colloquial and Finglish; normalized on use, held letters written once.
GREETING = "greeting"
HOW_ARE_YOU = "how_are_you"
THANKS = "thanks"
BYE = "bye"
COMPLIMENT = "compliment"
LAUGHTER = "laughter"
OK = "ok"
BOT = "bot"  # "are you a bot?"

SMALL_TALK_PHRASES = {
    GREETING: (
        "سلام", "سلام علیکم", "سلامعلیکم", "علیک سلام", "درود", "درود بر شما", "های", "هلو",
        "وقت بخیر", "وقتتون بخیر", "وقتت بخیر", "وقت شما بخیر", "روز بخیر", "روزتون بخیر",
        "صبح بخیر", "صبحتون بخیر", "ظهر بخیر", "عصر بخیر", "عصرتون بخیر", "شب بخیر",
        "شبتون بخیر", "وقتتونبخیر", "صبح شما بخیر", "عرض ادب", "با عرض سلام", "خسته نباشید",
        "خسته نباشین", "خدا قوت", "خداقوت", "الو", "سلام عرض شد", "سلام عرض میکنم",
        "salam", "slm", "salaam", "alo", "dorood", "dorud", "vaght bekheir", "vaght bekheyr",
        "vakht bekheir", "vaghtetoon bekheir", "sobh bekheir", "shab bekheir", "khaste nabashid",
        "khaste nabashin", "hi", "hello", "hey", "hii", "good morning", "good evening",
        "عرض ادب و احترام", "ارادت", "عرض ارادت", "با سلام", "با سلام و احترام",
        "با سلام و عرض ادب", "سلم", "سلا م",
    ),
    HOW_ARE_YOU: (
        "خوبی", "خوبید", "خوبین", "خوب هستید", "خوبید شما", "چطوری", "چطورید", "چطورین",
        "حالت چطوره", "حالتون چطوره", "حال شما چطوره", "حالتون خوبه", "احوال شما", "احوالتون",
        "چه خبر", "چخبر", "چه خبرا", "در چه حالی", "کجایی",
        "khubi", "khoobi", "khubin", "khoobin", "khubid", "khoobid", "chetori", "chetorin",
        "halet chetore", "haletoon chetore", "che khabar", "chekhabar", "how are you",
        "how r u", "whats up", "what's up", "حال شما خوبه", "حالت خوبه", "خوش میگذره",
        "hale shoma chetore", "hale shoma khube", "halet khube", "haletoon khube",
        "che khabara", "khosh migzare",
    ),
    THANKS: (
        "مرسی", "ممنون", "ممنونم", "ممنونیم", "متشکرم", "متشکر", "مچکرم", "مچکر", "تشکر",
        "سپاس", "سپاسگزارم", "سپاس گزارم", "ممنون از شما", "ممنون از لطفتون", "لطف کردید",
        "لطف کردین", "لطف کردی", "لطف دارید", "دستت درد نکنه", "دستتون درد نکنه",
        "دست شما درد نکنه", "قربونت", "قربانت", "قربان شما", "قربون شما", "قربونتون", "فدات",
        "فداتون", "مرسی بابت", "سپاس از شما", "ممنون بابت راهنمایی", "مرسی از راهنماییتون",
        "مرسی از راهنمایی", "با تشکر", "با سپاس", "خدا خیرتون بده", "خدا خیرت بده",
        "خیلی لطف کردید", "سپاس فراوان", "تشکر فراوان", "ممنون از وقتی که گذاشتید",
        "lotf kardin", "lotf kardid", "merc", "mc", "sepasgozaram", "tashakor", "ba tashakor",
        "khoda kheiretoon bede",
        "mersi", "merci", "mrc", "mamnoon", "mamnun", "mamnoonam", "mamnunam", "motshakeram",
        "moteshakeram", "sepas", "dastet dard nakone", "dastetoon dard nakone", "ghorbanet",
        "thanks", "thank you", "thx", "tnx", "ty", "thank u", "thanks a lot",
        "مرصی", "قربونت برم", "قربون دستت", "کمک کردین", "کمک کردید", "کمک کردی",
        "از لطف شما", "lotf krdin", "lotf krdid", "komak kardin", "komak kardid",
    ),
    BYE: (
        "خداحافظ", "خدافظ", "خداحافظی", "خدانگهدار", "خدا نگهدار", "بای", "بای بای", "فعلا",
        "شب خوش", "روز خوش", "روزتون خوش", "بدرود", "فعلا خداحافظ", "تا بعد",
        "khodafez", "khodahafez", "khodahafes", "bye", "bye bye", "bb", "felan", "see you",
        "goodbye", "ruzetun khosh", "rozeton khosh", "shab khosh", "khodanegahdar",
        "روز خوبی داشته باشید", "روز خوبی داشته باشین", "روزخوبی داشته باشید", "ruzet khosh",
    ),
    COMPLIMENT: (
        "عالی", "عالیه", "عالی بود", "خیلی خوب", "خوبه", "خوب بود", "دمتون گرم", "دمت گرم",
        "ایول", "ایولا", "آفرین", "احسنت", "بهترینید", "بهترین", "کارتون درسته", "کارتون عالیه",
        "گل کاشتید", "نایس", "محشر", "محشره", "چه خوب", "چقدر خوب", "خیلی هم خوب", "گلی",
        "گلید", "عزیزی", "ماهید", "ماهی", "باحالی", "باحالین", "باحالید",
        "aali", "ali", "ali bood", "damet garm", "dametoon garm", "eyval", "afarin", "mahshar",
        "great", "awesome", "nice", "perfect", "good job", "cool", "amazing", "excellent",
    ),
    OK: (
        "اوکی", "اکی", "اوکیه", "باشه", "باشد", "حله", "حل شد", "فهمیدم", "متوجه شدم",
        "متوجه شدم", "گرفتم", "آها", "آهان", "اها", "اهان", "بله", "آره", "اره", "چشم", "حتما",
        "اوکی شد", "درسته", "درست شد", "مشکلی نیست", "اشکال نداره", "نه ممنون", "نه مرسی",
        "خوبم", "منم خوبم", "khubam", "khoobam",
        "ok", "okay", "okey", "oki", "k", "kk", "bashe", "baashe", "hale", "fahmidam",
        "motevajeh shodam", "are", "bale", "cheshm", "got it", "alright", "fine",
    ),
}  # fmt: skip
# Words that only soften or address: allowed around small talk without making it a question.
_SMALL_TALK_FILLERS = frozenset("""
    جان جون عزیز عزیزم عزیزان خیلی خیلیم واقعا هم شما شماها تو ازتون ازت از و دوست دوستان همگی
    بچه ها بچهها ادمین ادمینجان همه همچنین زیاد بسیار یه دنیا یک بازم باز دوباره بابت اینکه
    ممنونم جناب خانم آقا اقا سرکار
    راهنمایی راهنماییتون راهنماییت راهنماییها لطفتون لطفت پاسخ پاسخگویی پاسخگوییتون جوابتون
    زحمت زحماتتون زحمتاتون توضیحات توضیحاتتون همراهی همراهیتون فراوان احترام داداش آبجی
    رفیق خانوم
    jan joon jun aziz azizam kheili khyli kheyli kili kheily kheili ham shoma azatoon az va
    admin so very much lot a you too again all dear for your help rahnamayi rahnamaei lotfetoon
    agha aqa khanom dadash abji rafigh dada ziad rahnamaeetoon rahnamayitoon rahnamaeitoon
""".split())
_SMALL_TALK_EMOJI = {
    "😂": LAUGHTER, "🤣": LAUGHTER, "😅": LAUGHTER, "😆": LAUGHTER, "😁": LAUGHTER,
    "🙏": THANKS, "🌹": THANKS, "💐": THANKS, "❤": COMPLIMENT, "❤️": COMPLIMENT,
    "😍": COMPLIMENT, "👏": COMPLIMENT, "👍": OK, "👌": OK, "🙂": OK, "😊": OK, "👋": GREETING,
}  # fmt: skip
# Which answer a message with several kinds of small talk gets ("سلام، ممنون، خداحافظ" is bye).
_SMALL_TALK_ORDER = (BOT, BYE, THANKS, HOW_ARE_YOU, GREETING, COMPLIMENT, LAUGHTER, OK)
_LAUGHTER_RE = re.compile(r"(?:خ{2,}|ه{3,}|(?:ha){2,}h?|(?:he){2,}|(?:kh){3,}|lo+l|lmao)")
_HELD_RE = re.compile(r"([^\W\d])\1{2,}")


def _held_once(text: str) -> str:
    """"سلاااام", "mersiiii" → "سلام", "mersi" (laughter is read before this)."""
    return _HELD_RE.sub(r"\1", text)


_REPEATED_RE = re.compile(r"([^\W\d])\1+")
# Finglish writes one sound in several ways ("khoobi", "khubi", "xubi"; "salaam", "salam");
# small-talk words are compared with one spelling of each.
_FINGLISH_SOUNDS = (("x", "kh"), ("q", "gh"), ("aa", "a"), ("ee", "i"),
                    ("oo", "u"), ("ou", "u"))


def _finglish_sounds(word: str) -> str:
    if not word.isascii():
        return word
    for spelled, sound in _FINGLISH_SOUNDS:
        word = word.replace(spelled, sound)
    return word


def _small_talk_key(word: str) -> str:
    """One spelling of a small-talk word: each letter once ("مرسیی", "ممنون" → "مرسی",
    "منون"), Finglish sounds spelled one way ("xubi", "khoobi" → "khubi" → "khobi")."""
    word = _finglish_sounds(word)
    if word.isascii():
        word = word.replace("u", "o")
    return _REPEATED_RE.sub(r"\1", word)


def _phrase_table(phrases_by_kind: dict[str, tuple[str, ...]]
                  ) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """First word → (phrase words, kind), longest phrases first."""
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for kind, phrases in phrases_by_kind.items():
        for phrase in phrases:
            words = tuple(_small_talk_key(word) for word in normalize(phrase).split())
            table.setdefault(words[0], []).append((words, kind))
    for entries in table.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return table


_SMALL_TALK_TABLE = _phrase_table(SMALL_TALK_PHRASES)
_FILLER_FORMS = frozenset(_small_talk_key(normalize(word)) for word in _SMALL_TALK_FILLERS)
# "ربات هستی؟", "are you a bot?": asked of the bot, in a short message.
_BOT_QUESTION_RE = re.compile(
    r"(?<!\S)(?:ربات|روبات|بات|robot|bot)(?:ی|ه)?\s?(?:هستی|هستید|هستین|هستش|ای|e|i|hasti|"
    r"hastid|hastin|hasty)(?!\S)|(?<!\S)(?:ربات|روبات)(?:ی|ید|ین)(?!\S)|"
    r"(?:are\syou|r\su)\s(?:a\s)?(?:bot|robot|human|real)"
)
_BOT_QUESTION_WORDS = 8
# Chatter that asks nothing of the shop: the bot's name, a joke, whether it is a person or a
# machine, boredom, the weather, a holiday's wishes. Answered like "are you a bot?" (what the
# bot is, and a person on offer) in a short message; never FAQ choices.
_CHATTER_RE = re.compile(
    r"(?<!\S)(?:(?:یه|یک)\s)?جوک\s?(?:بگو|بگین|بگید|بلدی|بلدین)|joke\s?(?:bego|begin|begid)|"
    r"tell\sme\sa\sjoke|(?<!\S)اسمت(?:ون)?\s?(?:چیه|چیست)|esmet\s?chie|"
    r"what(?:'s|\sis)\syour\sname|"
    r"(?<!\S)(?:آدمی|ادمی|انسانی|(?:آدم|ادم|انسان)\s(?:هستی|هستید|هستین))\s(?:یا|و\sیا)\s"
    r"(?:ربات|روبات|ماشین|بات)|(?:adami|ensani|(?:adam|ensan)\s(?:hasti|hastid|hastin))\s"
    r"ya\s(?:robot|bot|mashin)|"
    r"(?<!\S)حوصل(?:م|ه\s?ام|مون)\s?سر\s?رفته|hoselam\s?sar\s?rafte|"
    r"(?<!\S)هوا(?:ی)?(?:\s\S+){0,2}\s(?:امروز\s|الان\s|اونجا\s)?(?:چطوره|چطوریه)|"
    r"hava(?:ye)?(?:\s\S+){0,2}\s(?:emruz\s|alan\s)?chetore"
)
# "عید شما مبارک", "عید نوروز بر شما و همکاران گرامی مبارک باد": wishes, not a question.
_WISHES_RE = re.compile(
    r"(?<!\S)(?:عید|عیدتون|عیدت|نوروز|سال\sنو|یلدا|eid|eyd|eydetun|norooz|nowruz)(?!\S)"
    r"(?:\s\S+){0,6}\s(?:مبارک|mobarak)(?:\sباد|\sباشه)?[\s!.🌹💐🌸]*$"
)
_CHATTER_WORDS = 10


def small_talk(text: str | None) -> str | None:
    """The kind of small talk when the whole message is small talk ("سلام خوبید؟",
    "مرسی عالی بود 🙏", "khodafez"), else None: a greeting before a question is a question."""
    if not text:
        return None
    said_ = said(text)
    words = said_.split()
    if len(words) <= _BOT_QUESTION_WORDS and _BOT_QUESTION_RE.search(said_):
        return BOT
    if len(words) <= _CHATTER_WORDS and _CHATTER_RE.search(said_):
        return BOT
    if len(words) <= _CHATTER_WORDS and _WISHES_RE.search(said_):
        return GREETING
    kinds: set[str] = set()
    position = 0
    while position < len(words):
        word = words[position]
        if _LAUGHTER_RE.fullmatch(word):
            kinds.add(LAUGHTER)
            position += 1
            continue
        if not any(char.isalnum() for char in word):  # emoji
            kinds.update(_SMALL_TALK_EMOJI[char] for char in word if char in _SMALL_TALK_EMOJI)
            position += 1
            continue
        held_once = [_small_talk_key(later) for later in words[position:]]
        phrase = next((entry for entry in _SMALL_TALK_TABLE.get(held_once[0], ())
                       if tuple(held_once[: len(entry[0])]) == entry[0]), None)
        if phrase is not None:
            kinds.add(phrase[1])
            position += len(phrase[0])
        elif held_once[0] in _FILLER_FORMS:
            position += 1
        else:
            return None
    return next((kind for kind in _SMALL_TALK_ORDER if kind in kinds), None)


# --- A person ------------------------------------------------------------------------------
# Beyond the owner's handoff phrases: how customers ask for a person, formal, colloquial and
# Finglish. Normalized on use; each is a whole-word phrase (a word may carry a clitic: see
# _PERSON_NOUNS).
PERSON_PHRASES = (
    "آدم واقعی", "ادم واقعی", "انسان واقعی", "یه آدم", "یک آدم", "یه انسان", "یک انسان",
    "آدمیزاد", "نیروی انسانی", "مسئول پشتیبانی", "واحد پشتیبانی", "بخش پشتیبانی",
    "تیم پشتیبانی", "کارشناس فروش", "یه همکار", "همکارتون", "همکاراتون", "همکاران شما",
    "ربات نمیخوام", "با ربات نه", "نمیخوام با ربات", "نمیخوام با بات", "ربات نباشه",
    "کسی نیست جواب بده", "یکی جواب بده", "یه نفر جواب بده",
    "یکی جواب بدید", "یه نفر جواب بدید", "کسی جواب نمیده", "کسی جواب بده", "چرا کسی جواب نمیده",
    "پاسخگو نیستید", "جواب نمیدید", "جواب نمیدین",
    "adam vaghei", "adam vaghe'i", "adame vaghei", "ensan vaghei", "ye adam", "ye ensan",
    "yeki javab bede", "kasi javab nemide", "robot nemikham", "bot nemikham",
    "real person", "real human", "a human", "live agent", "live chat", "customer service",
    "support team", "not a bot", "not a robot",
)  # fmt: skip
# Nouns that name a person of the shop wherever they stand, with or without a clitic (not
# with ـی: "پشتیبانی" is also a topic, "کارشناسی" a degree).
_PERSON_NOUNS = re.compile(
    r"(?<!\S)(?:اپراتور|اوپراتور|اپرتور|پشتیبان|انسان|operator|operatoor|oprator|"
    r"operater|opperator|ensan|poshtiban|human|agent)"
    r"(?:ها|های|هاتون|تون|مون|ا|e|etoon|etun|aton|s)?(?!\S)"
)
# "… با یکی / با شما / با مدیر … حرف بزنم / صحبت کنم": talking with someone ("با کی صحبت
# کنم؟" asks whom to talk to: a question for the FAQ).
_TALK_WITH = re.compile(
    r"(?<!\S)(?:با|ba|with|to)\s(?!(?:کی|چه\sکسی|کدوم|کدام|ki|che\skasi|who|whom)\s)"
    r"(?:\S+\s){0,5}?"
    r"(?:حرف\s?(?:ب?زنم|ب?زنیم|بزنه|زدن|بزنید|بزنین)|صحبت\s?(?:ب?کنم|ب?کنیم|کردن|بکنید|کنید)|"
    r"گفتگو\s?(?:ب?کنم|کردن)|چت\s?(?:ب?کنم|کردن)|"
    r"harf\s?b?e?zan(?:am|im)|harf\s?zadan|sohbat\s?(?:b?o?kon(?:am|im)|kardan)|"
    r"chat\s?(?:konam|kardan)|talk|speak|chat)(?!\S)"
)
_CONNECT_OR_CALL = re.compile(
    r"(?<!\S)(?:وصلم\s?کن(?:ید|ین)?|وصل\s?کن(?:ید|ین)\s?به|به\s(?:\S+\s){1,3}?وصل\s?کن(?:ید|ین)?|وصل\s?بشم|وصل\s?شم|"
    r"باهام\s?تماس|بهم\s?زنگ|با\s?(?:من|بنده)\s(?:\S+\s)?تماس|به\s?(?:من|بنده)\s?زنگ|منو\s?وصل|"
    r"متصل\s?(?:کنید|کن|کنین|نمایید|بشم|شوم)|ارجاع\s?(?:بدید|دهید|بدین|بده|کنید|نمایید)|"
    r"vaslam\s?kon(?:id|in)?|vasl\s?kon(?:id|in)|baham\s?tamas|behem\s?zang|"
    r"motasel\s?kon(?:id|in)|erja\s?bed(?:id|in)|"
    r"call\s?me|connect\s?me|transfer\s?me)(?!\S)"
)
# "تماس بگیرید", "کسی هست؟" make a request on their own; inside a longer message they are
# often about something else ("نکنه زنگ بزنید بگید …", "ساعت ۱ شب کسی هست؟").
_SHORT_REQUEST = re.compile(
    r"(?<!\S)(?:تماس\s?بگیر(?:ید|ین)?|زنگ\s?بزن(?:ید|ین)?|(?:کسی|یکی)\s(?:اونجا\s)?هست|"
    r"tamas\s?begir(?:id|in)?|zang\s?b?e?zan(?:id|in)?|(?:kasi|yeki)\shast|anyone\sthere)(?!\S)"
)
_SHORT_REQUEST_WORDS = 5
# "با مدیرتون کار دارم", "مسئول فروش رو میخوام": someone of the shop by their role, wanted.
# Matched against the normalized text, Finglish sounds spelled one way: «مسئول» reads «مسیول»,
# "masool" reads "masul".
_ROLES = (r"(?:مدیر|مسیول|مسوول|کارشناس|اپراتور|پشتیبان|فروشنده|modir|masul|karshenas|"
          r"operator|poshtiban)\S*")
_ROLE_WANTED = re.compile(
    rf"(?<!\S)(?:با|ba)\s(?:\S+\s){{0,2}}?{_ROLES}\s(?:\S+\s){{0,2}}?"
    r"(?:کار\s?دارم|کار\s?داشتم|kar\s?daram|kar\s?dashtam)(?!\S)|"
    rf"(?<!\S){_ROLES}\s(?:\S+\s){{0,2}}?(?:رو|را|ro)\s(?:میخوام|میخواهم|میخواستم|mikham)(?!\S)"
)
# "میشه زنگ بزنین؟", "یکی تلفنی باهام صحبت کنه": a call or a talk asked for, at any length.
_CALL_ME = re.compile(
    r"(?<!\S)(?:میشه|میشود|لطفا|mishe|lotfan)\s(?:\S+\s)?(?:زنگ\s?بزنین|زنگ\s?بزنید|"
    r"تماس\s?بگیرین|تماس\s?بگیرید|zang\s?bezanin|zang\s?bezanid|tamas\s?begirin|"
    r"tamas\s?begirid)(?!\S)|"
    r"(?<!\S)(?:یکی|یه\sنفر|یک\sنفر|کسی|yeki|ye\snafar)\s(?:\S+\s){0,2}?(?:باهام|با\sمن|baham|"
    r"ba\sman)\s(?:\S+\s)?(?:صحبت\s?کنه|حرف\s?بزنه|تماس\s?بگیره|sohbat\s?kone|harf\s?bezane)"
    r"(?!\S)"
)
# A complaint that asks the shop to deal with it ("همین الان رسیدگی کنید", "خواستار رسیدگی
# فوری هستم"): a person's job, not an FAQ answer.
_DEAL_WITH_IT = re.compile(
    r"(?<!\S)(?:رسیدگی\s?(?:کنین|کنید|کنه|کن|بشه|شود|نمایید|فرمایید)|خواستار\sرسیدگی|"
    r"residegi\s?(?:konin|konid|kone|beshe))(?!\S)"
)
# "یه کارشناس بیاد جواب بده", "یکی از همکاران تماس بگیرند": someone of the shop, and what
# they should do.
_ANSWER_OR_CALL = (r"جواب\s?بده|جواب\s?بدن|جواب\s?بدهد|تماس\s?بگیر(?:ه|د|ند|ن)|"
                   r"زنگ\s?بزن(?:ه|د|ند|ن)|javab\s?bede|tamas\s?begire|zang\s?bezane")
_SOMEONE_SHOULD = re.compile(
    r"(?<!\S)(?:کارشناس|همکار|پشتیبانی|karshenas|hamkar|poshtibani)\S*\s(?:\S+\s){0,3}?"
    rf"(?:بیاد|بیان|بیاید|biad|biyad|{_ANSWER_OR_CALL})(?!\S)|"
    r"(?<!\S)(?:یکی|یه\sنفر|یک\sنفر|yeki|ye\snafar)\s(?:\S+\s){0,3}?"
    rf"(?:{_ANSWER_OR_CALL})(?!\S)"
)
# "Support" or "an expert" alone, or with only a "please", is a request for one; beside other
# words it is a topic ("ساعت کاری پشتیبانی", "مشاوره با کارشناس پوست").
_SUPPORT_WORDS = frozenset({"پشتیبانی", "poshtibani", "poshtibany", "support", "ساپورت",
                            "کارشناس", "کارشناستون", "karshenas", "karshenasetun"})
_REQUEST_WORDS = frozenset(normalize(word) for word in """
    لطفا لطفاً میخوام میخواستم میخواهم با به وصل کنید اقا آقا خانم
    lotfan please pls plz mikham i want need to with the
""".split())


def asks_for_a_person(text: str | None, owner_phrases: tuple[str, ...] = ()) -> bool:
    """Whether the customer asks for a person of the shop: the owner's phrases, or the ways
    people ask for one ("اپراتور", "میخوام با یکی حرف بزنم", "تماس بگیرید", "ye adam vaghei")."""
    if not text:
        return False
    if wants_a_person(text, owner_phrases) or says_any(text, PERSON_PHRASES):
        return True
    said_ = _one_spelling(_held_once(said(text)))
    if (_PERSON_NOUNS.search(said_) or _TALK_WITH.search(said_)
            or _CONNECT_OR_CALL.search(said_) or _SOMEONE_SHOULD.search(said_)
            or _ROLE_WANTED.search(said_) or _CALL_ME.search(said_)
            or _DEAL_WITH_IT.search(said_)):
        return True
    words = said_.split()
    if len(words) <= _SHORT_REQUEST_WORDS and _SHORT_REQUEST.search(said_):
        return True
    return bool(set(words) & _SUPPORT_WORDS) and set(words) <= _SUPPORT_WORDS | _REQUEST_WORDS


# --- Orders --------------------------------------------------------------------------------
# Words that make a number in the message an order number ("سفارش ۴۵۶۷۸ کجاست؟").
_ORDER_WORDS_RE = re.compile(
    r"(?<!\S)(?:سفارش|پیگیری|رهگیری|مرسوله|بسته|فاکتور|خرید|رزرو|درخواست|order|track|sefaresh|"
    r"sefarsh|sfaresh|sfrsh|peygiri|peigiri|paygiri|rahgiri|marsoole|kharid|factor|faktor|"
    r"rezerv|reserv|booking)", re.IGNORECASE
)
# The status of an order, asked without a number: the lookup asks for the number.
_ORDER_NOUN_RE = re.compile(
    r"(?<!\S)(?:سفارش|مرسوله|بسته|رزرو(?:م|مو|مون|تون)?(?!\S)|order|sefaresh|sefarsh|sfaresh|"
    r"sfrsh|marsule|rezerv(?:am)?(?!\S)|bast(?:e|am|amo))",
    re.IGNORECASE,
)
_ORDER_STATUS_RE = re.compile(
    r"(?<!\S)(?:وضعیت|رهگیری|کجاست|کجاس|کجا\sهست|چیشد|چی\sشد|چه\sشد|چی\sشده|"
    r"هنوز\s(?:به\sدستم\s)?(?:نرسیده|نرسید|نیومده|نیامده|ارسال\sنشده)|چه\sمرحل|"
    r"(?:ارسال|پست|فرستاده)\s?(?:شده|شد|کردین|کردید|کردن)\s?یا\sنه|"
    r"(?:ersal|post|ferestade)\s?(?:shode|shod|kardin|kardid|kardan)\s?ya\sna|"
    r"che\smarhale|"
    r"vaziat|vaziyat|rahgiri|kojast|kojas|chi\sshod|chishod|"
    r"hanu?o?z\s(?:naresid|naresideh|nayoomade|nayumade)|status|tracking|where\sis|"
    r"خبری\s?(?:نشد|نشده|نیست)|تایید\s?(?:شد|شده)(?:\sیا\sنه)?(?:\s|$)|"
    r"(?:فرستادین|فرستادید|فرستادی|ارسال\sکردین|ارسال\sکردید)\s?یا\sنه|به\sکجا\sرسید|"
    r"khabari\s?(?:nashod|nashode|nist)|ersal\s?shod|ferestadin\s?ya\sna)",
    re.IGNORECASE,
)
# The customer placed it already ("سفارش دادم", "خریدم", "پولشو ریختم"): "when does it come?"
# is then about that order, not about delivery times in general.
_ALREADY_PLACED_RE = re.compile(
    r"(?<!\S)(?:(?:سفارش|خرید|رزرو|ثبت)\s?(?:دادم|داده\sبودم|کردم|کرده\sبودم|کردیم)|خریدم|"
    r"خریده\sبودم|خریدیم|(?:پول|پولش|پولشو|پولشم|مبلغ|مبلغش|مبلغشو)\s(?:\S+\s){0,2}?"
    r"(?:ریختم|دادم|واریز\sکردم|پرداخت\sکردم|زدم)|sefaresh\s?dadam|kharidam|"
    r"pul\s?(?:dadam|rikhtam)|pol\s?(?:dadam|rikhtam))(?!\S)",
    re.IGNORECASE,
)
_PLACED_ORDER_STATUS_RE = re.compile(
    r"(?<!\S)(?:کی\s?(?:میرسه|میفرستین|میفرستید|ارسال\sمیشه|میرسد)|منتظرم|"
    r"ki\s?mirese)(?!\S)",
    re.IGNORECASE,
)
# A number that is an amount, a size or a time, not an order: followed by its unit.
_UNIT_AFTER = re.compile(
    r"\s*(?:تومان|تومن|ریال|هزار|میلیون|تومانی|تومنی|درصد|گرم|کیلو|سانت|متر|میل|روز|ساعت|"
    r"دقیقه|ماه|سال|عدد|تا|بار|جلسه|نفر|toman|tomen|tomn|rial|hezar|million|percent|%|"
    r"gr|kg|days?|hours?|ta)(?!\w)", re.IGNORECASE
)
# A number may be typed against a Persian word ("سفارش۶۱۲۰۹"), not inside a Latin code or a
# date, amount or link.
_NUMBER_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z./:,٫])([#№]\s*)?((?:[A-Za-z]{1,4}-?)?\d{3,20})(?![0-9A-Za-z./:,٫])"
)
MIN_ORDER_DIGITS = 4  # fewer is a quantity ("۳ تا"), unless written "#123"
_PHONE_RE = re.compile(r"(?:\+?98|0)?9\d{9}")


def order_number_in(text: str | None) -> str | None:
    """An order number anywhere in the message ("سفارش #۴۵۶۷۸ کجاست؟", "order 45678 status"):
    "#" and digits, or at least four digits that are not a phone number or an amount."""
    if not text:
        return None
    plain = to_latin_digits(strip_invisible(text))
    for match in _NUMBER_IN_TEXT.finditer(plain):
        hashed, number = match[1], match[2]
        digits = sum(char.isdigit() for char in number)
        if _PHONE_RE.fullmatch(number) or _UNIT_AFTER.match(plain, match.end()):
            continue
        if hashed or digits >= MIN_ORDER_DIGITS:
            return number.upper()
    return None


def _one_spelling(said_: str) -> str:
    """Finglish sounds spelled one way ("sefaaresh", "kojaast" → "sefaresh", "kojast")."""
    return " ".join(_finglish_sounds(word) for word in said_.split())


def tracked_order_number(text: str | None) -> str | None:
    """The order number of a message about an order: "#12345" alone, or a number beside an
    order or tracking word ("وضعیت سفارش ۴۵۶۷۸", "peygiri 45678")."""
    hashed = hashed_order_number(text)
    if hashed is not None:
        return hashed
    if not text or not _ORDER_WORDS_RE.search(_one_spelling(said(text))):
        return None
    return order_number_in(text)


# "Following up" is about an order right beside it ("پیگیری سفارشم"); elsewhere it is a
# question about a process ("روند پیگیری مرجوعی چیست؟").
_FOLLOW_UP_AN_ORDER_RE = re.compile(
    r"(?<!\S)(?:پیگیری|peygiri|peigiri|paygiri)\S*\s(?:\S+\s)?(?:سفارش|بسته|مرسوله|order|"
    r"sefaresh|sefarsh|baste|bastam)|(?<!\S)(?:سفارش|بسته|مرسوله|order|sefaresh|sefarsh|baste|"
    r"bastam)\S*\s(?:\S+\s){0,2}?(?:پیگیری|peygiri|peigiri|paygiri)"
)


def asks_about_an_order(text: str | None, owner_phrases: tuple[str, ...] = ()) -> bool:
    """An order's status asked without its number ("سفارشم کجاست؟", "vaziat sefaresh")."""
    if not text:
        return False
    said_ = _one_spelling(said(text))
    placed = _ALREADY_PLACED_RE.search(said_)
    return says_phrase_or_command(text, owner_phrases) or bool(
        (_ORDER_NOUN_RE.search(said_) or placed) and _ORDER_STATUS_RE.search(said_)
        or placed and _PLACED_ORDER_STATUS_RE.search(said_)
        or _FOLLOW_UP_AN_ORDER_RE.search(said_))


def says_phrase_or_command(text: str | None, phrases: tuple[str, ...]) -> bool:
    """Like says_any, but an owner's "/order" is the command only, not the word "order"
    ("order bedam" in Finglish is "I place an order")."""
    if not text:
        return False
    commands = tuple(phrase for phrase in phrases if phrase.startswith("/"))
    return says_any(text, tuple(phrase for phrase in phrases if phrase not in commands)) or any(
        is_command(text, command[1:]) for command in commands)
