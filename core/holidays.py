"""Iran's official holidays on fixed Jalali days (core/data/iran_official_holidays.json),
offered to the owner for one-click import into a schedule's holidays.

Only the fixed solar days are known here: the lunar holidays move every year and are set by
moon sighting, so the owner adds those on the calendar; the page says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import jdatetime

DATA = Path(__file__).resolve().parent / "data" / "iran_official_holidays.json"


@dataclass(frozen=True, slots=True)
class Holiday:
    day: jdatetime.date
    names: dict[str, str]  # by language: fa, en

    @property
    def key(self) -> str:
        """As owner_config stores a holiday: 1405-01-01."""
        return f"{self.day.year:04d}-{self.day.month:02d}-{self.day.day:02d}"


@cache
def _fixed() -> tuple[tuple[int, int, dict[str, str]], ...]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple((item["month"], item["day"], {"fa": item["fa"], "en": item["en"]})
                 for item in data["fixed"])


def coming(today: date) -> list[Holiday]:
    """The fixed official holidays of the coming twelve months, from `today` on, in order."""
    start = jdatetime.date.fromgregorian(date=today)
    found = []
    for year in (start.year, start.year + 1):
        for month, day, names in _fixed():
            moment = jdatetime.date(year, month, day)
            if start <= moment and (year == start.year or (month, day) < (start.month,
                                                                            start.day)):
                found.append(Holiday(moment, names))
    return found
