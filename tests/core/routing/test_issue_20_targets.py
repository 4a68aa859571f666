"""Issue 20: response-time targets in business hours: the clock each waiting conversation
shows in the inbox, and the share met per team and agent by Jalali week and month."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import jdatetime

from core.kpis import KpiQuery
from core.models import Conversation, Message, Team
from core.owner_config import BusinessHours, OwnerDocument, Targets, TeamItem, Week, store
from core.targets import TargetKind, targets_csv, targets_report, waiting_clocks
from core.targets.hours import due_at, open_hours, open_seconds
from tests.core.routing.helpers import agent, minutes, waiting

# Wednesday 2026-12-02, 09:00 in Tehran (UTC+03:30).
NOW = datetime(2026, 12, 2, 5, 30, tzinfo=UTC)
OFFICE = BusinessHours(name="default", week=Week(
    saturday=["09:00-17:00"], sunday=["09:00-17:00"], monday=["09:00-17:00"],
    tuesday=["09:00-17:00"], wednesday=["09:00-17:00"]))


def test_business_time_skips_nights_weekends_and_holidays() -> None:
    hours = open_hours(OFFICE)
    evening = NOW + timedelta(hours=7, minutes=50)  # Wednesday 16:50
    due = due_at(hours, evening, 30 * 60)
    # Thursday and Friday are closed: 10 minutes on Wednesday, 20 on Saturday 1405-09-14.
    assert due == datetime(2026, 12, 5, 5, 50, tzinfo=UTC)  # Saturday 09:20 in Tehran
    assert open_seconds(hours, evening, due) == 30 * 60
    assert open_seconds(None, evening, due) == (due - evening).total_seconds()
    # When that Saturday is a holiday, the rest goes to Sunday.
    holiday = open_hours(BusinessHours(name="h", week=OFFICE.week, holidays=["1405-09-14"]))
    assert due_at(holiday, evening, 30 * 60) == datetime(2026, 12, 6, 5, 50, tzinfo=UTC)


async def _document() -> None:
    await store(OwnerDocument(
        targets=Targets(first_response_minutes=10, next_response_minutes=5,
                        resolution_minutes=120),
        teams=[TeamItem(name="sales", members=["ali@shop.ir"],
                        targets=Targets(first_response_minutes=30))]))


async def _message(conversation_id: int, author: str, at: datetime) -> None:
    conversation = await Conversation.get(id=conversation_id)
    await Message.create(conversation_id=conversation_id, channel_id=conversation.channel_id,
                         direction="in" if author == "customer" else "out", author=author,
                         kind="text", text="-", created_at=at)


async def test_the_inbox_clock_is_the_target_that_runs_out_first(world) -> None:
    ali = await agent("ali@shop.ir", team="sales")
    await _document()
    late = await waiting(world, NOW - minutes(15))  # no reply in 15 min: 10 min target
    sales = await waiting(world, NOW - minutes(15), team="sales")  # its own 30 min target
    answered = await waiting(world, NOW - minutes(60))
    await Conversation.filter(id=answered).update(first_response_at=NOW - minutes(55),
                                                  assignee_id=ali)
    await _message(answered, "agent", NOW - minutes(55))
    await _message(answered, "customer", NOW - minutes(3))  # waits for the next reply

    clocks = await waiting_clocks([late, sales, answered], NOW)

    assert clocks[late].kind == TargetKind.FIRST_RESPONSE and clocks[late].breached
    assert clocks[late].seconds_left == -5 * 60
    assert clocks[sales].kind == TargetKind.FIRST_RESPONSE
    assert clocks[sales].seconds_left == 15 * 60
    assert clocks[answered].kind == TargetKind.NEXT_RESPONSE
    assert clocks[answered].seconds_left == 2 * 60


async def test_the_share_met_per_team_and_agent_by_week_and_month(world) -> None:
    ali = await agent("ali@shop.ir", team="sales")
    await _document()
    met = await waiting(world, NOW - minutes(100))
    missed = await waiting(world, NOW - minutes(100))
    overdue = await waiting(world, NOW - minutes(100))
    running = await waiting(world, NOW - minutes(2))
    await Conversation.filter(id__in=[met, missed]).update(assignee_id=ali)
    await Conversation.filter(id=met).update(first_response_at=NOW - minutes(95))
    await Conversation.filter(id=missed).update(first_response_at=NOW - minutes(80))
    await _message(met, "agent", NOW - minutes(95))
    await _message(met, "customer", NOW - minutes(90))
    await _message(met, "agent", NOW - minutes(88))  # the next response within 5 min
    today = jdatetime.date.fromgregorian(date=NOW.date())

    rows = await targets_report(KpiQuery(first_day=today - timedelta(days=1), last_day=today),
                                NOW)

    by_key = {(r.period_kind, r.group, r.name): r.tallies for r in rows}
    shop = by_key[("week", "team", "بدون تیم")]  # in Persian, the default language
    first = shop[TargetKind.FIRST_RESPONSE]
    assert (first.met, first.total) == (1, 3)  # met, missed, overdue; the running one waits
    assert shop[TargetKind.NEXT_RESPONSE].met == shop[TargetKind.NEXT_RESPONSE].total == 1
    assert shop[TargetKind.RESOLUTION].total == 0  # 100 min of a 120 min target: running
    ali_week = by_key[("week", "agent", "ali@shop.ir")][TargetKind.FIRST_RESPONSE]
    assert (ali_week.met, ali_week.total) == (1, 2)
    assert {r.period for r in rows if r.period_kind == "month"} == {"1405-09"}
    assert {r.period for r in rows if r.period_kind == "week"} == {"1405-09-07"}  # Saturday
    assert running and overdue

    table = list(csv.reader(io.StringIO(targets_csv(rows).decode("utf-8-sig"))))
    assert ["1", "3", "33.3"] in [line[5:] for line in table[1:]]
    assert await Team.exists(name="sales")
