"""Who is at work and who gets the next conversation handed to people.

- `presence.py`: each panel user's status (available, away, offline), kept honest by the
  panel's heartbeat: offline when no panel of theirs was open for OFFLINE_AFTER;
- `policy.py`: the owner's `routing` rule for a team and the pure choice of an agent;
- `assigner.py`: assigning the queue oldest first, atomically (row locks on PostgreSQL),
  returning what an absent agent holds, and recording every assignment with its reason.
"""

from __future__ import annotations

from core.routing.assigner import (
    ASSIGNMENT_TOPIC,
    Assigned,
    AssignmentReason,
    Router,
    record_assignment,
)
from core.routing.policy import Candidate, RoutingMode, Rule, choose, rule_for
from core.routing.presence import (
    OFFLINE_AFTER,
    PRESENCE_STATUS_TOPIC,
    AgentStatus,
    Presence,
    roster,
    seen,
    set_status,
    shown_status,
    status_of,
)

__all__ = [
    "ASSIGNMENT_TOPIC",
    "OFFLINE_AFTER",
    "PRESENCE_STATUS_TOPIC",
    "AgentStatus",
    "Assigned",
    "AssignmentReason",
    "Candidate",
    "Presence",
    "Router",
    "RoutingMode",
    "Rule",
    "choose",
    "record_assignment",
    "roster",
    "rule_for",
    "seen",
    "set_status",
    "shown_status",
    "status_of",
]
