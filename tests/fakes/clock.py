"""A `core.clock.Clock` whose time moves only when told, so tests of background loops (the
outbox worker's pacing, retries and polls) advance time instead of sleeping through it.

`advance(seconds)` moves it by hand. `async with clock.jumping():` moves it for you: whenever
some task waits on it, time jumps to the earliest deadline after a real pause of `tick`
seconds (which lets database round trips and HTTP calls of the moment finish first, as time
spent by them would be in production). A jump never skips a deadline: sleepers wake in the
order of their deadlines, and each sees `monotonic()` at its own deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from core.clock import utcnow


class FakeClock:
    def __init__(self, start: datetime | None = None, *, tick: float = 0.002) -> None:
        # The wall clock starts at the real time: rows a test writes with the real time
        # are then already due for code that reads this clock.
        self._start = start or utcnow()
        self._elapsed = 0.0
        self._tick = tick
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return 1000.0 + self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        await self._until(self._elapsed + seconds)

    async def wait(self, event: asyncio.Event, timeout: float) -> bool:  # noqa: ASYNC109
        if event.is_set():
            return True
        waiter = asyncio.ensure_future(event.wait())
        deadline = asyncio.ensure_future(self.sleep(timeout))
        try:
            await asyncio.wait({waiter, deadline}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (waiter, deadline):
                task.cancel()
            await asyncio.gather(waiter, deadline, return_exceptions=True)
        return event.is_set()

    def advance(self, seconds: float) -> None:
        """Moves time on by `seconds`, waking every sleeper whose deadline falls within."""
        target = self._elapsed + seconds
        while self._sleepers and self._sleepers[0][0] <= target:
            at, _, future = heapq.heappop(self._sleepers)
            self._elapsed = max(self._elapsed, at)
            if not future.done():
                future.set_result(None)
        self._elapsed = target

    @contextlib.asynccontextmanager
    async def jumping(self) -> AsyncIterator[FakeClock]:
        """Time jumps to the next deadline whenever something waits on the clock."""
        driver = asyncio.create_task(self._jump_forever(), name="fake-clock")
        try:
            yield self
        finally:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver

    async def _until(self, at: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (at, next(self._order), future))
        await future

    async def _jump_forever(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            while self._sleepers and self._sleepers[0][2].done():  # cancelled waits
                heapq.heappop(self._sleepers)
            if self._sleepers:
                self._wake_earliest()

    def _wake_earliest(self) -> None:
        """Wakes the sleepers of the earliest deadline only: what they do may add an earlier
        deadline than the next one, and that one must come first."""
        at = self._sleepers[0][0]
        self._elapsed = max(self._elapsed, at)
        while self._sleepers and self._sleepers[0][0] <= at:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)
