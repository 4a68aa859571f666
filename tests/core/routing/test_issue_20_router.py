"""Issue 20: the queue assigned on both databases: oldest first, capacity, presence,
business hours, returns to the queue, and every assignment recorded with its reason."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import Assignment, Conversation, User
from core.owner_config import Routing
from core.routing import OFFLINE_AFTER, AssignmentReason, Presence, Router, roster
from tests.core.routing.helpers import agent, configure, minutes, present, waiting

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ROUND_ROBIN = Routing(mode="round_robin", max_open_per_agent=2)


def router(world, *, now: datetime = NOW, open_now=lambda team, at: True) -> Router:
    return Router(world.bus, open_now, clock=lambda: now)


async def assignee(conversation_id: int) -> int | None:
    return (await Conversation.get(id=conversation_id)).assignee_id


async def test_oldest_first_round_robin_up_to_capacity(world) -> None:
    await configure(ROUND_ROBIN)
    ali, sara = await agent("ali@shop.ir"), await agent("sara@shop.ir")
    await present(ali, NOW)
    await present(sara, NOW)
    ids = [await waiting(world, NOW - minutes(10 - n)) for n in range(5)]

    assigned = await router(world).assign_waiting()

    assert [a.conversation_id for a in assigned] == ids[:4]
    assert [await assignee(i) for i in ids] == [ali, sara, ali, sara, None]
    reasons = await Assignment.filter(user_id__not_isnull=True).values_list("reason", flat=True)
    assert list(reasons) == [AssignmentReason.ROUND_ROBIN.value] * 4


async def test_when_someone_frees_up_the_oldest_waiting_one_goes_next(world) -> None:
    await configure(ROUND_ROBIN)
    ali = await agent("ali@shop.ir")
    await present(ali, NOW)
    first, second = (await waiting(world, NOW - minutes(9)), await waiting(world, NOW - minutes(8)))
    third, fourth = (await waiting(world, NOW - minutes(7)), await waiting(world, NOW - minutes(6)))
    await router(world).assign_waiting()
    assert [await assignee(i) for i in (first, second, third, fourth)] == [ali, ali, None, None]

    await Conversation.filter(id=first).update(status="resolved")
    await router(world).assign_waiting()
    assert await assignee(third) == ali and await assignee(fourth) is None


async def test_away_and_offline_agents_get_none_unless_the_rule_says_so(world) -> None:
    away = await agent("away@shop.ir")
    gone = await agent("gone@shop.ir", team="help")
    await configure(ROUND_ROBIN, {"help": Routing(mode="round_robin", only_available=False)})
    await present(away, NOW, Presence.AWAY)
    await present(gone, NOW - OFFLINE_AFTER - minutes(1))
    no_team, helped = await waiting(world, NOW - minutes(2)), await waiting(world, NOW, team="help")

    await router(world).assign_waiting()

    assert await assignee(no_team) is None  # the only agent is away
    assert await assignee(helped) == gone  # "help" assigns present or not
    statuses = {s.user_id: s.status for s in await roster(NOW)}
    assert statuses[away] == Presence.AWAY and statuses[gone] == Presence.OFFLINE


async def test_outside_business_hours_it_waits_and_manual_teams_are_left_alone(world) -> None:
    ali = await agent("ali@shop.ir", team="sales")
    await present(ali, NOW)
    await configure(ROUND_ROBIN, {"sales": Routing(mode="manual")})
    sales, general = await waiting(world, NOW, team="sales"), await waiting(world, NOW)

    closed = router(world, open_now=lambda team, at: False)
    assert await closed.assign_waiting() == []
    await router(world).assign_waiting()
    assert await assignee(sales) is None  # manual: an owner or agent assigns it
    assert await assignee(general) == ali


async def test_an_agent_who_goes_offline_or_is_deactivated_gives_them_back(world) -> None:
    await configure(ROUND_ROBIN)
    ali, sara = await agent("ali@shop.ir"), await agent("sara@shop.ir")
    await present(ali, NOW)
    await present(sara, NOW)
    first, second = await waiting(world, NOW - minutes(2)), await waiting(world, NOW - minutes(1))
    await router(world).assign_waiting()
    assert (await assignee(first), await assignee(second)) == (ali, sara)

    later = NOW + OFFLINE_AFTER + minutes(1)
    await present(sara, later)  # sara's panel is open; ali's is not
    await User.filter(id=sara).update(active=False)
    changes = await router(world, now=later).run_once()

    reasons = {(c.conversation_id, c.user_id, c.reason) for c in changes}
    assert (first, None, AssignmentReason.AGENT_OFFLINE) in reasons
    assert (second, None, AssignmentReason.AGENT_DEACTIVATED) in reasons
    assert await assignee(first) is None and await assignee(second) is None
    history = await Assignment.filter(conversation_id=first).order_by("id").values_list(
        "user_id", "reason")
    assert history == [(ali, "round_robin"), (None, "agent_offline")]

    await present(ali, later)  # back: the queue is his again
    await router(world, now=later).run_once()
    assert await assignee(first) == ali and await assignee(second) == ali
