"""How a conversation stands against its team's response-time targets.

A conversation handed to people is measured from its handoff: the first response (an
agent's first reply), every next response (the customer wrote again after a reply, until
the next reply) and the resolution. Only business time counts (core/targets/hours.py). The
inbox shows, for each waiting conversation, the target that runs out first: the time left,
or by how much it is past."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.db import connection, query_rows
from core.events import ConversationStatus
from core.models import Author
from core.owner_config import OwnerDocument, Targets, load_stored
from core.sqlvalues import from_db_time
from core.targets.hours import OpenHours, due_at, hours_of_team, open_seconds


class TargetKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


MINUTES_FIELD = {TargetKind.FIRST_RESPONSE: "first_response_minutes",
                 TargetKind.NEXT_RESPONSE: "next_response_minutes",
                 TargetKind.RESOLUTION: "resolution_minutes"}


def targets_of(document: OwnerDocument, team: str | None) -> Targets | None:
    item = next((t for t in document.teams if t.name == team), None)
    return (item.targets if item is not None else None) or document.targets


def budget(targets: Targets | None, kind: TargetKind) -> float | None:
    """The target in seconds of business time; None when the owner set none."""
    minutes = getattr(targets, MINUTES_FIELD[kind]) if targets is not None else None
    return minutes * 60.0 if minutes is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetClock:
    kind: TargetKind
    due_at: dt.datetime
    seconds_left: float  # business time; negative: past the target by that much

    @property
    def breached(self) -> bool:
        return self.seconds_left < 0


def clock(kind: TargetKind, hours: OpenHours | None, started: dt.datetime, seconds: float,
          now: dt.datetime) -> TargetClock | None:
    due = due_at(hours, started, seconds)
    if due is None:
        return None
    left = open_seconds(hours, now, due) if due > now else -open_seconds(hours, due, now)
    return TargetClock(kind=kind, due_at=due, seconds_left=left)


async def waiting_clocks(conversation_ids: Sequence[int], now: dt.datetime,
                         document: OwnerDocument | None = None) -> dict[int, TargetClock]:
    """For each of these conversations waiting for people, the target that runs out first;
    conversations with no target running are left out."""
    if not conversation_ids:
        return {}
    document = document or await load_stored()
    if document.targets is None and not any(t.targets for t in document.teams):
        return {}
    conn = connection()
    marks = ", ".join("?" * len(conversation_ids))
    rows = await query_rows(
        conn,
        "SELECT c.id, c.created_at, c.handed_off_at, c.first_response_at, t.name AS team"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
        " FROM conversation c LEFT JOIN team t ON t.id = c.team_id"
        f" WHERE c.id IN ({marks}) AND c.status = ?",
        [*conversation_ids, ConversationStatus.PENDING.value])
    waits = await customer_waits(conversation_ids)
    clocks: dict[int, TargetClock] = {}
    for row in rows:
        targets = targets_of(document, row["team"])
        if targets is None:
            continue
        hours = hours_of_team(document, row["team"])
        started = from_db_time(row["handed_off_at"] or row["created_at"])
        running = []
        first = budget(targets, TargetKind.FIRST_RESPONSE)
        nxt = budget(targets, TargetKind.NEXT_RESPONSE)
        resolution = budget(targets, TargetKind.RESOLUTION)
        if row["first_response_at"] is None:
            if first is not None:
                running.append(clock(TargetKind.FIRST_RESPONSE, hours, started, first, now))
        elif nxt is not None and row["id"] in waits:
            running.append(clock(TargetKind.NEXT_RESPONSE, hours, waits[row["id"]], nxt, now))
        if resolution is not None:
            running.append(clock(TargetKind.RESOLUTION, hours, started, resolution, now))
        running = [c for c in running if c is not None]
        if running:
            clocks[row["id"]] = min(running, key=lambda c: c.seconds_left)
    return clocks


async def customer_waits(conversation_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """Since when the customer has waited for a reply: their first message after the last
    agent's reply (conversations where the last word is an agent's are left out)."""
    marks = ", ".join("?" * len(conversation_ids))
    rows = await query_rows(
        connection(),
        "SELECT m.conversation_id, MIN(m.created_at) AS since FROM message m"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
        f" WHERE m.conversation_id IN ({marks}) AND m.author = ? AND NOT EXISTS"
        " (SELECT 1 FROM message a WHERE a.conversation_id = m.conversation_id"
        "  AND a.author = ? AND a.created_at >= m.created_at)"
        " GROUP BY m.conversation_id",
        [*conversation_ids, Author.CUSTOMER.value, Author.AGENT.value])
    return {row["conversation_id"]: from_db_time(row["since"]) for row in rows}
