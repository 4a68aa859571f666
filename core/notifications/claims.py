"""Which notification is due for an event, and the claim that sends it once.

Every process hears every event (the bus), so each would tell the agent. The first whose
insert of (agent, kind, what it is about) succeeds sends it; the others see the conflict and
do nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.db import connection, query_rows
from core.events import ConversationStatus
from core.models import Author
from core.sqlvalues import db_time
from core.targets import waiting_clocks

NOTIFY_TOPIC = "agent.notify"


class NotificationKind(StrEnum):
    ASSIGNED = "assigned"
    CUSTOMER_WROTE = "customer_wrote"
    WAITING_PAST_TARGET = "waiting_past_target"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    user_id: int
    kind: NotificationKind
    conversation_id: int
    ref: str  # what it is about, unique per agent and kind: an assignment, a message

    def as_notice(self) -> dict:
        return {"user_id": self.user_id, "kind": self.kind.value,
                "conversation_id": self.conversation_id}


def for_assignment(notice: dict) -> Notification | None:
    """From a conversation.assigned notice (core/routing/assigner.py)."""
    user_id, conversation_id = notice.get("user_id"), notice.get("conversation_id")
    if not isinstance(user_id, int) or not isinstance(conversation_id, int):
        return None
    return Notification(user_id=user_id, kind=NotificationKind.ASSIGNED,
                        conversation_id=conversation_id,
                        ref=f"assignment:{notice.get('assignment_id', conversation_id)}")


async def for_customer_message(notice: dict) -> Notification | None:
    """From a message.new notice: the customer wrote in a conversation someone has."""
    message_id = notice.get("message_id")
    if not isinstance(message_id, int):
        return None
    rows = await query_rows(
        connection(),
        "SELECT m.conversation_id, c.assignee_id FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id"
        " WHERE m.id = ? AND m.author = ? AND c.assignee_id IS NOT NULL",
        [message_id, Author.CUSTOMER.value])
    if not rows:
        return None
    return Notification(user_id=rows[0]["assignee_id"], kind=NotificationKind.CUSTOMER_WROTE,
                        conversation_id=rows[0]["conversation_id"], ref=f"message:{message_id}")


async def claim(notification: Notification, now: datetime) -> bool:
    """True for the one process that is to send it."""
    conn = connection()
    inserted = await query_rows(
        conn, "INSERT INTO notification_sent (user_id, kind, conversation_id, ref, created_at)"
              " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, kind, ref) DO NOTHING RETURNING id",
        [notification.user_id, notification.kind.value, notification.conversation_id,
         notification.ref, db_time(conn, now)])
    return bool(inserted)


BREACH_BATCH = 1000  # assigned conversations looked at per check


async def for_breaches(now: datetime) -> list[Notification]:
    """A notification for every assigned conversation past one of its targets now; the ref
    names the target and its due time, so each breach is told once."""
    rows = await query_rows(
        connection(),
        "SELECT id, assignee_id FROM conversation WHERE status = ? AND assignee_id IS NOT NULL"
        " ORDER BY id LIMIT ?", [ConversationStatus.PENDING.value, BREACH_BATCH])
    if not rows:
        return []
    assignees = {row["id"]: row["assignee_id"] for row in rows}
    clocks = await waiting_clocks(list(assignees), now)
    return [Notification(user_id=assignees[conversation_id],
                         kind=NotificationKind.WAITING_PAST_TARGET,
                         conversation_id=conversation_id,
                         ref=f"target:{conversation_id}:{clock.kind.value}:"
                             f"{int(clock.due_at.timestamp())}")
            for conversation_id, clock in clocks.items() if clock.breached]
