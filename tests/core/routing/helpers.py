"""Agents, teams and waiting conversations for the routing tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from core.events import ConversationStatus
from core.models import Conversation, Team, TeamMember, User
from core.owner_config import OwnerDocument, Routing, TeamItem, store
from core.routing import Presence, seen, set_status

_chats = itertools.count(1000)


async def agent(email: str, *, team: str | None = None, active: bool = True) -> int:
    user = await User.create(email=email, password_hash="-", role="agent", active=active)
    if team is not None:
        found, _ = await Team.get_or_create(name=team)
        await TeamMember.create(team_id=found.id, user_id=user.id)
    return user.id


async def present(user_id: int, now: datetime, status: Presence = Presence.AVAILABLE) -> None:
    await set_status(user_id, status, now)
    await seen(user_id, now)


async def waiting(world, at: datetime, *, team: str | None = None) -> int:
    """A conversation handed to people at `at`, unassigned."""
    conversation_id = await world.message(next(_chats), "یک نفر لطفاً")
    team_id = (await Team.get(name=team)).id if team else None
    await Conversation.filter(id=conversation_id).update(
        status=ConversationStatus.PENDING.value, handed_off_at=at, team_id=team_id)
    return conversation_id


async def configure(routing: Routing | None,
                    teams: dict[str, Routing | None] | None = None) -> None:
    """Stores the routing rules; the teams keep the members they have."""
    items = []
    for name, rule in (teams or {}).items():
        members = await User.filter(memberships__team__name=name).values_list("email", flat=True)
        items.append(TeamItem(name=name, members=list(members), routing=rule))
    await store(OwnerDocument(routing=routing, teams=items))


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)
