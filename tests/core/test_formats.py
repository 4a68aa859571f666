import datetime as dt
from decimal import Decimal

import pytest

from core.formats import (
    MONTH_NAMES,
    format_jalali_date,
    format_jalali_datetime,
    format_number,
    parse_jalali_date,
    week_index,
    weekday_name,
)

LRM_MINUS = "\u200e\u2212"
TEHRAN_OFFSET = dt.timezone(dt.timedelta(hours=3, minutes=30))


@pytest.mark.parametrize(
    ("number", "persian", "english"),
    [
        (0, "۰", "0"),
        (7, "۷", "7"),
        (999, "۹۹۹", "999"),
        (1234, "۱۲۳۴", "1,234"),  # Persian does not group four-digit numbers
        (9999, "۹۹۹۹", "9,999"),
        (10000, "۱۰٬۰۰۰", "10,000"),
        (1234567, "۱٬۲۳۴٬۵۶۷", "1,234,567"),
        (2_500_000_000, "۲٬۵۰۰٬۰۰۰٬۰۰۰", "2,500,000,000"),
        (-5, f"{LRM_MINUS}۵", "-5"),
        (-12345, f"{LRM_MINUS}۱۲٬۳۴۵", "-12,345"),
        (1234.5, "۱۲۳۴٫۵", "1,234.5"),
        (12345.25, "۱۲٬۳۴۵٫۲۵", "12,345.25"),
        (0.1, "۰٫۱", "0.1"),
        (1e16, "۱۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰", "10,000,000,000,000,000"),
        (Decimal("1250000.50"), "۱٬۲۵۰٬۰۰۰٫۵۰", "1,250,000.50"),
        (Decimal("1E+3"), "۱۰۰۰", "1,000"),
        (Decimal("-0"), "۰", "0"),
    ],
)
def test_format_number(number, persian, english):
    assert format_number(number) == persian
    assert format_number(number, lang="fa") == persian
    assert format_number(number, lang="en") == english


@pytest.mark.parametrize("number", [float("nan"), float("inf"), Decimal("-Infinity")])
def test_format_number_rejects_non_finite(number):
    with pytest.raises(ValueError, match="non-finite"):
        format_number(number)


@pytest.mark.parametrize(
    "call",
    [
        lambda: format_number(1, lang="de"),
        lambda: format_jalali_date(dt.date(2026, 3, 21), lang="fa_IR"),
        lambda: format_jalali_datetime(dt.datetime(2026, 3, 21, tzinfo=dt.UTC), lang="ar"),
        lambda: weekday_name(dt.date(2026, 3, 21), lang="FA"),
    ],
)
def test_unsupported_language_is_rejected(call):
    with pytest.raises(ValueError, match="unsupported language"):
        call()


# Gregorian date, Jalali date in Persian, in English. Nowruz and other dates with known
# Jalali equivalents; 1403 is a leap year, so it has a 30 Esfand.
JALALI_DATES = [
    (dt.date(2026, 3, 21), "۱ فروردین ۱۴۰۵", "1 Farvardin 1405"),
    (dt.date(2026, 3, 20), "۲۹ اسفند ۱۴۰۴", "29 Esfand 1404"),
    (dt.date(2025, 3, 21), "۱ فروردین ۱۴۰۴", "1 Farvardin 1404"),
    (dt.date(2025, 3, 20), "۳۰ اسفند ۱۴۰۳", "30 Esfand 1403"),
    (dt.date(2024, 3, 20), "۱ فروردین ۱۴۰۳", "1 Farvardin 1403"),
    (dt.date(2024, 12, 21), "۱ دی ۱۴۰۳", "1 Dey 1403"),  # Yalda night is the eve
    (dt.date(1979, 2, 11), "۲۲ بهمن ۱۳۵۷", "22 Bahman 1357"),
    (dt.date(2000, 1, 1), "۱۱ دی ۱۳۷۸", "11 Dey 1378"),
    (dt.date(2026, 9, 23), "۱ مهر ۱۴۰۵", "1 Mehr 1405"),
]


@pytest.mark.parametrize(("gregorian", "persian", "english"), JALALI_DATES)
def test_format_jalali_date(gregorian, persian, english):
    assert format_jalali_date(gregorian) == persian
    assert format_jalali_date(gregorian, lang="en") == english


@pytest.mark.parametrize(
    ("month", "persian", "english"),
    [
        (1, "فروردین", "Farvardin"),
        (2, "اردیبهشت", "Ordibehesht"),
        (3, "خرداد", "Khordad"),
        (4, "تیر", "Tir"),
        (5, "مرداد", "Mordad"),
        (6, "شهریور", "Shahrivar"),
        (7, "مهر", "Mehr"),
        (8, "آبان", "Aban"),
        (9, "آذر", "Azar"),
        (10, "دی", "Dey"),
        (11, "بهمن", "Bahman"),
        (12, "اسفند", "Esfand"),
    ],
)
def test_month_names(month, persian, english):
    first_of_month = parse_jalali_date(f"1405-{month:02}-01")
    assert format_jalali_date(first_of_month) == f"۱ {persian} ۱۴۰۵"
    assert format_jalali_date(first_of_month, lang="en") == f"1 {english} 1405"


@pytest.mark.parametrize(
    ("moment", "persian"),
    [
        # Tehran is UTC+3:30, so Nowruz 1405 starts at 20:30 UTC the evening before.
        (dt.datetime(2026, 3, 20, 20, 29, tzinfo=dt.UTC), "۲۹ اسفند ۱۴۰۴"),
        (dt.datetime(2026, 3, 20, 20, 30, tzinfo=dt.UTC), "۱ فروردین ۱۴۰۵"),
        (dt.datetime(2026, 3, 20, 21, 0, tzinfo=dt.UTC), "۱ فروردین ۱۴۰۵"),
        # A naive datetime is UTC.
        (dt.datetime(2026, 3, 20, 21, 0), "۱ فروردین ۱۴۰۵"),
        (dt.datetime(2026, 3, 20, 20, 29), "۲۹ اسفند ۱۴۰۴"),
        # Any other offset is converted as well.
        (
            dt.datetime(2026, 3, 20, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            "۱ فروردین ۱۴۰۵",
        ),
        (dt.datetime(2026, 3, 21, 0, 10, tzinfo=TEHRAN_OFFSET), "۱ فروردین ۱۴۰۵"),
    ],
)
def test_format_jalali_date_uses_tehran_calendar_day(moment, persian):
    assert format_jalali_date(moment) == persian


def test_format_jalali_date_honours_tz_argument():
    moment = dt.datetime(2026, 3, 20, 21, 0, tzinfo=dt.UTC)
    assert format_jalali_date(moment, lang="en", tz="UTC") == "29 Esfand 1404"
    assert format_jalali_date(moment, lang="en", tz="Asia/Tehran") == "1 Farvardin 1405"


def test_plain_date_is_not_shifted_by_tz():
    assert format_jalali_date(dt.date(2026, 3, 21), tz="America/Los_Angeles") == "۱ فروردین ۱۴۰۵"


@pytest.mark.parametrize(
    ("moment", "persian", "english"),
    [
        (
            dt.datetime(2026, 3, 21, 10, 35, tzinfo=dt.UTC),
            "۱ فروردین ۱۴۰۵، ساعت ۱۴:۰۵",
            "1 Farvardin 1405, 14:05",
        ),
        (
            dt.datetime(2026, 3, 20, 20, 30),  # naive, so UTC: midnight in Tehran
            "۱ فروردین ۱۴۰۵، ساعت ۰۰:۰۰",
            "1 Farvardin 1405, 00:00",
        ),
        (
            dt.datetime(2026, 3, 20, 23, 59, 59, tzinfo=TEHRAN_OFFSET),
            "۲۹ اسفند ۱۴۰۴، ساعت ۲۳:۵۹",
            "29 Esfand 1404, 23:59",
        ),
    ],
)
def test_format_jalali_datetime(moment, persian, english):
    assert format_jalali_datetime(moment) == persian
    assert format_jalali_datetime(moment, lang="en") == english


def test_format_jalali_datetime_honours_tz_argument():
    moment = dt.datetime(2026, 3, 21, 10, 35, tzinfo=dt.UTC)
    assert format_jalali_datetime(moment, lang="en", tz="UTC") == "1 Farvardin 1405, 10:35"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1405-01-01", dt.date(2026, 3, 21)),
        ("1405/01/01", dt.date(2026, 3, 21)),
        ("1405/1/1", dt.date(2026, 3, 21)),
        ("۱۴۰۵-۰۱-۰۱", dt.date(2026, 3, 21)),
        ("۱۴۰۵/۱/۱", dt.date(2026, 3, 21)),
        ("١٤٠٥/٠١/٠١", dt.date(2026, 3, 21)),
        ("  1405-01-01\n", dt.date(2026, 3, 21)),
        ("\u200f۱۴۰۵/۰۱/۰۱\u200e", dt.date(2026, 3, 21)),  # direction marks from copied RTL text
        ("1403-12-30", dt.date(2025, 3, 20)),  # 1403 is a leap year
        ("1404-12-29", dt.date(2026, 3, 20)),
        ("1357/11/22", dt.date(1979, 2, 11)),
        ("1405-06-31", dt.date(2026, 9, 22)),  # the first six months have 31 days
    ],
)
def test_parse_jalali_date(text, expected):
    assert parse_jalali_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1405-13-01", "month must be in 1..12"),
        ("1405-00-10", "month must be in 1..12"),
        ("1405-01-32", "day is out of range"),
        ("1405-01-00", "day is out of range"),
        ("1405-07-31", "day is out of range"),  # Mehr has 30 days
        ("1404-12-30", "day is out of range"),  # 1404 is not a leap year
        ("0000-01-01", "year is out of range"),
    ],
)
def test_parse_jalali_date_rejects_dates_not_in_calendar(text, reason):
    with pytest.raises(ValueError, match=f"invalid Jalali date '{text}': {reason}"):
        parse_jalali_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "فردا",
        "1405",
        "1405-01",
        "05-01-01",
        "1405/01-01",
        "1405.01.01",
        "01/01/1405",
        "1405-001-01",
    ],
)
def test_parse_jalali_date_rejects_malformed_text(text):
    with pytest.raises(ValueError, match="expected a Jalali date"):
        parse_jalali_date(text)


def test_parse_then_format_round_trips_every_day_of_a_leap_and_a_common_year():
    day = dt.date(2024, 3, 20)  # 1 Farvardin 1403
    while day < dt.date(2026, 3, 21):  # 1 Farvardin 1405
        english = format_jalali_date(day, lang="en")
        jalali_day, month_name, year = english.split()
        month = MONTH_NAMES["en"].index(month_name) + 1
        assert parse_jalali_date(f"{year}/{month}/{jalali_day}") == day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("gregorian", "index", "persian", "english"),
    [
        (dt.date(2026, 3, 21), 0, "شنبه", "Saturday"),
        (dt.date(2026, 3, 22), 1, "یک‌شنبه", "Sunday"),
        (dt.date(2026, 3, 23), 2, "دوشنبه", "Monday"),
        (dt.date(2026, 3, 24), 3, "سه‌شنبه", "Tuesday"),
        (dt.date(2026, 3, 25), 4, "چهارشنبه", "Wednesday"),
        (dt.date(2026, 3, 26), 5, "پنج‌شنبه", "Thursday"),
        (dt.date(2026, 3, 27), 6, "جمعه", "Friday"),
    ],
)
def test_week_starts_on_saturday(gregorian, index, persian, english):
    assert week_index(gregorian) == index
    assert weekday_name(gregorian) == persian
    assert weekday_name(gregorian, lang="en") == english


def test_weekday_of_datetime_is_taken_in_tehran():
    # Friday 21:00 in UTC is already Saturday in Tehran.
    moment = dt.datetime(2026, 3, 20, 21, 0, tzinfo=dt.UTC)
    assert week_index(moment) == 0
    assert weekday_name(moment) == "شنبه"
    assert weekday_name(moment, lang="en", tz="UTC") == "Friday"
