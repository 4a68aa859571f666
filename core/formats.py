"""Display formats for Persian ("fa") and English ("en"): numbers, Jalali dates and weekdays.

Like Django's formats module, these turn values into the strings customers and agents read.
Persian output uses Persian digits and Persian separators; English output uses ASCII. Dates are
shown in the Jalali (Solar Hijri) calendar in both languages, because that is the calendar the
customers live by; ``jdatetime`` does the calendar arithmetic, the names are our own tables.

Timestamps are stored in UTC. A timezone-aware datetime is converted to ``tz`` (Asia/Tehran by
default) before its date is taken, so a message sent at 23:00 Tehran time is dated by Tehran's
calendar, not UTC's; a naive datetime is taken to be UTC. A plain ``date`` is used as it is.
"""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import jdatetime

from core.text import strip_invisible, to_latin_digits, to_persian_digits

__all__ = [
    "format_jalali_date",
    "format_jalali_datetime",
    "format_number",
    "parse_jalali_date",
    "week_index",
    "weekday_name",
]

DEFAULT_TZ = "Asia/Tehran"

MONTH_NAMES = {
    "fa": (
        "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
        "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
    ),
    "en": (
        "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
        "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
    ),
}  # fmt: skip

# The Iranian week starts on Saturday; Friday is the weekend.
WEEKDAY_NAMES = {
    "fa": ("شنبه", "یک‌شنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنج‌شنبه", "جمعه"),
    "en": ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
}

# CLDR's Persian symbols. The minus sign is preceded by LEFT-TO-RIGHT MARK so that in
# right-to-left text it stays on the left of the digits instead of drifting to their right.
_PERSIAN_MINUS = "\u200e\u2212"
_PERSIAN_DECIMAL_SEPARATOR = "\u066b"
_PERSIAN_THOUSANDS_SEPARATOR = "\u066c"
# Persian style leaves four-digit numbers ungrouped ("۱۲۳۴") and groups from five digits on.
_PERSIAN_GROUPING_THRESHOLD = 10_000

_JALALI_DATE_RE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})", re.ASCII)


def _check_lang(lang: str) -> None:
    if lang not in MONTH_NAMES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {sorted(MONTH_NAMES)}")


def _local_datetime(moment: dt.datetime, tz: str) -> dt.datetime:
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(tz))


def _local_date(value: dt.date, tz: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local_datetime(value, tz).date()
    return value


def format_number(n: int | float | Decimal, lang: str = "fa") -> str:
    """Format a number for display: "۱۲٬۳۴۵٫۵" in Persian, "12,345.5" in English.

    Persian groups thousands with "٬" only from 10000 up, English groups with "," from 1000 up.
    Fractional digits are kept as given (a float as its shortest repr), never rounded.
    """
    _check_lang(lang)
    # repr gives a float's shortest round-tripping digits (0.1 -> "0.1", not 0.1000000000000000055).
    number = Decimal(repr(n)) if isinstance(n, float) else Decimal(n)
    if not number.is_finite():
        raise ValueError(f"cannot format non-finite number {n!r}")
    integer_digits, _, fraction_digits = f"{abs(number):f}".partition(".")
    integer_part = int(integer_digits)
    negative = number < 0
    if lang == "en":
        formatted = f"{integer_part:,}" + (f".{fraction_digits}" if fraction_digits else "")
        return f"-{formatted}" if negative else formatted
    if integer_part >= _PERSIAN_GROUPING_THRESHOLD:
        integer_digits = f"{integer_part:,}".replace(",", _PERSIAN_THOUSANDS_SEPARATOR)
    if fraction_digits:
        integer_digits += _PERSIAN_DECIMAL_SEPARATOR + fraction_digits
    return to_persian_digits((_PERSIAN_MINUS if negative else "") + integer_digits)


def format_jalali_date(value: dt.date, lang: str = "fa", tz: str = DEFAULT_TZ) -> str:
    """Format a date as "۱ فروردین ۱۴۰۵" (fa) or "1 Farvardin 1405" (en).

    ``value`` may be a date or a datetime; see the module docstring for how ``tz`` applies.
    """
    _check_lang(lang)
    jalali = jdatetime.date.fromgregorian(date=_local_date(value, tz))
    formatted = f"{jalali.day} {MONTH_NAMES[lang][jalali.month - 1]} {jalali.year}"
    return to_persian_digits(formatted) if lang == "fa" else formatted


def format_jalali_datetime(moment: dt.datetime, lang: str = "fa", tz: str = DEFAULT_TZ) -> str:
    """Format a datetime as "۱ فروردین ۱۴۰۵، ساعت ۱۴:۰۵" (fa) or "1 Farvardin 1405, 14:05" (en).

    The time is the wall-clock time in ``tz``; a naive ``moment`` is taken to be UTC.
    """
    local = _local_datetime(moment, tz)
    date_part = format_jalali_date(local.date(), lang)
    if lang == "fa":
        return f"{date_part}، ساعت {to_persian_digits(f'{local:%H:%M}')}"
    return f"{date_part}, {local:%H:%M}"


def format_jalali_numeric(value: dt.date, tz: str = DEFAULT_TZ) -> str:
    """A date as it is typed in a form, "1405/09/12" (Latin digits; the panel shows them in
    the page's own): what `parse_jalali_date` reads back."""
    jalali = jdatetime.date.fromgregorian(date=_local_date(value, tz))
    return f"{jalali.year}/{jalali.month:02d}/{jalali.day:02d}"


def parse_jalali_date(text: str) -> dt.date:
    """Parse a Jalali "YYYY-MM-DD" or "YYYY/MM/DD" date into a Gregorian ``datetime.date``.

    Persian and Arabic-Indic digits are accepted, as are one-digit months and days ("۱۴۰۵/۱/۱").
    Raises ValueError for anything else, including dates the Jalali calendar does not have
    (month 13, day 32, 31 Mehr, or 30 Esfand in a non-leap year).
    """
    # Dates copied out of right-to-left text often carry invisible direction marks.
    match = _JALALI_DATE_RE.fullmatch(to_latin_digits(strip_invisible(text)).strip())
    if match is None:
        raise ValueError(f"expected a Jalali date like 1405-01-31 or 1405/1/31, got {text!r}")
    year, month, day = int(match[1]), int(match[3]), int(match[4])
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError as error:
        raise ValueError(f"invalid Jalali date {text!r}: {error}") from error


def week_index(value: dt.date, tz: str = DEFAULT_TZ) -> int:
    """Position of the day in the Iranian week: Saturday is 0, Friday is 6."""
    # date.weekday() counts from Monday, which is two days after Saturday.
    return (_local_date(value, tz).weekday() + 2) % 7


def weekday_name(value: dt.date, lang: str = "fa", tz: str = DEFAULT_TZ) -> str:
    """Name of the weekday: "شنبه" … "جمعه" (fa) or "Saturday" … "Friday" (en)."""
    _check_lang(lang)
    return WEEKDAY_NAMES[lang][week_index(value, tz)]


def jalali_month_weeks(year: int, month: int) -> list[list[int | None]]:
    """The days of a Jalali month as weeks from Saturday to Friday, for a calendar; the
    places before the 1st and after the last day are None. ValueError for no such month."""
    first = jdatetime.date(year, month, 1)  # raises for a month that does not exist
    days = 31 if month <= 6 else 30 if month <= 11 else (30 if first.isleap() else 29)
    lead = first.weekday()  # jdatetime counts from Saturday, as the Iranian week does
    cells: list[int | None] = [None] * lead + list(range(1, days + 1))
    cells += [None] * (-len(cells) % 7)
    return [cells[start:start + 7] for start in range(0, len(cells), 7)]
