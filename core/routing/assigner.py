"""Assigning the queue: each conversation handed to people, oldest first, goes to the member
of its team (or of all agents, when it has none) whom the team's rule chooses
(core/routing/policy.py), within the team's business hours. What an agent leaves (offline
with it open, deactivated) returns to the queue. Every change is an `assignment` row.

Several processes may route at once (PostgreSQL and Redis). One conversation is assigned in
one transaction that first locks its row and then the candidates' presence rows in id
order. The row lock waits (no SKIP LOCKED): a process that skipped a conversation another
one had in hand could give the last free place to a newer one, and the older would be left
waiting (seen in the two-process test). The open counts are read under the presence locks,
so no agent goes over the cap and no conversation is assigned twice; a transaction holds no
other lock while it waits for a conversation's row, and takes the presence rows in a fixed
order, so two processes never wait on each other in a circle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.bus import Bus
from core.clock import utcnow
from core.db import connection, dialect_sql, is_postgres, query_rows
from core.events import ConversationStatus
from core.models import Role
from core.owner_config import OwnerDocument, load_stored
from core.routing.policy import Candidate, RoutingMode, Rule, choose, rule_for
from core.routing.presence import Presence, shown_status
from core.sqlvalues import db_time, from_db_time

ASSIGNMENT_TOPIC = "conversation.assigned"
QUEUE_BATCH = 200  # conversations looked at per pass; the next pass takes the rest
# What counts toward an agent's cap: the conversations they have in hand.
OPEN_STATUSES = (ConversationStatus.OPEN.value, ConversationStatus.PENDING.value)


class AssignmentReason(StrEnum):
    ROUND_ROBIN = "round_robin"
    MANUAL = "manual"
    AGENT_OFFLINE = "agent_offline"
    AGENT_DEACTIVATED = "agent_deactivated"


@dataclass(frozen=True, slots=True, kw_only=True)
class Assigned:
    conversation_id: int
    user_id: int | None  # None: back to the queue
    reason: AssignmentReason
    assignment_id: int = 0  # the `assignment` row


# A team's name (None: no team) → whether it is within its business hours now.
OpenNow = Callable[[str | None, datetime], bool]


async def record_assignment(conn: BaseDBAsyncClient, *, conversation_id: int,
                            user_id: int | None, reason: AssignmentReason,
                            by: int | None, now: datetime) -> int:
    """Returns the record's id (the notification of it names it)."""
    inserted = await query_rows(
        conn, "INSERT INTO assignment (conversation_id, user_id, reason, by_id, created_at)"
              " VALUES (?, ?, ?, ?, ?) RETURNING id",
        [conversation_id, user_id, reason.value, by, db_time(conn, now)],
    )
    return inserted[0]["id"]


class Router:
    def __init__(self, bus: Bus, open_now: OpenNow,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._bus = bus
        self._open_now = open_now
        self._clock = clock

    async def run_once(self) -> list[Assigned]:
        """Returns what an absent agent holds to the queue, then assigns the queue."""
        document = await load_stored()
        changes = await self.return_abandoned(document)
        changes += await self.assign_waiting(document)
        return changes

    async def assign_waiting(self, document: OwnerDocument | None = None) -> list[Assigned]:
        """Assigns waiting conversations, oldest first, as far as agents can take them."""
        document = document or await load_stored()
        now = self._clock()
        conn = connection()
        waiting = await query_rows(
            conn,
            "SELECT c.id, c.team_id, t.name AS team FROM conversation c"
            " LEFT JOIN team t ON t.id = c.team_id"
            " WHERE c.status = ? AND c.assignee_id IS NULL"
            " ORDER BY COALESCE(c.handed_off_at, c.created_at), c.id LIMIT ?",
            [ConversationStatus.PENDING.value, QUEUE_BATCH],
        )
        assigned: list[Assigned] = []
        full: set[int | None] = set()  # teams nobody can take more of in this pass
        for row in waiting:
            rule = rule_for(document, row["team"])
            if (rule.mode != RoutingMode.ROUND_ROBIN or row["team_id"] in full
                    or not self._open_now(row["team"], now)):
                continue
            was_waiting, made = await self._assign_one(row["id"], row["team_id"], rule, now)
            if made is None:
                if was_waiting:  # (else another process has just assigned it)
                    full.add(row["team_id"])
                continue
            user_id, assignment_id = made
            assigned.append(Assigned(conversation_id=row["id"], user_id=user_id,
                                     reason=AssignmentReason.ROUND_ROBIN,
                                     assignment_id=assignment_id))
        await self._tell(assigned)
        return assigned

    async def _assign_one(self, conversation_id: int, team_id: int | None, rule: Rule,
                          now: datetime) -> tuple[bool, tuple[int, int] | None]:
        """Whether it was still waiting, and who has it now with the assignment's id (None:
        nobody could take it)."""
        async with in_transaction("default") as conn:
            locking = " FOR UPDATE" if is_postgres(conn) else ""
            still_waiting = await query_rows(
                conn, "SELECT id FROM conversation WHERE id = ? AND status = ?"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
                      f" AND assignee_id IS NULL{locking}",
                [conversation_id, ConversationStatus.PENDING.value])
            if not still_waiting:
                return False, None
            candidates = await _candidates(conn, team_id, now)
            chosen = choose(candidates, rule)
            if chosen is None:
                return True, None
            moment = db_time(conn, now)
            await conn.execute_query(
                dialect_sql(conn, "UPDATE conversation SET assignee_id = ? WHERE id = ?"
                                  " AND assignee_id IS NULL"), [chosen, conversation_id])
            await conn.execute_query(
                dialect_sql(conn, "UPDATE agent_presence SET last_assigned_at = ?"
                                  " WHERE user_id = ?"), [moment, chosen])
            assignment_id = await record_assignment(
                conn, conversation_id=conversation_id, user_id=chosen,
                reason=AssignmentReason.ROUND_ROBIN, by=None, now=now)
            return True, (chosen, assignment_id)

    async def return_abandoned(self, document: OwnerDocument | None = None) -> list[Assigned]:
        """Conversations in hand of a deactivated agent, or of one who is offline in a team
        whose rule routes to available agents only, go back to the queue."""
        document = document or await load_stored()
        now = self._clock()
        conn = connection()
        rows = await query_rows(
            conn,
            "SELECT c.id, c.assignee_id, t.name AS team, u.active, p.status, p.seen_at"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
            " FROM conversation c JOIN \"user\" u ON u.id = c.assignee_id"
            " LEFT JOIN team t ON t.id = c.team_id"
            " LEFT JOIN agent_presence p ON p.user_id = c.assignee_id"
            f" WHERE c.status IN ({', '.join('?' * len(OPEN_STATUSES))})"
            " ORDER BY c.id LIMIT ?",
            [*OPEN_STATUSES, QUEUE_BATCH * 10],
        )
        returned: list[Assigned] = []
        for row in rows:
            reason = _leaving(row, rule_for(document, row["team"]), now)
            if reason is None:
                continue
            async with in_transaction("default") as tx:
                changed, _ = await tx.execute_query(
                    dialect_sql(tx, "UPDATE conversation SET assignee_id = NULL WHERE id = ?"
                                    " AND assignee_id = ?"), [row["id"], row["assignee_id"]])
                if not changed:
                    continue
                await record_assignment(tx, conversation_id=row["id"], user_id=None,
                                        reason=reason, by=None, now=now)
            returned.append(Assigned(conversation_id=row["id"], user_id=None, reason=reason))
        await self._tell(returned)
        return returned

    async def _tell(self, changes: Sequence[Assigned]) -> None:
        """The open panels refresh; the agent who got one is told (notifications)."""
        await self._bus.publish_many("conversation.updated", [
            {"conversation_id": change.conversation_id} for change in changes])
        await self._bus.publish_many(ASSIGNMENT_TOPIC, [
            {"conversation_id": change.conversation_id, "user_id": change.user_id,
             "reason": change.reason.value, "assignment_id": change.assignment_id}
            for change in changes if change.user_id])


def _leaving(row: dict, rule: Rule, now: datetime) -> AssignmentReason | None:
    if not row["active"]:
        return AssignmentReason.AGENT_DEACTIVATED
    if rule.mode != RoutingMode.ROUND_ROBIN or not rule.only_available:
        return None
    status = shown_status(row["status"] or Presence.AVAILABLE.value,
                          from_db_time(row["seen_at"]), now)
    return AssignmentReason.AGENT_OFFLINE if status == Presence.OFFLINE else None


async def _candidates(conn: BaseDBAsyncClient, team_id: int | None,
                      now: datetime) -> list[Candidate]:
    """The team's active members (all active agents for no team), their presence rows
    made if missing and locked in id order, and how many conversations each has open."""
    if team_id is None:
        users = await query_rows(conn, "SELECT id FROM \"user\" WHERE active = ? AND role = ?"
                                       " ORDER BY id", [True, Role.AGENT.value])
    else:
        users = await query_rows(
            conn, "SELECT u.id FROM team_member m JOIN \"user\" u ON u.id = m.user_id"
                  " WHERE m.team_id = ? AND u.active = ? ORDER BY u.id", [team_id, True])
    ids = [row["id"] for row in users]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    await conn.execute_many(
        dialect_sql(conn, "INSERT INTO agent_presence (user_id, status) VALUES (?, ?)"
                          " ON CONFLICT (user_id) DO NOTHING"),
        [[user_id, Presence.AVAILABLE.value] for user_id in ids])
    locking = " FOR UPDATE" if is_postgres(conn) else ""
    presence = await query_rows(
        conn, "SELECT user_id, status, seen_at, last_assigned_at FROM agent_presence"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
              f" WHERE user_id IN ({marks}) ORDER BY user_id{locking}", ids)
    counts = await query_rows(
        conn, "SELECT assignee_id, COUNT(*) AS n FROM conversation"  # nosec B608 # only "?" marks, fixed names and a fixed lock clause are formatted in; values are bound
              f" WHERE assignee_id IN ({marks})"
              f" AND status IN ({', '.join('?' * len(OPEN_STATUSES))}) GROUP BY assignee_id",
        [*ids, *OPEN_STATUSES])
    open_count = {row["assignee_id"]: row["n"] for row in counts}
    return [Candidate(
        user_id=row["user_id"],
        available=shown_status(row["status"], from_db_time(row["seen_at"]), now)
        == Presence.AVAILABLE,
        open_count=open_count.get(row["user_id"], 0),
        last_assigned_at=from_db_time(row["last_assigned_at"]),
    ) for row in presence]
