"""Pacing of outbound sends with the generic cell rate algorithm (GCRA).

One number per key (the theoretical arrival time) instead of a log of timestamps; keys
whose time has passed carry no information and are pruned, so the map stays as small as
the set of chats written to in the last few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.delivery import Pace


class Pacer:
    def __init__(self) -> None:
        self._next_free: dict[tuple[str, str], float] = {}

    def wait_time(self, paces: Sequence[Pace], now: float) -> float:
        """Seconds until every pace allows one more send (0 when it may go now)."""
        wait = 0.0
        for pace in paces:
            earliest = self._next_free.get((pace.limit, pace.key), now)
            allowance = pace.interval * (pace.burst - 1)
            wait = max(wait, earliest - allowance - now)
        return wait

    def take(self, paces: Sequence[Pace], at: float) -> None:
        for pace in paces:
            slot = (pace.limit, pace.key)
            self._next_free[slot] = max(self._next_free.get(slot, at), at) + pace.interval

    def hold(self, pace: Pace, until: float) -> None:
        """The platform said wait (429): nothing under this key goes before `until`."""
        slot = (pace.limit, pace.key)
        blocked_until = until + pace.interval * (pace.burst - 1)
        self._next_free[slot] = max(self._next_free.get(slot, blocked_until), blocked_until)

    def prune(self, now: float) -> None:
        idle = [slot for slot, free_at in self._next_free.items() if free_at <= now]
        for slot in idle:
            del self._next_free[slot]

    def __len__(self) -> int:
        return len(self._next_free)
