"""KPI figures on a hand-built history, each figure worked out by hand below.

The history, in Tehran time on days of Farvardin 1405 (Tehran is UTC+03:30 all year since
2022). "Reply" is the first reply by a person (Conversation.first_response_at), and the
seconds in brackets count from the customer's first message.

- c1: 10th 09:00, channel A, team T1, agent a1; reply 09:05 (300 s); resolved 09:30
  (1800 s); CSAT 5.
- c2: 11th 00:10 (20:40 UTC on the 10th), A, T1, a2; a system event at 00:05 comes first;
  reply 00:12:30 (150 s); resolved 01:10 (3600 s) after being reopened once; CSAT 2.
- c3: 11th 10:00, channel B; only the bot answered; resolved 10:02 (120 s); CSAT 4.
- c4: 12th 14:00, A, T2; handed off 14:01, the customer wrote again 14:03; pending.
- c5: 12th 15:00, A, T2, a1; handed off 15:00:30; reply 15:10 (600 s); the customer wrote
  again 15:20; pending.
- c6: 12th 16:00, A; handed off 16:05, nobody wrote; resolved 16:30 (1800 s).
- c8: 10th 12:00, A, a2; reply 12:20 (1200 s); resolved, then reopened: open now.
- c9: 10th 13:00, A; the reply 13:00:03 is stamped before the message (13:00:05), so 0 s;
  resolved 13:10:05 (600 s); CSAT 3.
- old: 9th 23:59:59, just before the range; resolved; CSAT 1.
- late: 13th 00:00, the first moment after the range; open.
- q: 5th 08:00, T2; an agent replied 08:30 and spoke last; pending, never handed off.

Now is the 12th, 16:01.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import jdatetime
import pytest

from core.i18n import current_language
from core.kpis import (
    FIGURES,
    Csat,
    DayVolume,
    Durations,
    KpiQuery,
    Share,
    WaitingNow,
    compute_kpis,
    kpi_csv,
    percentile,
)
from core.models import Channel, Conversation, Customer, Identity, Message, SurveyAnswer, Team, User

TEHRAN = ZoneInfo("Asia/Tehran")


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, year=1405, month=1):
    """A moment in Tehran's wall-clock time, as the aware UTC datetime the database keeps."""
    gregorian = jdatetime.date(year, month, day).togregorian()
    local = dt.datetime.combine(gregorian, dt.time(hour, minute, second), tzinfo=TEHRAN)
    return local.astimezone(dt.UTC)


DIRECTIONS = {"customer": "in", "system": "in", "bot": "out", "agent": "out"}


class History:
    def __init__(self) -> None:
        self.counter = 0

    async def setup(self) -> None:
        self.channel_a = await Channel.create(platform="telegram", key="a")
        self.channel_b = await Channel.create(platform="whatsapp", key="b")
        self.t1 = await Team.create(name="فروش")
        self.t2 = await Team.create(name="پشتیبانی")
        self.a1 = await User.create(email="a1@example.com", password_hash="-")
        self.a2 = await User.create(email="a2@example.com", password_hash="-")

    async def conversation(
        self, messages, *, channel=None, status="resolved", team=None, assignee=None,
        handed_off_at=None, first_response_at=None, resolved_at=None, reopen_count=0, score=None,
    ) -> Conversation:
        self.counter += 1
        channel = channel or self.channel_a
        customer = await Customer.create(display_name=f"مشتری {self.counter}")
        identity = await Identity.create(
            customer=customer, channel=channel, external_id=str(self.counter)
        )
        started = messages[0][1]
        conversation = await Conversation.create(
            channel=channel, customer=customer, identity=identity, chat_id=str(self.counter),
            status=status, team=team, assignee=assignee, created_at=started,
            last_message_at=messages[-1][1], handed_off_at=handed_off_at,
            first_response_at=first_response_at, resolved_at=resolved_at,
            reopen_count=reopen_count,
        )
        for author, moment in messages:  # in the order they were stored
            await Message.create(
                conversation=conversation, channel=channel, direction=DIRECTIONS[author],
                author=author, kind="service" if author == "system" else "text", text="…",
                created_at=moment,
            )
        if score is not None:
            await SurveyAnswer.create(conversation=conversation, score=score, answered_at=started)
        return conversation


@pytest.fixture
async def history(any_database) -> History:
    h = History()
    await h.setup()
    await h.conversation(  # c1
        [("customer", at(10, 9)), ("bot", at(10, 9, 0, 1)), ("agent", at(10, 9, 5)),
         ("system", at(10, 9, 30))],
        team=h.t1, assignee=h.a1, handed_off_at=at(10, 9, 1), first_response_at=at(10, 9, 5),
        resolved_at=at(10, 9, 30), score=5,
    )
    await h.conversation(  # c2: starts at 20:40 UTC of the day before, in Tehran the 11th
        [("system", at(11, 0, 5)), ("customer", at(11, 0, 10)), ("agent", at(11, 0, 12, 30))],
        team=h.t1, assignee=h.a2, handed_off_at=at(11, 0, 11), first_response_at=at(11, 0, 12, 30),
        resolved_at=at(11, 1, 10), reopen_count=1, score=2,
    )
    await h.conversation(  # c3
        [("customer", at(11, 10)), ("bot", at(11, 10, 0, 1))],
        channel=h.channel_b, resolved_at=at(11, 10, 2), score=4,
    )
    await h.conversation(  # c4
        [("customer", at(12, 14)), ("bot", at(12, 14, 1)), ("customer", at(12, 14, 3))],
        status="pending", team=h.t2, handed_off_at=at(12, 14, 1),
    )
    await h.conversation(  # c5
        [("customer", at(12, 15)), ("agent", at(12, 15, 10)), ("customer", at(12, 15, 20))],
        status="pending", team=h.t2, assignee=h.a1, handed_off_at=at(12, 15, 0, 30),
        first_response_at=at(12, 15, 10),
    )
    await h.conversation(  # c6
        [("customer", at(12, 16))], handed_off_at=at(12, 16, 5), resolved_at=at(12, 16, 30),
    )
    await h.conversation(  # c8
        [("customer", at(10, 12)), ("agent", at(10, 12, 20))], status="open", assignee=h.a2,
        handed_off_at=at(10, 12, 1), first_response_at=at(10, 12, 20),
        resolved_at=at(10, 12, 30), reopen_count=1,
    )
    await h.conversation(  # c9: the platform stamped the message after our reply
        [("customer", at(10, 13, 0, 5)), ("agent", at(10, 13, 0, 3))],
        handed_off_at=at(10, 13), first_response_at=at(10, 13, 0, 3),
        resolved_at=at(10, 13, 10, 5), score=3,
    )
    await h.conversation(  # old
        [("customer", at(9, 23, 59, 59)), ("agent", at(10, 0, 0, 0))],
        handed_off_at=at(9, 23, 59, 59), first_response_at=at(10, 0), resolved_at=at(10, 0, 1),
        score=1,
    )
    await h.conversation([("customer", at(13, 0))], status="open")  # late
    await h.conversation(  # q
        [("customer", at(5, 8)), ("agent", at(5, 8, 30))], status="pending", team=h.t2,
        first_response_at=at(5, 8, 30),
    )
    return h


NOW = at(12, 16, 1)
RANGE = {"first_day": jdatetime.date(1405, 1, 10), "last_day": jdatetime.date(1405, 1, 12)}


async def test_every_figure_on_the_hand_built_history(history):
    report = await compute_kpis(KpiQuery(**RANGE), now=NOW)

    assert report.conversations == 8  # c1 c2 c3 c4 c5 c6 c8 c9
    assert report.resolved == 5  # c1 c2 c3 c6 c9 (c8 was reopened)
    # [0, 150, 300, 600, 1200]: median the 3rd; p90 at 3.6 → 600 + 0.6 × 600
    assert report.first_response == Durations(count=5, median=300.0, p90=960.0)
    # [120, 600, 1800, 1800, 3600]: median the 3rd; p90 at 3.6 → 1800 + 0.6 × 1800
    assert report.resolution == Durations(count=5, median=1800.0, p90=2880.0)
    assert report.first_contact_resolution == Share(count=4, total=5)  # all but c2
    assert report.first_contact_resolution.ratio == 0.8
    assert report.bot_containment == Share(count=1, total=5)  # c3 only; c6 was handed off
    assert report.csat == Csat(distribution=(0, 1, 1, 1, 1))  # c2 c9 c3 c1; not "old"
    assert report.csat.average == (2 + 3 + 4 + 5) / 4
    # The queue ignores the range: c4 (since its handoff at 14:01, after its first message),
    # c5 (since the customer's 15:20 message after the agent's reply), q (agent spoke last).
    assert report.waiting == WaitingNow(pending=3, awaiting_reply=2, longest_wait=2 * 3600.0)
    assert report.per_day == (
        DayVolume(day=jdatetime.date(1405, 1, 10), conversations=3),  # c1 c8 c9
        DayVolume(day=jdatetime.date(1405, 1, 11), conversations=2),  # c2 c3
        DayVolume(day=jdatetime.date(1405, 1, 12), conversations=3),  # c4 c5 c6
    )
    expected_hours = [0] * 24
    for hour in (9, 12, 13, 0, 10, 14, 15, 16):
        expected_hours[hour] += 1
    assert report.per_hour == tuple(expected_hours)
    assert report.computed_at == NOW


async def test_filters_by_team_give_an_even_count(history):
    report = await compute_kpis(KpiQuery(**RANGE, team_id=history.t1.id), now=NOW)

    assert report.conversations == 2  # c1 c2
    # [150, 300]: the median is their mean; p90 at 0.9 → 150 + 0.9 × 150
    assert report.first_response == Durations(count=2, median=225.0, p90=285.0)
    # [1800, 3600]
    assert report.resolution == Durations(count=2, median=2700.0, p90=3420.0)
    assert report.first_contact_resolution == Share(count=1, total=2)
    assert report.bot_containment == Share(count=0, total=2)
    assert report.csat == Csat(distribution=(0, 1, 0, 0, 1))
    assert report.waiting == WaitingNow(pending=0, awaiting_reply=0, longest_wait=None)


async def test_filters_by_agent_and_by_channel(history):
    by_agent = await compute_kpis(KpiQuery(**RANGE, agent_id=history.a1.id), now=NOW)
    assert by_agent.conversations == 2  # c1 c5
    assert by_agent.first_response == Durations(count=2, median=450.0, p90=570.0)  # [300, 600]
    assert by_agent.resolution == Durations(count=1, median=1800.0, p90=1800.0)
    assert by_agent.waiting == WaitingNow(pending=1, awaiting_reply=1, longest_wait=41 * 60.0)

    by_channel = await compute_kpis(KpiQuery(**RANGE, channel_id=history.channel_b.id), now=NOW)
    assert by_channel.conversations == 1  # c3
    assert by_channel.first_response == Durations(count=0, median=None, p90=None)
    assert by_channel.resolution == Durations(count=1, median=120.0, p90=120.0)
    assert by_channel.bot_containment == Share(count=1, total=1)
    assert [v.conversations for v in by_channel.per_day] == [0, 1, 0]


async def test_an_empty_range_has_no_figures_to_divide(any_database):
    report = await compute_kpis(KpiQuery(**RANGE), now=NOW)

    assert report.conversations == 0
    assert report.first_response == Durations(count=0, median=None, p90=None)
    assert report.first_contact_resolution.ratio is None
    assert report.csat.average is None
    assert report.csat.answers == 0
    assert report.waiting == WaitingNow(pending=0, awaiting_reply=0, longest_wait=None)
    assert [v.conversations for v in report.per_day] == [0, 0, 0]
    assert report.per_hour == (0,) * 24


async def test_days_follow_tehran_daylight_saving_time_of_past_years(any_database):
    """Until 2022 Tehran moved to UTC+04:30 on 2 Farvardin; days and hours follow the clock."""
    h = History()
    await h.setup()
    # 21:15 UTC on 21 March 2021: 00:45 at +03:30 would be before the change, which came at
    # 20:30 UTC, so it is 01:45 on 2 Farvardin 1400 at +04:30.
    await h.conversation([("customer", dt.datetime(2021, 3, 21, 21, 15, tzinfo=dt.UTC))])
    # 19:15 UTC on 22 March 2021 is 23:45 of 2 Farvardin; 19:40 UTC is already the 3rd.
    await h.conversation([("customer", dt.datetime(2021, 3, 22, 19, 15, tzinfo=dt.UTC))])
    await h.conversation([("customer", dt.datetime(2021, 3, 22, 19, 40, tzinfo=dt.UTC))])
    second = jdatetime.date(1400, 1, 2)

    report = await compute_kpis(KpiQuery(first_day=second, last_day=second), now=NOW)

    assert report.conversations == 2
    assert report.per_day == (DayVolume(day=second, conversations=2),)
    assert [hour for hour, n in enumerate(report.per_hour) if n] == [1, 23]


async def test_csv_is_excel_ready_persian_with_the_same_figures(history):
    report = await compute_kpis(KpiQuery(**RANGE), now=NOW)

    data = kpi_csv(report)

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["شاخص", "مقدار"]
    figures = dict(row for row in rows[1:rows.index([])])
    assert figures["روز نخست"] == "1405-01-10"
    assert figures["گفتگوها"] == "8"
    assert figures["زمان اولین پاسخ، میانه (ثانیه)"] == "300"
    assert figures["زمان اولین پاسخ، صدک ۹۰ (ثانیه)"] == "960"
    assert figures["حل در اولین تماس (٪)"] == "80"
    assert figures["رضایت مشتری، میانگین (۱ تا ۵)"] == "3.5"
    assert figures["طولانی‌ترین انتظار کنونی (ثانیه)"] == "7200"
    days = rows[rows.index(["روز", "گفتگوها"]) + 1:]
    assert days[:3] == [["1405-01-10", "3"], ["1405-01-11", "2"], ["1405-01-12", "3"]]
    hours = rows[rows.index(["ساعت", "گفتگوها"]) + 1:]
    assert hours[0] == ["00:00", "1"] and hours[9] == ["09:00", "1"] and len(hours) == 24


async def test_csv_in_english(history):
    report = await compute_kpis(KpiQuery(**RANGE), now=NOW)
    token = current_language.set("en")
    try:
        rows = list(csv.reader(io.StringIO(kpi_csv(report).decode("utf-8-sig"))))
    finally:
        current_language.reset(token)
    assert rows[0] == ["Figure", "Value"]
    assert ["Resolved by the bot (%)", "20"] in rows
    assert ["Answers scoring 4", "1"] in rows


def test_every_figure_has_a_translated_name_and_definition():
    for figure in FIGURES:
        for language in ("fa", "en"):
            token = current_language.set(language)
            try:
                name, definition = str(figure.name), str(figure.definition)
            finally:
                current_language.reset(token)
            assert name and definition
            if language == "fa":
                assert name != figure.name.message
                assert definition != figure.definition.message


def test_query_from_jalali_text_in_any_digits():
    query = KpiQuery.from_text("۱۴۰۵/۱/۱۰", "1405-01-12", team_id=3)
    assert query == KpiQuery(**RANGE, team_id=3)
    assert len(query.days()) == 3
    assert query.utc_bounds() == (
        dt.datetime(2026, 3, 29, 20, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 1, 20, 30, tzinfo=dt.UTC),
    )


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        KpiQuery.from_text("1405/01/12", "1405/01/10")
    with pytest.raises(ValueError, match="Jalali"):
        KpiQuery.from_text("1405/13/01", "1405/01/10")


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([], 50, None),
        ([7.0], 50, 7.0),
        ([7.0], 90, 7.0),
        ([3.0, 1.0, 2.0], 50, 2.0),  # odd: the middle one
        ([4.0, 1.0, 3.0, 2.0], 50, 2.5),  # even: the mean of the middle two
        ([10.0, 20.0], 90, 19.0),  # h = 0.9
        ([0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0], 90, 90.0),
        ([1.0, 2.0, 3.0, 4.0], 90, 3.7),  # h = 2.7
        ([5.0, 5.0, 5.0], 90, 5.0),
    ],
)
def test_percentile_interpolates_between_the_nearest_ranks(values, percent, expected):
    assert percentile(sorted(values), len(values), percent) == pytest.approx(expected)
