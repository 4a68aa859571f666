"""Pacing of outbound sends: slots planned ahead (`Pacer`), real sends kept apart
(`Spacing`) and real sends held to the platform's own count (`SendWindows`).

`Pacer` plans with the generic cell rate algorithm (GCRA): one number per key (the
theoretical arrival time) instead of a log of timestamps; keys whose time has passed carry no
information and are pruned, so the map stays as small as the set of chats written to in the
last few seconds. Under a limit the platform counts in a window (`Pace.per_window`: Telegram's
30 a second per bot, WhatsApp's 80 per number) it also keeps the last `per_window` slots it
gave, so that the slots a late pass of the outbox missed are made up rather than lost for
good, and no `per_window` planned sends fall within one window. There a reply to someone
writing now is not planned behind the proactive sends claimed ahead of it: it goes first.

`SendWindows` holds each real send under such a limit, just before the platform call, until
the window as the platform counts it has room, replies first. The planned slots alone cannot
promise that: a send waits for its slot, for `send_started` to be committed with the next
batch of outcomes and for a busy event loop, so sends planned apart reached the platform
together (up to 0.65 s late in the broadcast benchmark), and each 429 held the whole bot for
a second: 62–125 per bot in a run, which had Telegram and Bale finish their part of it at
0.65 of the floor their limits allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from core.clock import Clock
from core.delivery import Pace

_Slot = tuple[str, str]


def _span(pace: Pace) -> float:
    """The window the planner keeps a windowed pace's slots in: `per_window` intervals, so
    a little wider than the platform's own where the transport paces under its limit."""
    return pace.interval * pace.per_window


@dataclass(slots=True)
class _Planned:
    """A windowed key's latest slots, at most `per_window`, and the window they fill."""

    slots: deque[float]
    span: float


class Pacer:
    def __init__(self) -> None:
        self._next_free: dict[_Slot, float] = {}
        self._planned: dict[_Slot, _Planned] = {}  # windowed paces only
        self._held: dict[_Slot, float] = {}  # until when the platform said wait (429)

    def wait_time(self, paces: Sequence[Pace], now: float, *, since: float | None = None,
                  first: bool = False) -> float:
        """Seconds until every pace allows one more send (0 when it may go now).

        `since`: when the pass asking was due. Under a windowed pace, the slots from then on
        that the pass missed by coming late are still given (to `take` with the same
        `since`). `first`: a reply to someone writing now, which goes ahead of the slots
        planned for proactive sends under a windowed pace (its slot there comes from the
        send's place in `SendWindows`, where replies go first); other paces (one chat's,
        one customer's) it keeps like any send."""
        wait = 0.0
        for pace in paces:
            slot = (pace.limit, pace.key)
            wait = max(wait, self._held.get(slot, now) - now)
            if first and pace.per_window:
                continue
            start = now if since is None or not pace.per_window else min(since, now)
            earliest = max(self._next_free.get(slot, start), start)
            allowance = pace.interval * (pace.burst - 1)
            wait = max(wait, earliest - allowance - now)
            planned = self._planned.get(slot)
            if planned is not None and len(planned.slots) >= pace.per_window:
                wait = max(wait, planned.slots[-pace.per_window] + _span(pace) - now)
        return wait

    def take(self, paces: Sequence[Pace], at: float, *, since: float | None = None,
             first: bool = False) -> None:
        """Gives the send time `at` (now + `wait_time`, with the same `since` and `first`)
        to one send under every pace. A reply going first still moves the windowed pace's
        next slot on by one interval, so the proactive sends planned after it leave it room."""
        for pace in paces:
            slot = (pace.limit, pace.key)
            start = at if since is None or not pace.per_window else min(since, at)
            self._next_free[slot] = max(self._next_free.get(slot, start), start) + pace.interval
            if pace.per_window and not first:
                planned = self._planned.get(slot)
                if planned is None or planned.slots.maxlen != pace.per_window:
                    planned = self._planned[slot] = _Planned(
                        deque(planned.slots if planned else (), pace.per_window), _span(pace))
                planned.slots.append(at)  # when it goes: a made-up slot goes at once

    def hold(self, pace: Pace, until: float) -> None:
        """The platform said wait (429): nothing under this key goes before `until`."""
        slot = (pace.limit, pace.key)
        self._held[slot] = max(self._held.get(slot, until), until)

    def prune(self, now: float) -> None:
        """Forgets keys with nothing left to limit: once their time has come and, for a
        windowed key, its last planned send is a window old."""
        idle = [slot for slot, free_at in self._next_free.items() if free_at <= now
                and (slot not in self._planned
                     or self._planned[slot].slots[-1] + self._planned[slot].span <= now)]
        for slot in idle:
            del self._next_free[slot]
            self._planned.pop(slot, None)
        self._held = {slot: until for slot, until in self._held.items() if until > now}

    def __len__(self) -> int:
        return len(self._next_free) + len(self._held)


# Share of a pace's interval two real sends of one key stay apart. The transports pace 2 %
# under the platforms' limits (their SAFETY of 1.02), so 0.98 keeps even a run of sends woken
# late at the limit itself; 0.9 let such a run go 9 % over it, and the broadcast benchmark saw
# 30–60 answers 429 per bot, each holding the whole bot for a second.
MIN_SPACING = 0.98


class Spacing:
    """Sends are planned on slots, but a busy event loop can wake several late at the same
    moment; so each also keeps most of an interval from the previous real send of its key
    (not all of it, or the small lateness of every wake-up would add up). Only under limits
    without a burst: where the platform allows sends back to back (a WhatsApp customer's
    45), spacing them a whole interval (6 s) apart held a writer's second answer for 5.5 s,
    and every later send of the number behind it. Nor under limits the platform counts in a
    window: `SendWindows` holds those at the call."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._free_at: dict[_Slot, float] = {}

    async def keep(self, paces: Sequence[Pace]) -> None:
        spaced = [pace for pace in paces if pace.burst == 1 and not pace.per_window]
        now = self._clock.monotonic()
        start = max([now] + [self._free_at.get((p.limit, p.key), now) for p in spaced])
        for pace in spaced:
            self._free_at[(pace.limit, pace.key)] = start + pace.interval * MIN_SPACING
        if start > now:
            await self._clock.sleep(start - now)

    def prune(self, now: float) -> None:
        self._free_at = {slot: at for slot, at in self._free_at.items() if at > now}


@dataclass(slots=True)
class _Window:
    """One windowed key's real sends: how many are at the platform, when the others'
    answers came back, and the sends waiting for room (a heap, first to go on top)."""

    ended: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    waiting: list[tuple[tuple[int, float], int, asyncio.Event]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # for the one on top

    def idle(self, now: float, window: float) -> bool:
        return not self.in_flight and not self.waiting and (
            not self.ended or self.ended[-1] <= now - window)

    def tell_the_first(self) -> None:
        """Only the send on top watches the window; the others wait to be on top (a send
        answered would otherwise wake every one waiting, 80 a second at WhatsApp's pace)."""
        if self.waiting:
            self.waiting[0][2].set()
        self.changed.set()


class SendWindows:
    """At most `per_window` real sends of a key in any `window` seconds, as the platform
    counts them. The platform counts a send at some moment between our call and its answer,
    so a send takes its place in the window from its call until `window` after its answer:
    however long the round trip and however the sends bunch, no window at the platform can
    hold one more (the cost: the round trip, a few milliseconds a window here). Sends
    waiting for room go in the order of their rank: replies before proactive sends, then by
    slot."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[tuple[_Slot, float], _Window] = {}
        self._order = itertools.count()

    @contextlib.asynccontextmanager
    async def sending(self, paces: Sequence[Pace], rank: tuple[int, float]
                      ) -> AsyncIterator[None]:
        """Around one platform call: waits for room under each windowed pace first.
        `rank`: (priority, slot), lowest first."""
        counted = sorted({((p.limit, p.key), p.window, p.per_window)
                          for p in paces if p.per_window})
        taken: list[_Window] = []
        try:
            for slot, window, per_window in counted:
                held = self._windows.setdefault((slot, window), _Window())
                await self._room(held, window, per_window, rank)
                taken.append(held)
            yield
        finally:
            now = self._clock.monotonic()
            for held in taken:
                held.in_flight -= 1
                held.ended.append(now)
                held.changed.set()

    async def _room(self, held: _Window, window: float, per_window: int,
                    rank: tuple[int, float]) -> None:
        place = (rank, next(self._order), asyncio.Event())
        heapq.heappush(held.waiting, place)
        try:
            while True:
                if held.waiting[0] is not place:
                    place[2].clear()
                    await place[2].wait()
                    continue
                now = self._clock.monotonic()
                while held.ended and held.ended[0] <= now - window:
                    held.ended.popleft()
                if held.in_flight + len(held.ended) < per_window:
                    heapq.heappop(held.waiting)
                    held.in_flight += 1
                    held.tell_the_first()  # the next may fit too
                    return
                # Room comes when the oldest answer is a window old, or sooner if a send
                # still at the platform answers (it then counts from its answer); a send
                # ranked before this one may come meanwhile.
                frees = held.ended[0] + window - now if held.ended else window
                held.changed.clear()
                await self._clock.wait(held.changed, frees)
        finally:
            if place in held.waiting:  # cancelled while waiting
                held.waiting.remove(place)
                heapq.heapify(held.waiting)
                held.tell_the_first()

    def queued(self, paces: Sequence[Pace]) -> float:
        """Seconds the sends already waiting for room under these paces take at their pace.
        The outbox plans a proactive send no sooner: the window admits a little slower than
        the planner's pace (a send keeps its place until its answer), and the sends planned
        beyond it waited here, claimed and marked started, 2.4 s at the 99th percentile by
        the end of the broadcast benchmark, and growing with a longer broadcast."""
        return max((len(held.waiting) * p.interval for p in paces if p.per_window
                    and (held := self._windows.get(((p.limit, p.key), p.window)))), default=0.0)

    def prune(self, now: float) -> None:
        idle = [key for key, held in self._windows.items() if held.idle(now, key[1])]
        for key in idle:
            del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)
