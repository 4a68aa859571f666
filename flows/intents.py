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
