"""KPI figures for the owners' dashboard, computed by the database.

Every figure describes the conversations that *started* in a range of whole days in the
owner's time zone (Asia/Tehran unless configured), as they stand when the figures are
computed; "waiting now" is a snapshot of the queue at that moment. docs/kpis.md gives each
figure's definition in plain words, with its edge cases.

The counting is done by SQL that runs unchanged on SQLite and PostgreSQL; only two
expressions (seconds between two timestamps, and a timestamp as Unix seconds) differ and
live in `_DIALECTS`. Percentiles are picked by a window function, so however many
conversations the range holds, only four rows per duration come back to Python.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import jdatetime
from tortoise.backends.base.client import BaseDBAsyncClient

from core.clock import utcnow
from core.db import connection, is_postgres, query_rows
from core.formats import DEFAULT_TZ, format_number, parse_jalali_date
from core.i18n import LazyString, current_language, gettext, lazy_gettext
from core.models import Author, ConversationStatus, Direction
from core.spreadsheet import csv_bytes
from core.sqlvalues import from_db_time

MEDIAN = 50
P90 = 90
CSAT_SCORES = (1, 2, 3, 4, 5)
HOURS = tuple(range(24))

# Volume is counted by the database in buckets of this many seconds of UTC, and each bucket
# is then placed in the owner's local day and hour. Every time zone in use today is a whole
# number of quarter hours away from UTC, so no bucket straddles two local hours.
_BUCKET_SECONDS = 900


@dataclass(frozen=True, slots=True)
class _Dialect:
    seconds_between: str  # "{later}" − "{earlier}", in seconds rounded to the millisecond
    unix_seconds: str  # "{moment}" as whole seconds since 1970 (an integer)


_DIALECTS = {
    # julianday() keeps milliseconds but as a fraction of a day; rounding to the millisecond
    # removes the floating-point noise it brings (a few microseconds).
    "sqlite": _Dialect(
        seconds_between="ROUND((julianday({later}) - julianday({earlier})) * 86400.0, 3)",
        unix_seconds="CAST(strftime('%s', {moment}) AS INTEGER)",
    ),
    "postgres": _Dialect(
        seconds_between="ROUND(CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS NUMERIC), 3)",
        unix_seconds="CAST(FLOOR(EXTRACT(EPOCH FROM {moment})) AS BIGINT)",
    ),
}


def _dialect(conn: BaseDBAsyncClient) -> _Dialect:
    return _DIALECTS["postgres" if is_postgres(conn) else "sqlite"]


# --------------------------------------------------------------------------- the question


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiQuery:
    """A range of whole local days (both ends included) and optional filters."""

    first_day: jdatetime.date
    last_day: jdatetime.date
    channel_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None  # the agent the conversation is assigned to
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError(
                f"the range ends ({self.last_day}) before it starts ({self.first_day})"
            )
        ZoneInfo(self.tz)  # an unknown zone fails here, not halfway through the queries

    @classmethod
    def from_text(cls, first_day: str, last_day: str, **filters: Any) -> KpiQuery:
        """From Jalali dates as typed in a form: "1405/01/01", "۱۴۰۵-۱-۳۱"…"""
        return cls(
            first_day=jdatetime.date.fromgregorian(date=parse_jalali_date(first_day)),
            last_day=jdatetime.date.fromgregorian(date=parse_jalali_date(last_day)),
            **filters,
        )

    def days(self) -> tuple[jdatetime.date, ...]:
        count = (self.last_day - self.first_day).days + 1
        return tuple(self.first_day + dt.timedelta(days=offset) for offset in range(count))

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """From local midnight starting the first day to local midnight ending the last."""
        zone = ZoneInfo(self.tz)
        start = self.first_day.togregorian()
        end = self.last_day.togregorian() + dt.timedelta(days=1)
        return (
            dt.datetime.combine(start, dt.time(), tzinfo=zone).astimezone(dt.UTC),
            dt.datetime.combine(end, dt.time(), tzinfo=zone).astimezone(dt.UTC),
        )


# --------------------------------------------------------------------------- the answer


@dataclass(frozen=True, slots=True, kw_only=True)
class Durations:
    """How long something took, in seconds, over the conversations it applies to."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    """`count` of `total` conversations; `ratio` is None when there is nothing to divide."""

    count: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.count / self.total if self.total else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Csat:
    distribution: tuple[int, int, int, int, int]  # answers scoring 1, 2, 3, 4 and 5

    @property
    def answers(self) -> int:
        return sum(self.distribution)

    @property
    def average(self) -> float | None:
        total = sum(score * n for score, n in zip(CSAT_SCORES, self.distribution, strict=True))
        return total / self.answers if self.answers else None


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingNow:
    pending: int  # conversations in the agents' queue
    awaiting_reply: int  # of those, the ones whose customer spoke last
    longest_wait: float | None  # seconds the longest-waiting of them has waited


@dataclass(frozen=True, slots=True, kw_only=True)
class DayVolume:
    day: jdatetime.date
    conversations: int


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiReport:
    query: KpiQuery
    computed_at: dt.datetime
    conversations: int
    resolved: int
    first_response: Durations
    resolution: Durations
    first_contact_resolution: Share
    bot_containment: Share
    csat: Csat
    waiting: WaitingNow
    per_day: tuple[DayVolume, ...]
    per_hour: tuple[int, ...]  # conversations started in local hour 0, 1, … 23


# --------------------------------------------------------------------------- percentiles


def percentile(
    values: Sequence[float] | Mapping[int, float], count: int, percent: int
) -> float | None:
    """The `percent`-th percentile of `count` sorted values, or None when there are none.

    Linear interpolation between the two nearest ranks (Hyndman and Fan's type 7, as in
    numpy's default and Excel's PERCENTILE.INC): with h = (count − 1) × percent / 100, the
    result is x[⌊h⌋] + (h − ⌊h⌋) × (x[⌊h⌋ + 1] − x[⌊h⌋]), positions counted from 0. So the
    median of an even count is the mean of the middle two. `values` needs only the
    positions ⌊h⌋ and ⌊h⌋ + 1, which is what the database sends back.
    """
    if count == 0:
        return None
    lower, remainder = divmod((count - 1) * percent, 100)
    if remainder == 0:
        return values[lower]
    return values[lower] + (values[lower + 1] - values[lower]) * remainder / 100


# --------------------------------------------------------------------------- computing


class _Scope:
    """The WHERE clause choosing the query's conversations (alias `c`), and its values.

    `in_range=False` keeps the channel, team and agent but not the days (for the queue).
    """

    def __init__(self, conn: BaseDBAsyncClient, query: KpiQuery, *, in_range: bool = True):
        clauses: list[str] = []
        self.values: list[Any] = []
        if in_range:
            start, end = query.utc_bounds()
            clauses = ["c.created_at >= ?", "c.created_at < ?"]
            self.values = [_bound(conn, start), _bound(conn, end)]
        for column, value in (
            ("c.channel_id", query.channel_id),
            ("c.team_id", query.team_id),
            ("c.assignee_id", query.agent_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                self.values.append(value)
        self.where = " AND ".join(clauses) or "1 = 1"


def _bound(conn: BaseDBAsyncClient, moment: dt.datetime) -> dt.datetime | str:
    """A range's end as the database compares it.

    SQLite compares timestamps as text, and two spellings are stored: the ORM leaves out a
    zero fraction ("… 20:30:00+00:00") while core's hand-written statements always write six
    digits ("… 20:30:00.000000+00:00"). A whole-second bound spelt the ORM's way sorts
    first among the spellings of its own second ("+" < "."), so `>=` and `<` against it are
    right for both. (A bound spelt with ".000000" would put a row stored at exactly that
    second by the ORM on the wrong side.) Ranges are whole days, so bounds are whole seconds.
    """
    if is_postgres(conn):
        return moment
    assert moment.microsecond == 0  # nosec B101 # narrows a type for the checker; not a check of input
    return moment.astimezone(dt.UTC).isoformat(sep=" ")


_RESOLVED = f"c.status = '{ConversationStatus.RESOLVED.value}'"
_AGENT_WROTE = (
    f"EXISTS (SELECT 1 FROM message a WHERE a.conversation_id = c.id"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    f" AND a.author = '{Author.AGENT.value}')"
)
_FIRST_CUSTOMER_MESSAGE = (
    "(SELECT MIN(m.created_at) FROM message m WHERE m.conversation_id = c.id"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
    f" AND m.direction = '{Direction.INBOUND.value}' AND m.author = '{Author.CUSTOMER.value}')"
)


async def compute_kpis(query: KpiQuery, now: dt.datetime | None = None) -> KpiReport:
    now = now or utcnow()
    conn = connection()
    scope = _Scope(conn, query)
    totals = await _totals(conn, scope)
    durations = await _durations(conn, scope)
    per_day, per_hour = await _volume(conn, scope, query)
    return KpiReport(
        query=query,
        computed_at=now,
        conversations=totals["started"],
        resolved=totals["resolved"],
        first_response=durations["first_response"],
        resolution=durations["resolution"],
        first_contact_resolution=Share(count=totals["first_contact"], total=totals["resolved"]),
        bot_containment=Share(count=totals["contained"], total=totals["resolved"]),
        csat=await _csat(conn, scope),
        waiting=await _waiting(conn, _Scope(conn, query, in_range=False), now),
        per_day=per_day,
        per_hour=per_hour,
    )


async def _totals(conn: BaseDBAsyncClient, scope: _Scope) -> dict[str, int]:
    rows = await query_rows(
        conn,
        "SELECT COUNT(*) AS started,"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" SUM(CASE WHEN {_RESOLVED} THEN 1 ELSE 0 END) AS resolved,"
        f" SUM(CASE WHEN {_RESOLVED} AND c.reopen_count = 0 THEN 1 ELSE 0 END) AS first_contact,"
        f" SUM(CASE WHEN {_RESOLVED} AND c.handed_off_at IS NULL AND NOT {_AGENT_WROTE}"
        " THEN 1 ELSE 0 END) AS contained"
        f" FROM conversation c WHERE {scope.where}",
        scope.values,
    )
    # SUM over no rows is NULL.
    return {name: int(value or 0) for name, value in rows[0].items()}


async def _durations(conn: BaseDBAsyncClient, scope: _Scope) -> dict[str, Durations]:
    seconds = _dialect(conn).seconds_between
    first_response = seconds.format(later="first_response_at", earlier="first_customer_at")
    resolution = seconds.format(later="resolved_at", earlier="first_customer_at")
    positions = ", ".join(
        f"(n - 1) * {p} / 100, (n - 1) * {p} / 100 + 1" for p in (MEDIAN, P90)
    )
    rows = await query_rows(
        conn,
        "WITH started AS ("  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" SELECT c.first_response_at, c.resolved_at, c.status,"
        f" {_FIRST_CUSTOMER_MESSAGE} AS first_customer_at"
        f" FROM conversation c WHERE {scope.where}"
        "), timed AS ("
        f" SELECT 'first_response' AS figure, {first_response} AS seconds FROM started"
        " WHERE first_response_at IS NOT NULL AND first_customer_at IS NOT NULL"
        " UNION ALL"
        f" SELECT 'resolution' AS figure, {resolution} AS seconds FROM started"
        f" WHERE status = '{ConversationStatus.RESOLVED.value}'"
        " AND resolved_at IS NOT NULL AND first_customer_at IS NOT NULL"
        # A reply stamped before the customer's message (the platform's clock against
        # ours) counts as an immediate one rather than a negative time.
        "), clamped AS ("
        " SELECT figure, CASE WHEN seconds < 0 THEN 0 ELSE seconds END AS seconds FROM timed"
        "), ranked AS ("
        " SELECT figure, seconds,"
        " ROW_NUMBER() OVER (PARTITION BY figure ORDER BY seconds) - 1 AS position,"
        " COUNT(*) OVER (PARTITION BY figure) AS n FROM clamped"
        ")"
        f" SELECT figure, position, n, seconds FROM ranked WHERE position IN ({positions})",
        scope.values,
    )
    counts: dict[str, int] = {}
    values: dict[str, dict[int, float]] = {"first_response": {}, "resolution": {}}
    for row in rows:
        counts[row["figure"]] = int(row["n"])
        values[row["figure"]][int(row["position"])] = float(row["seconds"])
    return {
        figure: Durations(
            count=counts.get(figure, 0),
            median=percentile(at, counts.get(figure, 0), MEDIAN),
            p90=percentile(at, counts.get(figure, 0), P90),
        )
        for figure, at in values.items()
    }


async def _csat(conn: BaseDBAsyncClient, scope: _Scope) -> Csat:
    rows = await query_rows(
        conn,
        "SELECT s.score, COUNT(*) AS answers FROM survey_answer s"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        " JOIN conversation c ON c.id = s.conversation_id"
        f" WHERE {scope.where} GROUP BY s.score",
        scope.values,
    )
    answers = {int(row["score"]): int(row["answers"]) for row in rows}
    return Csat(distribution=tuple(answers.get(score, 0) for score in CSAT_SCORES))


async def _volume(
    conn: BaseDBAsyncClient, scope: _Scope, query: KpiQuery
) -> tuple[tuple[DayVolume, ...], tuple[int, ...]]:
    unix = _dialect(conn).unix_seconds.format(moment="c.created_at")
    rows = await query_rows(
        conn,
        f"SELECT {unix} / {_BUCKET_SECONDS} AS bucket, COUNT(*) AS conversations"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" FROM conversation c WHERE {scope.where} GROUP BY 1",
        scope.values,
    )
    zone = ZoneInfo(query.tz)
    per_day: Counter[dt.date] = Counter()
    per_hour = [0] * len(HOURS)
    for row in rows:
        local = dt.datetime.fromtimestamp(int(row["bucket"]) * _BUCKET_SECONDS, zone)
        per_day[local.date()] += int(row["conversations"])
        per_hour[local.hour] += int(row["conversations"])
    days = tuple(
        DayVolume(day=day, conversations=per_day[day.togregorian()]) for day in query.days()
    )
    return days, tuple(per_hour)


async def _waiting(conn: BaseDBAsyncClient, scope: _Scope, now: dt.datetime) -> WaitingNow:
    """The queue right now: conversations pending, whatever day they started.

    A pending conversation awaits a reply while a customer message has no agent message
    after it. It has waited since the first such message, or since the handoff when that
    came later (before the handoff the bot was answering).
    """
    unanswered = (
        "(SELECT MIN(m.created_at) FROM message m WHERE m.conversation_id = c.id"  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" AND m.author = '{Author.CUSTOMER.value}' AND m.id > COALESCE("
        "(SELECT MAX(a.id) FROM message a WHERE a.conversation_id = c.id"
        f" AND a.author = '{Author.AGENT.value}'), 0))"
    )
    rows = await query_rows(
        conn,
        "WITH queue AS ("  # nosec B608 # only "?" marks and fixed names are formatted in; values are bound
        f" SELECT c.handed_off_at, {unanswered} AS unanswered_since FROM conversation c"
        f" WHERE c.status = '{ConversationStatus.PENDING.value}' AND {scope.where}"
        ")"
        " SELECT COUNT(*) AS pending, COUNT(unanswered_since) AS awaiting_reply,"
        " MIN(CASE WHEN handed_off_at > unanswered_since THEN handed_off_at"
        " ELSE unanswered_since END) AS waiting_since FROM queue",
        scope.values,
    )
    row = rows[0]
    since = from_db_time(row["waiting_since"])
    return WaitingNow(
        pending=int(row["pending"]),
        awaiting_reply=int(row["awaiting_reply"]),
        longest_wait=max(0.0, (now - since).total_seconds()) if since else None,
    )


# --------------------------------------------------------------------------- names and CSV


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure's name and one-sentence definition, as the dashboard shows them."""

    key: str
    name: LazyString
    definition: LazyString


FIGURES = (
    Figure(
        "conversations",
        lazy_gettext("Conversations"),
        lazy_gettext("Conversations that started in the chosen days, whatever became of them."),
    ),
    Figure(
        "first_response",
        lazy_gettext("First response time"),
        lazy_gettext(
            "From the customer's first message to the first reply written by a person;"
            " conversations no person has answered yet are left out."
        ),
    ),
    Figure(
        "resolution",
        lazy_gettext("Resolution time"),
        lazy_gettext(
            "From the customer's first message to the last time the conversation was"
            " resolved, over the conversations that are resolved now."
        ),
    ),
    Figure(
        "first_contact_resolution",
        lazy_gettext("First-contact resolution"),
        lazy_gettext("The share of resolved conversations that were never reopened."),
    ),
    Figure(
        "csat",
        lazy_gettext("Customer satisfaction"),
        lazy_gettext(
            "The average of the customers' survey scores from 1 to 5, and how many gave"
            " each score."
        ),
    ),
    Figure(
        "bot_containment",
        lazy_gettext("Resolved by the bot"),
        lazy_gettext(
            "The share of resolved conversations that were never handed to a person and"
            " in which no agent wrote."
        ),
    ),
    Figure(
        "waiting",
        lazy_gettext("Waiting now"),
        lazy_gettext(
            "Conversations in the agents' queue right now, and how long the customer who"
            " has waited longest for a person's reply has waited."
        ),
    ),
    Figure(
        "volume",
        lazy_gettext("Conversations per day and hour"),
        lazy_gettext("When the conversations started, in Tehran time."),
    ),
)


def _number(value: float | None, digits: int = 3) -> str:
    """Plain digits for spreadsheets: "12.5", "3", or "" when there is no value."""
    if value is None:
        return ""
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(share: Share) -> str:
    return _number(share.ratio * 100 if share.ratio is not None else None, 2)


def _jalali(day: jdatetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def kpi_csv(report: KpiReport) -> bytes:
    """The report as CSV in the current language, for Excel and other spreadsheets.

    Written by core/spreadsheet.py (UTF-8 with a byte-order mark, formulas made harmless).
    Labels are translated; numbers keep ASCII digits and a "." so that a spreadsheet can
    compute with them, and days are Jalali, written year-month-day so they sort as text.
    Three tables follow each other, separated by an empty row: the figures, conversations
    per day, and conversations per hour of the day.
    """
    query, lang = report.query, current_language.get()
    first_response, resolution = report.first_response, report.resolution
    figures: list[tuple[str, str]] = [
        (gettext("First day"), _jalali(query.first_day)),
        (gettext("Last day"), _jalali(query.last_day)),
        (gettext("Conversations"), str(report.conversations)),
        (gettext("Resolved conversations"), str(report.resolved)),
        (gettext("Conversations answered by a person"), str(first_response.count)),
        (gettext("First response time, median (seconds)"), _number(first_response.median)),
        (gettext("First response time, 90th percentile (seconds)"), _number(first_response.p90)),
        (gettext("Resolution time, median (seconds)"), _number(resolution.median)),
        (gettext("Resolution time, 90th percentile (seconds)"), _number(resolution.p90)),
        (gettext("First-contact resolution (%)"), _percent(report.first_contact_resolution)),
        (gettext("Resolved by the bot (%)"), _percent(report.bot_containment)),
        (gettext("Survey answers"), str(report.csat.answers)),
        (gettext("Customer satisfaction, average (1 to 5)"), _number(report.csat.average, 2)),
        *(
            (gettext("Answers scoring %(score)s") % {"score": format_number(score, lang)},
             str(count))
            for score, count in zip(CSAT_SCORES, report.csat.distribution, strict=True)
        ),
        (gettext("In the queue now"), str(report.waiting.pending)),
        (gettext("Awaiting a reply now"), str(report.waiting.awaiting_reply)),
        (gettext("Longest wait now (seconds)"), _number(report.waiting.longest_wait, 0)),
    ]
    return csv_bytes([
        [gettext("Figure"), gettext("Value")],
        *figures,
        [],
        [gettext("Day"), gettext("Conversations")],
        *((_jalali(v.day), str(v.conversations)) for v in report.per_day),
        [],
        [gettext("Hour"), gettext("Conversations")],
        *((f"{hour:02d}:00", str(n)) for hour, n in enumerate(report.per_hour)),
    ])
