"""Issue 20: the routing choice as a pure function: capacity, availability, fairness."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from core.owner_config import OwnerDocument, Routing, TeamItem
from core.routing import Candidate, RoutingMode, Rule, choose, rule_for

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ROUND_ROBIN = Rule(mode=RoutingMode.ROUND_ROBIN, max_open=2, only_available=True)


def candidate(user_id: int, *, available: bool = True, open_count: int = 0,
              last: datetime | None = None) -> Candidate:
    return Candidate(user_id=user_id, available=available, open_count=open_count,
                     last_assigned_at=last)


def test_the_one_waiting_longest_for_a_new_one_gets_it() -> None:
    chosen = choose([candidate(1, last=T0), candidate(2, last=T0 - timedelta(minutes=5)),
                     candidate(3, last=T0 + timedelta(minutes=1))], ROUND_ROBIN)
    assert chosen == 2


def test_one_who_never_had_one_comes_first_and_ties_go_to_the_lower_id() -> None:
    assert choose([candidate(4, last=T0), candidate(3), candidate(2)], ROUND_ROBIN) == 2


def test_capacity_and_availability_are_skipped() -> None:
    candidates = [candidate(1, open_count=2), candidate(2, available=False),
                  candidate(3, open_count=1, last=T0)]
    assert choose(candidates, ROUND_ROBIN) == 3
    assert choose(candidates[:2], ROUND_ROBIN) is None


def test_without_only_available_absent_members_take_their_turn() -> None:
    rule = Rule(mode=RoutingMode.ROUND_ROBIN, max_open=None, only_available=False)
    assert choose([candidate(1, available=False), candidate(2, last=T0)], rule) == 1
    assert choose([candidate(1, open_count=500)], rule) == 1  # no cap


def test_fair_over_many_handoffs() -> None:
    """1,000 handoffs among five agents, one of them away half of the time: every turn goes
    to whoever waited longest, so those always there end within one of each other."""
    last: dict[int, datetime | None] = dict.fromkeys(range(1, 6))
    given: Counter[int] = Counter()
    rule = Rule(mode=RoutingMode.ROUND_ROBIN, only_available=True)
    for turn in range(1000):
        now = T0 + timedelta(seconds=turn)
        away = 5 if turn % 200 < 100 else None
        chosen = choose([candidate(u, available=u != away, last=last[u]) for u in last], rule)
        assert chosen is not None and chosen != away
        given[chosen] += 1
        last[chosen] = now
    always_there = [given[u] for u in range(1, 5)]
    assert max(always_there) - min(always_there) <= 1
    # Present for 500 turns of five: a fifth of those, no catching up for the absence.
    assert sum(given.values()) == 1000 and 99 <= given[5] <= 101


def test_a_team_rule_overrides_the_document_rule() -> None:
    document = OwnerDocument(
        routing=Routing(mode="round_robin", max_open_per_agent=5),
        teams=[TeamItem(name="sales", routing=Routing(mode="manual")), TeamItem(name="help")])
    assert rule_for(document, "sales").mode == RoutingMode.MANUAL
    assert rule_for(document, "help") == Rule(mode=RoutingMode.ROUND_ROBIN, max_open=5)
    assert rule_for(document, None).max_open == 5
    assert rule_for(OwnerDocument(), None).mode == RoutingMode.MANUAL
