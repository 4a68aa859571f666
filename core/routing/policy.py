"""The owner's routing rule for a team, and the choice of an agent: pure functions.

Round robin by longest wait: of the members who may take one more (under the cap, and
available when the rule asks for it), the one whose last new conversation is the oldest
gets it; one who never had one comes first, ties go to the lower id so the order is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.owner_config import OwnerDocument, Routing


class RoutingMode(StrEnum):
    ROUND_ROBIN = "round_robin"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    mode: RoutingMode = RoutingMode.MANUAL
    max_open: int | None = None  # None: no cap
    only_available: bool = True


MANUAL = Rule()


def rule_for(document: OwnerDocument, team_name: str | None) -> Rule:
    """The team's own `routing`, else the document's, else manual."""
    team = next((t for t in document.teams if t.name == team_name), None)
    section = (team.routing if team is not None else None) or document.routing
    return _rule(section) if section is not None else MANUAL


def _rule(section: Routing) -> Rule:
    return Rule(mode=RoutingMode(section.mode), max_open=section.max_open_per_agent,
                only_available=section.only_available)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    user_id: int
    available: bool
    open_count: int
    last_assigned_at: datetime | None


def choose(candidates: Sequence[Candidate], rule: Rule) -> int | None:
    """The user id who gets the next conversation, or None when nobody can take it."""
    eligible = [c for c in candidates
                if (c.available or not rule.only_available)
                and (rule.max_open is None or c.open_count < rule.max_open)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (c.last_assigned_at is not None,
                                        c.last_assigned_at or datetime.min, c.user_id)).user_id
