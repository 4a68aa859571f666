"""The share of targets met, per team and per agent, by Jalali week (from Saturday) and
month, for the KPI page and its CSV.

Counted over the conversations handed to people within the KPI range (core/kpis.py's
`KpiQuery`, with its channel, team and agent filters), each placed in the week and month of
its handoff in the owner's time zone. A target counts once it is decided: met when the reply
or the resolve came within it, missed when it came later or has not come and the time is
past; one still running counts nowhere yet. Each next response (the customer wrote again
after a reply) is one more target. The agent is the one the conversation is assigned to."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import jdatetime

from core.db import connection, query_rows
from core.formats import week_index
from core.i18n import gettext, lazy_gettext
from core.kpis import KpiQuery, _bound
from core.models import Author
from core.owner_config import OwnerDocument, load_stored
from core.spreadsheet import csv_bytes
from core.sqlvalues import from_db_time
from core.targets.clocks import TargetKind, budget, targets_of
from core.targets.hours import OpenHours, due_at, hours_of_team, open_seconds

KIND_NAMES = {TargetKind.FIRST_RESPONSE: lazy_gettext("First response"),
              TargetKind.NEXT_RESPONSE: lazy_gettext("Next response"),
              TargetKind.RESOLUTION: lazy_gettext("Resolution")}
WEEK, MONTH = "week", "month"
TEAM, AGENT = "team", "agent"


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    met: int = 0
    total: int = 0

    @property
    def ratio(self) -> float | None:
        return self.met / self.total if self.total else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareRow:
    period_kind: str  # week | month
    period: str  # "1405-09-08" (the week's Saturday) or "1405-09"
    group: str  # team | agent
    name: str
    tallies: dict[TargetKind, Tally]


async def targets_report(query: KpiQuery, now: dt.datetime,
                         document: OwnerDocument | None = None) -> tuple[ShareRow, ...]:
    document = document or await load_stored()
    conn = connection()
    start, end = query.utc_bounds()
    clauses, values = ["c.handed_off_at >= ?", "c.handed_off_at < ?"], [
        _bound(conn, start), _bound(conn, end)]
    for column, value in (("c.channel_id", query.channel_id), ("c.team_id", query.team_id),
                          ("c.assignee_id", query.agent_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            values.append(value)
    rows = await query_rows(
        conn,
        "SELECT c.id, c.handed_off_at, c.first_response_at, c.resolved_at, t.name AS team,"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
        " COALESCE(NULLIF(u.display_name, ''), u.email) AS agent FROM conversation c"
        " LEFT JOIN team t ON t.id = c.team_id LEFT JOIN \"user\" u ON u.id = c.assignee_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY c.id", values)
    if not rows:
        return ()
    messages = await _messages([row["id"] for row in rows])
    counts: dict[tuple[str, str, str, str], dict[TargetKind, list[int]]] = defaultdict(
        lambda: {kind: [0, 0] for kind in TargetKind})
    zone = ZoneInfo(query.tz)
    for row in rows:
        targets = targets_of(document, row["team"])
        if targets is None:
            continue
        outcomes = _outcomes(row, messages.get(row["id"], []), targets,
                             hours_of_team(document, row["team"]), now)
        local = from_db_time(row["handed_off_at"]).astimezone(zone).date()
        saturday = jdatetime.date.fromgregorian(
            date=local - dt.timedelta(days=week_index(local, tz=query.tz)))
        month = jdatetime.date.fromgregorian(date=local)
        periods = ((WEEK, f"{saturday.year:04d}-{saturday.month:02d}-{saturday.day:02d}"),
                   (MONTH, f"{month.year:04d}-{month.month:02d}"))
        groups = [(TEAM, row["team"] or gettext("No team"))]
        if row["agent"]:
            groups.append((AGENT, row["agent"]))
        for period_kind, period in periods:
            for group, name in groups:
                tally = counts[(period_kind, period, group, name)]
                for kind, met in outcomes:
                    tally[kind][0] += int(met)
                    tally[kind][1] += 1
    return tuple(
        ShareRow(period_kind=key[0], period=key[1], group=key[2], name=key[3],
                 tallies={kind: Tally(met=m, total=t) for kind, (m, t) in tally.items()})
        for key, tally in sorted(counts.items(), key=lambda item: (
            item[0][0] != WEEK, item[0][1], item[0][2] != TEAM, item[0][3])))


async def _messages(conversation_ids: list[int]) -> dict[int, list[tuple[str, dt.datetime]]]:
    found: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for at in range(0, len(conversation_ids), 500):
        part = conversation_ids[at:at + 500]
        rows = await query_rows(
            connection(),
            "SELECT conversation_id, author, created_at FROM message"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
            f" WHERE conversation_id IN ({', '.join('?' * len(part))}) AND author IN (?, ?)"
            " ORDER BY conversation_id, created_at, id",
            [*part, Author.CUSTOMER.value, Author.AGENT.value])
        for row in rows:
            found[row["conversation_id"]].append((row["author"], from_db_time(row["created_at"])))
    return found


def _outcomes(row: dict, messages: list[tuple[str, dt.datetime]], targets,
              hours: OpenHours | None, now: dt.datetime) -> list[tuple[TargetKind, bool]]:
    """(target, met) for every target of this conversation that is decided by `now`."""
    handed_off = from_db_time(row["handed_off_at"])
    decided: list[tuple[TargetKind, bool]] = []

    def judge(kind: TargetKind, started: dt.datetime, ended: dt.datetime | None,
              seconds: float | None) -> None:
        if seconds is None:
            return
        if ended is not None:
            decided.append((kind, open_seconds(hours, started, ended) <= seconds))
            return
        due = due_at(hours, started, seconds)
        if due is not None and due < now:
            decided.append((kind, False))

    judge(TargetKind.FIRST_RESPONSE, handed_off, from_db_time(row["first_response_at"]),
          budget(targets, TargetKind.FIRST_RESPONSE))
    judge(TargetKind.RESOLUTION, handed_off, from_db_time(row["resolved_at"]),
          budget(targets, TargetKind.RESOLUTION))
    next_budget = budget(targets, TargetKind.NEXT_RESPONSE)
    replied, waiting_since = False, None
    for author, moment in messages:
        if moment < handed_off:
            continue
        if author == Author.AGENT.value:
            if waiting_since is not None:
                judge(TargetKind.NEXT_RESPONSE, waiting_since, moment, next_budget)
            replied, waiting_since = True, None
        elif replied and waiting_since is None:
            waiting_since = moment
    if waiting_since is not None:
        judge(TargetKind.NEXT_RESPONSE, waiting_since, None, next_budget)
    return decided


def _share(tally: Tally) -> str:
    return "" if tally.ratio is None else f"{tally.ratio * 100:.1f}"


def targets_csv(rows: tuple[ShareRow, ...]) -> bytes:
    """One line per period, team or agent and target: met, decided, share met (%)."""
    period_names = {WEEK: gettext("Week"), MONTH: gettext("Month")}
    group_names = {TEAM: gettext("Team"), AGENT: gettext("Agent")}
    return csv_bytes([
        [gettext("Period"), gettext("Starts"), gettext("Of"), gettext("Name"),
         gettext("Target"), gettext("Met"), gettext("Decided"), gettext("Met (%)")],
        *([period_names[row.period_kind], row.period, group_names[row.group], row.name,
           str(KIND_NAMES[kind]), str(tally.met), str(tally.total), _share(tally)]
          for row in rows for kind, tally in row.tallies.items() if tally.total),
    ])
