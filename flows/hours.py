"""Business hours as pure functions of a schedule and the engine's `now`.

The week starts on Saturday (index 0) as in core/formats.py; times are the wall clock of the
schedule's time zone, so a shop in Tehran opens at 09:00 Tehran time whatever UTC says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from core.formats import week_index
from flows.config import Schedule

DAYS_AHEAD = 400  # a schedule open on one day a year still has a next opening


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_open(schedule: Schedule, now: datetime) -> bool:
    local = now.astimezone(_zone(schedule.timezone))
    if local.date() in schedule.holidays:
        return False
    minute = local.hour * 60 + local.minute
    ranges = schedule.week[week_index(local.date(), tz=schedule.timezone)]
    return any(start <= minute < end for start, end in ranges)


def next_opening(schedule: Schedule, now: datetime) -> datetime | None:
    """When a person is next at work (`now` itself when open); None if never."""
    if is_open(schedule, now):
        return now
    zone = _zone(schedule.timezone)
    local = now.astimezone(zone)
    for offset in range(DAYS_AHEAD):
        day = local.date() + timedelta(days=offset)
        if day in schedule.holidays:
            continue
        for start, _ in sorted(schedule.week[week_index(day, tz=schedule.timezone)]):
            opening = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
            if opening > local:
                return opening
    return None


@dataclass(frozen=True, slots=True)
class Estimate:
    """When a person will likely answer: in about `minutes`, or at `at` (the team is away)."""

    minutes: int | None = None
    at: datetime | None = None


def answer_estimate(schedule: Schedule | None, now: datetime, waiting_ahead: int) -> Estimate:
    per_conversation = schedule.minutes_per_conversation if schedule else 5
    wait = timedelta(minutes=(waiting_ahead + 1) * per_conversation)
    if schedule is None or (is_open(schedule, now) and is_open(schedule, now + wait)):
        return Estimate(minutes=_rounded(wait))
    opening = next_opening(schedule, now + wait if is_open(schedule, now) else now)
    return Estimate(at=opening)


def _rounded(wait: timedelta) -> int:
    """Up to the next 5 minutes: an estimate, not a promise to the minute."""
    minutes = int(wait.total_seconds() // 60)
    return max(5, -(-minutes // 5) * 5)
