"""Business time: how much of a stretch of time fell within a team's opening hours, and when
a budget of such time runs out. Targets count only this time, so a message at 20:00 to a
shop that opens at 09:00 has used nothing of its target by 08:59 the next morning.

The owner's `business_hours` (core/owner_config.py) as core needs them; with no schedule the
shop is always open (as the flows see it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from core.formats import parse_jalali_date, week_index
from core.owner_config import BusinessHours, OwnerDocument, Week, time_range

MAX_DAYS = 400  # a budget is never looked for further ahead than this


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenHours:
    timezone: str
    week: tuple[tuple[tuple[int, int], ...], ...]  # Saturday first: minute ranges per day
    holidays: frozenset[dt.date]


def open_hours(hours: BusinessHours) -> OpenHours:
    week = tuple(tuple(sorted(r for text in getattr(hours.week, day)
                              if (r := time_range(text)) is not None))
                 for day in Week.__struct_fields__)
    return OpenHours(timezone=hours.timezone, week=week,
                     holidays=frozenset(parse_jalali_date(day) for day in hours.holidays))


def hours_of_team(document: OwnerDocument, team: str | None) -> OpenHours | None:
    """The team's schedule, else the one named "default", else the first; None: always open."""
    by_name = {hours.name: hours for hours in document.business_hours}
    item = next((t for t in document.teams if t.name == team), None)
    chosen = (by_name.get(item.hours) if item is not None and item.hours else None) or (
        by_name.get("default") or next(iter(document.business_hours), None))
    return open_hours(chosen) if chosen is not None else None


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _intervals(hours: OpenHours, start: dt.datetime, days: int):
    """The open intervals (UTC) of `days` local days from the day of `start` on."""
    zone = _zone(hours.timezone)
    first = start.astimezone(zone).date()
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if day in hours.holidays:
            continue
        for begin, end in hours.week[week_index(day, tz=hours.timezone)]:
            opens = dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(minutes=begin)
            closes = dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(minutes=end)
            yield opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)


def open_seconds(hours: OpenHours | None, start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of business time between two moments (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    days = min((end - start).days + 2, MAX_DAYS)
    total = 0.0
    for opens, closes in _intervals(hours, start, days):
        if opens >= end:
            break
        total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
    return total


def due_at(hours: OpenHours | None, start: dt.datetime, budget_seconds: float
           ) -> dt.datetime | None:
    """When `budget_seconds` of business time after `start` run out; None if never."""
    if hours is None:
        return start + dt.timedelta(seconds=budget_seconds)
    left = budget_seconds
    for opens, closes in _intervals(hours, start, MAX_DAYS):
        if closes <= start:
            continue
        begin = max(opens, start)
        span = (closes - begin).total_seconds()
        if span >= left:
            return begin + dt.timedelta(seconds=left)
        left -= span
    return None
