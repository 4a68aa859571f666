"""Each panel user's status: what they chose in the top bar, kept honest by the clock.

Every open panel says "still here" every HEARTBEAT_SECONDS (panel.js). A user none of whose
panels said so for OFFLINE_AFTER shows as offline, whatever they chose, and is back to their
choice with the next heartbeat. The time is always passed in, so tests need no sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.db import connection, dialect_sql, query_rows
from core.sqlvalues import db_time, from_db_time

PRESENCE_STATUS_TOPIC = "agent.presence"
HEARTBEAT_SECONDS = 60
# Three missed heartbeats: a closed laptop lid or a lost tab counts, a slow network does not.
OFFLINE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)


class Presence(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStatus:
    user_id: int
    name: str
    email: str
    role: str
    status: Presence  # what the others see
    chosen: Presence  # what the user chose in the top bar
    seen_at: datetime | None


def shown_status(chosen: str, seen_at: datetime | None, now: datetime) -> Presence:
    """Offline when no panel was open lately; otherwise what the user chose."""
    if seen_at is None or now - seen_at > OFFLINE_AFTER:
        return Presence.OFFLINE
    return Presence(chosen)


async def set_status(user_id: int, status: Presence, now: datetime) -> None:
    """The user's choice; choosing is also a sign of life."""
    conn = connection()
    await conn.execute_query(
        dialect_sql(conn, "INSERT INTO agent_presence (user_id, status, seen_at)"
                          " VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                          " SET status = excluded.status, seen_at = excluded.seen_at"),
        [user_id, status.value, db_time(conn, now)],
    )


async def seen(user_id: int, now: datetime) -> Presence:
    """A panel of this user is open now; returns the status they had just before (so a
    return from offline can be told to the others)."""
    before = await status_of(user_id, now)
    conn = connection()
    await conn.execute_query(
        dialect_sql(conn, "INSERT INTO agent_presence (user_id, status, seen_at)"
                          " VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE"
                          " SET seen_at = excluded.seen_at"),
        [user_id, Presence.AVAILABLE.value, db_time(conn, now)],
    )
    return before.status if before is not None else Presence.OFFLINE


async def roster(now: datetime) -> list[AgentStatus]:
    """Every active panel user with the status the others see, available first."""
    rows = await query_rows(
        connection(),
        "SELECT u.id, u.display_name, u.email, u.role, p.status, p.seen_at FROM \"user\" u"
        " LEFT JOIN agent_presence p ON p.user_id = u.id WHERE u.active = ? ORDER BY u.id",
        [True],
    )
    order = list(Presence)
    statuses = [_status(row, now) for row in rows]
    return sorted(statuses, key=lambda s: order.index(s.status))


async def status_of(user_id: int, now: datetime) -> AgentStatus | None:
    rows = await query_rows(
        connection(),
        "SELECT u.id, u.display_name, u.email, u.role, p.status, p.seen_at FROM \"user\" u"
        " LEFT JOIN agent_presence p ON p.user_id = u.id WHERE u.id = ?",
        [user_id],
    )
    return _status(rows[0], now) if rows else None


def _status(row: dict, now: datetime) -> AgentStatus:
    chosen = Presence(row["status"] or Presence.AVAILABLE.value)
    seen_at = from_db_time(row["seen_at"])
    return AgentStatus(user_id=row["id"], name=row["display_name"] or row["email"],
                       email=row["email"], role=row["role"],
                       status=shown_status(chosen, seen_at, now), chosen=chosen,
                       seen_at=seen_at)
