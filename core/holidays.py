"""Iran's official holidays (core/data/iran_official_holidays.json), offered to the owner for
one-click import into a schedule's holidays.

The solar ones fall on fixed Jalali days. The lunar ones (Tasua, Ashura, the Eids…) fall on
days of the lunar Hijri calendar, which Iran fixes by its own moon sighting: their dates are
computed here with the Umm al-Qura calendar (hijridate), which may differ from Iran's by a
day, so they are marked `lunar` and the panel proposes them for the owner to check and edit
before adding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import jdatetime
from hijridate import Gregorian, Hijri

DATA = Path(__file__).resolve().parent / "data" / "iran_official_holidays.json"


@dataclass(frozen=True, slots=True)
class Holiday:
    day: jdatetime.date
    names: dict[str, str]  # by language: fa, en
    lunar: bool = False  # computed from the Umm al-Qura calendar: Iran's may be a day off

    @property
    def key(self) -> str:
        """As owner_config stores a holiday: 1405-01-01."""
        return f"{self.day.year:04d}-{self.day.month:02d}-{self.day.day:02d}"


@dataclass(frozen=True, slots=True)
class _LunarDay:
    month: int
    day: int
    last: bool  # the month's last day, whether it has 29 days or 30
    names: dict[str, str]


def _names(item: dict[str, object]) -> dict[str, str]:
    return {"fa": str(item["fa"]), "en": str(item["en"])}


@cache
def _fixed() -> tuple[tuple[int, int, dict[str, str]], ...]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple((item["month"], item["day"], _names(item)) for item in data["fixed"])


@cache
def _lunar() -> tuple[_LunarDay, ...]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(_LunarDay(item["month"], item["day"], bool(item.get("last")), _names(item))
                 for item in data["lunar"])


def coming(today: date) -> list[Holiday]:
    """The official holidays of the coming twelve months, from `today` on, in order."""
    start = jdatetime.date.fromgregorian(date=today)
    end = jdatetime.date(start.year + 1, start.month, min(start.day, 29)
                         if start.month == 12 else start.day)
    found = [Holiday(moment, names)
             for year in (start.year, start.year + 1)
             for month, day, names in _fixed()
             if start <= (moment := jdatetime.date(year, month, day)) < end]
    found.extend(_lunar_between(start.togregorian(), end.togregorian()))
    return sorted(found, key=lambda holiday: holiday.day)


def _lunar_between(first: date, before: date) -> list[Holiday]:
    """The lunar holidays from `first` to the day before `before`, by Umm al-Qura."""
    hijri_year = Gregorian.fromdate(first).to_hijri().year
    found = []
    for year in (hijri_year, hijri_year + 1):
        for lunar in _lunar():
            try:
                day = lunar.day
                if lunar.last:
                    day = Hijri(year, lunar.month, 1).month_length()
                moment = Hijri(year, lunar.month, day).to_gregorian()
            except (OverflowError, ValueError):  # past the calendar's table (1500 AH)
                continue
            when = date(moment.year, moment.month, moment.day)
            if first <= when < before:
                found.append(Holiday(jdatetime.date.fromgregorian(date=when), lunar.names,
                                     lunar=True))
    return found
